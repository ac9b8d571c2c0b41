package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/models/modelstest"
)

// BenchmarkArticlePage measures the article route through the whole
// middleware chain, without the network.
func BenchmarkArticlePage(b *testing.B) {
	store := modelstest.Open(b, models.SQLite)
	e, err := handlers.NewServer(testDeps(b, store))
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, handlers.ArticlePath, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkDiagnosticForm measures a new visitor's empty diagnostic, put
// together from its pieces with their own tokens and gzipped.
func BenchmarkDiagnosticForm(b *testing.B) {
	store := modelstest.Open(b, models.SQLite)
	e, err := handlers.NewServer(testDeps(b, store))
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/diagnostic?utm_source=newsletter", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("status %d, encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
}
