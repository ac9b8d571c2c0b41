package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/content"
	"github.com/stellapop/intake/models"
	"github.com/stellapop/intake/static"
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

// ShowArticle serves the firm's article, which is also the front page,
// with calls to the diagnostic. The visitor's campaign parameters and
// referrer ride along in the link, so the lead records its source without
// cookies. The page was rendered at start (see prepareArticle): a visitor
// who brings no campaign gets those bytes as they are, and the others the
// same pieces around their own link.
func (h *Handlers) ShowArticle(c echo.Context) error {
	h.Funnel.Inc(models.MetricArticleViews)
	a := h.articlePage
	req := c.Request()
	if req.URL.RawQuery == "" && cleanReferrer(firstValue(req.Header, hdrReferer), req.Host) == "" {
		return servePrepared(c, &a.page, htmlType, cacheRevalidate)
	}
	href := escapeAttr(articleCTAHref(sourceFromRequest(c, ArticlePath)))
	if href == a.defaultHref {
		return servePrepared(c, &a.page, htmlType, cacheRevalidate)
	}
	// The link is part of the page, so it is part of the tag.
	sum := fnv.New64a()
	sum.Write([]byte(href))
	tag := a.tag + "-" + strconv.FormatUint(sum.Sum64(), 36)
	hdr := c.Response().Header()
	addVary(hdr)
	hdr[hdrCacheControl] = cacheRevalidate
	gz := acceptsGzip(firstValue(req.Header, hdrAcceptEncoding))
	etag := `"` + tag + `"`
	if gz {
		etag = `"` + tag + `-gz"`
	}
	hdr[hdrETag] = []string{etag}
	if inm := firstValue(req.Header, hdrIfNoneMatch); inm != "" && etagMatches(inm, etag) {
		c.Response().WriteHeader(http.StatusNotModified)
		return nil
	}
	values := []string{href}
	if gz {
		return writeBody(c, a.split.gzip(values), htmlType, true)
	}
	return writeBody(c, a.split.render(values), htmlType, false)
}

var (
	htmlType = []string{echo.MIMETextHTMLCharsetUTF8}
	// cacheRevalidate lets browsers keep the page but ask each time
	// whether it changed: the link in it depends on where the visitor
	// came from, which the ETag covers.
	cacheRevalidate = []string{"no-cache"}
)

// articleCTAHref is the link to the diagnostic that carries src along.
func articleCTAHref(src source) string {
	href := "/diagnostic"
	if q := src.query(); q != "" {
		href += "?" + q
	}
	return href
}

// preparedArticle is the article rendered once.
type preparedArticle struct {
	page        static.Prepared // for a visitor without campaign or referrer
	defaultHref string          // that page's link to the diagnostic, escaped
	split       *spliced        // the page cut around the links
	tag         string          // the ETag of page, unquoted
}

// ctaMarker stands where the link to the diagnostic goes.
const ctaMarker = "/diagnostic-link-goes-here"

// prepareArticle renders the article page once, whole and in pieces.
func (h *Handlers) prepareArticle(r *views.Renderer) (*preparedArticle, error) {
	var whole, cut bytes.Buffer
	defaultHref := articleCTAHref(source{LandingPage: ArticlePath})
	if err := r.Render(&whole, "article", h.articleView(defaultHref), nil); err != nil {
		return nil, fmt.Errorf("render the article: %w", err)
	}
	if err := r.Render(&cut, "article", h.articleView(ctaMarker), nil); err != nil {
		return nil, fmt.Errorf("render the article: %w", err)
	}
	split, err := newSpliced(cut.Bytes(), []string{ctaMarker})
	if err != nil {
		return nil, fmt.Errorf("the article's pieces: %w", err)
	}
	a := &preparedArticle{page: static.Prepare(whole.Bytes()), defaultHref: escapeAttr(defaultHref), split: split}
	a.tag = strings.Trim(a.page.ETag, `"`)
	if got := split.render([]string{a.defaultHref}); !bytes.Equal(got, a.page.Plain) {
		return nil, errors.New("the article put together from its pieces differs from the article rendered whole")
	}
	return a, nil
}

// articleView is the article page with href as its link to the diagnostic.
func (h *Handlers) articleView(href string) articlePage {
	return articlePage{
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
	}
}
