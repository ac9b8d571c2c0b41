package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// Static serves the embedded assets from memory, gzipped once at start for
// browsers that take it. Addresses made by static.Assets.URL carry the
// content hash, so those may be cached for a year.
func (h *Handlers) Static(c echo.Context) error {
	return h.serveAsset(c, c.Param("*"))
}

// Favicon answers browsers that ask for /favicon.ico whatever the page's
// icon link says.
func (h *Handlers) Favicon(c echo.Context) error {
	return h.serveAsset(c, "favicon.svg")
}

// embedScript is the script other sites load from a fixed address (no
// hash: their pages cannot follow ours), so it keeps the hour's cache.
const embedScript = "embed.js"

var (
	crossOrigin = []string{"cross-origin"}
	cacheYear   = []string{"public, max-age=31536000, immutable"}
	cacheHour   = []string{"public, max-age=3600"}
)

func (h *Handlers) serveAsset(c echo.Context, name string) error {
	a, ok := h.Assets.Get(name)
	if !ok {
		return echo.ErrNotFound
	}
	if name == embedScript {
		// Loaded by other sites' pages, including ones that allow only
		// resources marked as meant for them (Cross-Origin-Embedder-Policy).
		c.Response().Header()["Cross-Origin-Resource-Policy"] = crossOrigin
	}
	cache := cacheHour
	if q := c.Request().URL.RawQuery; q != "" {
		// The address the pages use is exactly ?v=HASH: no parsing for it.
		v, ok := strings.CutPrefix(q, "v=")
		if !ok || strings.ContainsAny(v, "&;") {
			v = c.QueryParam("v")
		}
		if v == a.Hash {
			cache = cacheYear
		}
	}
	return servePrepared(c, &a.Prepared, a.ContentType, cache)
}
