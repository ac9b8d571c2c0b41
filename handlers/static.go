package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Static serves the embedded assets from memory. Addresses made by
// static.Assets.URL carry the content hash, so those may be cached for a year.
func (h *Handlers) Static(c echo.Context) error {
	return h.serveAsset(c, c.Param("*"))
}

// Favicon answers browsers that ask for /favicon.ico whatever the page's
// icon link says.
func (h *Handlers) Favicon(c echo.Context) error {
	return h.serveAsset(c, "favicon.svg")
}

func (h *Handlers) serveAsset(c echo.Context, name string) error {
	a, ok := h.Assets.Get(name)
	if !ok {
		return echo.ErrNotFound
	}
	hdr := c.Response().Header()
	etag := `"` + a.Hash + `"`
	hdr.Set("ETag", etag)
	if v := c.QueryParam("v"); v != "" && v == a.Hash {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "public, max-age=3600")
	}
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}
