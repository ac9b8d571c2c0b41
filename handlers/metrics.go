package handlers

import (
	"github.com/labstack/echo/v4"
)

// Scrape answers Prometheus scrapes on the site itself, for signed-in
// admins, when no METRICS_ADDR gives metrics a listener of their own;
// otherwise it is not found here. It lives under /admin because the
// session cookie is scoped to that path.
func (h *Handlers) Scrape(c echo.Context) error {
	if !h.ServeMetrics || h.Metrics == nil {
		return echo.ErrNotFound
	}
	noStore(c)
	h.Metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}
