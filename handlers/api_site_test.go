package handlers_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/stellapop/intake/handlers"
	"github.com/stellapop/intake/models"
)

// apiDoc is the served OpenAPI document, loaded and validated once, with
// the router that finds each request's operation in it.
var apiDoc = sync.OnceValues(func() (routers.Router, error) {
	openapi3filter.RegisterBodyDecoder("application/jsonl", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
	doc, err := openapi3.NewLoader().LoadFromData(handlers.OpenAPIJSON)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// apiCall is one API request a test makes. Bad marks a request the test
// makes wrong on purpose, which the document need not accept; its
// response is checked all the same.
type apiCall struct {
	method, path, token, body string
	header                    []string // name, value, …
	bad                       bool
}

// api makes call and checks both the request and the response against the
// OpenAPI document: a response the document does not describe fails.
func (s *site) api(call apiCall) response {
	s.t.Helper()
	router, err := apiDoc()
	if err != nil {
		s.t.Fatalf("OpenAPI document: %v", err)
	}
	var body io.Reader
	if call.body != "" {
		body = strings.NewReader(call.body)
	}
	req, _ := http.NewRequest(call.method, s.url+call.path, body)
	if call.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if call.token != "" {
		req.Header.Set("Authorization", "Bearer "+call.token)
	}
	for i := 0; i+1 < len(call.header); i += 2 {
		req.Header.Set(call.header[i], call.header[i+1])
	}

	// The document's paths are under its server, /api/v1.
	docReq, _ := http.NewRequest(call.method, "http://intake.example"+call.path, strings.NewReader(call.body))
	docReq.Header = req.Header.Clone()
	route, params, err := router.FindRoute(docReq)
	if err != nil {
		s.t.Fatalf("%s %s is not in the OpenAPI document: %v", call.method, call.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: docReq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && !call.bad {
		s.t.Errorf("%s %s: the request does not match the OpenAPI document: %v", call.method, call.path, err)
	}

	r := s.do(req)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes([]byte(r.body))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		s.t.Errorf("%s %s = %d: the response does not match the OpenAPI document: %v\n%s", call.method, call.path, r.status, err, r.body)
	}
	if r.status >= 400 && r.header.Get("Content-Type") != "application/problem+json" {
		s.t.Errorf("%s %s = %d with Content-Type %q, want application/problem+json", call.method, call.path, r.status, r.header.Get("Content-Type"))
	}
	return r
}

// newToken makes a token for u with scopes and returns it.
func (s *site) newToken(u *models.User, scopes ...string) string {
	s.t.Helper()
	_, secret, err := s.store.CreateAPIToken(s.t.Context(), u.ID, "test", scopes, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	return secret
}

// logBuffer is a logger's output, safe to read while the server writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
