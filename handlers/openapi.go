package handlers

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPIJSON is the API's OpenAPI 3.1 document, written by hand beside
// the handlers it describes; api_test.go checks every API response against
// it, so the two cannot drift apart.
//
//go:embed openapi.json
var OpenAPIJSON []byte

// OpenAPIDocument serves the API's OpenAPI document.
func (h *Handlers) OpenAPIDocument(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPIJSON)
}
