package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/views"
)

// ctaAfterSection is the article section after which readers are offered
// the diagnostic: the moment the article asks whether managers are leaders.
const ctaAfterSection = "so-are-all-managers-leaders"

type articlePage struct {
	Meta     views.Meta
	Article  *content.Article
	CTAAfter string
	MidCTA   ctaView
	EndCTA   ctaView
}

type ctaView struct {
	Title, Text, Href string
}

// ShowArticle renders the firm's article, which is also the front page,
// with calls to the diagnostic. The
// visitor's campaign parameters and referrer ride along in the link, so the
// lead records its source without cookies.
func (h *Handlers) ShowArticle(c echo.Context) error {
	h.Funnel.Inc(models.MetricArticleViews)
	src := sourceFromRequest(c, ArticlePath)
	href := "/diagnostic"
	if q := src.query(); q != "" {
		href += "?" + q
	}
	return c.Render(http.StatusOK, "article", articlePage{
		Meta: views.Meta{
			Title:       h.Article.Title + " — StellaPop",
			Description: h.Article.Description,
			Canonical:   h.absURL(ArticlePath),
			OGType:      "article",
		},
		Article:  h.Article,
		CTAAfter: ctaAfterSection,
		MidCTA: ctaView{
			Title: "Is your manager leading, or only managing?",
			Text:  "Answer twelve quick questions about the person you report to and see, on one chart, where they lead and where they mainly manage.",
			Href:  href,
		},
		EndCTA: ctaView{
			Title: "See where your manager stands",
			Text:  "Take the five-minute diagnostic for a personal result with practical next steps for both of you.",
			Href:  href,
		},
	})
}
