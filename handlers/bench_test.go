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
