package handlers

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/stellapop/intake/static"
)

// Public pages that are the same for every visitor are rendered once at
// start into bytes, compressed once, and served from memory with a strong
// ETag, so a page view costs about what a static file costs. Pages with a
// few values that change per request (the diagnostic's tokens, the
// article's link carrying a campaign) are rendered once with markers in
// those places and put together per request from the pieces; see spliced.

// Canonical header names, set straight into the map: Header.Set would
// canonicalise the name again on every request.
const (
	hdrVary            = "Vary"
	hdrETag            = "Etag"
	hdrCacheControl    = "Cache-Control"
	hdrContentType     = "Content-Type"
	hdrContentLength   = "Content-Length"
	hdrContentEncoding = "Content-Encoding"
	hdrAcceptEncoding  = "Accept-Encoding"
	hdrIfNoneMatch     = "If-None-Match"
	hdrReferer         = "Referer"
)

// firstValue is h.Get(key) for a key already in canonical form. The server
// stores request headers under canonical names, and Header.Get would
// canonicalise the name again on every request.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	encodingGzip       = []string{"gzip"}
)

// serve answers with p, or 304 when the browser's copy is current. Both
// forms carry Vary: Accept-Encoding so caches keep them apart.
func servePrepared(c echo.Context, p *static.Prepared, ctype []string, cacheControl []string) error {
	req, res := c.Request(), c.Response()
	hdr := res.Header()
	body, ready := p.Plain, &p.PlainHeader
	gz := false
	if p.Gzip != nil {
		addVary(hdr)
		if acceptsGzip(firstValue(req.Header, hdrAcceptEncoding)) {
			body, ready, gz = p.Gzip, &p.GzipHeader, true
		}
	}
	hdr[hdrETag] = ready.ETag
	hdr[hdrCacheControl] = cacheControl
	if inm := firstValue(req.Header, hdrIfNoneMatch); inm != "" && etagMatches(inm, ready.ETag[0]) {
		res.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeSized(c, http.StatusOK, body, ready.Length, ctype, gz)
}

// writeBody sends a complete body with its length; HEAD gets the headers only.
func writeBody(c echo.Context, body []byte, ctype []string, gz bool) error {
	return writeSized(c, http.StatusOK, body, []string{strconv.Itoa(len(body))}, ctype, gz)
}

// writeSized is writeBody with the status and the Content-Length value ready.
func writeSized(c echo.Context, status int, body []byte, length, ctype []string, gz bool) error {
	res := c.Response()
	hdr := res.Header()
	hdr[hdrContentType] = ctype
	hdr[hdrContentLength] = length
	if gz {
		hdr[hdrContentEncoding] = encodingGzip
	}
	res.WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := res.Write(body)
	return err
}

// addVary adds Accept-Encoding to Vary, beside what is there (the CSRF
// cookie's Vary: Cookie).
func addVary(hdr http.Header) {
	if v, ok := hdr[hdrVary]; ok {
		hdr[hdrVary] = append(v[:len(v):len(v)], "Accept-Encoding")
		return
	}
	hdr[hdrVary] = varyAcceptEncoding
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// (or "*") with a q-value above zero.
func acceptsGzip(header string) bool {
	star := false
	for header != "" {
		var item string
		item, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(item, ";")
		name = strings.TrimSpace(name)
		isGzip := strings.EqualFold(name, "gzip") || strings.EqualFold(name, "x-gzip")
		if !isGzip && name != "*" {
			continue
		}
		ok := qAboveZero(params)
		if isGzip {
			return ok
		}
		star = ok
	}
	return star
}

// qAboveZero reads a q parameter; none means 1.
func qAboveZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q > 0
		}
	}
	return true
}

// etagMatches is If-None-Match's weak comparison: "*", or any tag in the
// list equal to etag once W/ is set aside.
func etagMatches(header, etag string) bool {
	for header != "" {
		var tag string
		tag, header, _ = strings.Cut(header, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// escapeAttr escapes a value for a double-quoted HTML attribute exactly as
// html/template does, so a page put together from pieces is byte for byte
// the page the template would render (a test holds them to that).
func escapeAttr(s string) string {
	if strings.IndexAny(s, "\x00\"&'+<>") < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case 0:
			b.WriteString("\uFFFD")
		case '"':
			b.WriteString("&#34;")
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '+':
			b.WriteString("&#43;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// spliced is a page rendered once with markers where per-request values
// go. It puts the page together from its pieces, and its gzip too: the
// large fixed pieces are compressed once at start as independent deflate
// blocks, and the small pieces between them go out per request as stored
// blocks, so no compressor runs while a visitor waits.
type spliced struct {
	parts [][]byte // the fixed text around the holes; len(holes)+1
	holes []int    // which value each hole takes
	size  int      // total length of parts
	// For the gzip: each part's deflate blocks, or nil when the part is
	// small enough to go out stored with the values around it.
	zparts [][]byte
}

// minCompressedPart is the smallest fixed piece worth its own deflate
// blocks; smaller ones travel stored, with the values beside them.
const minCompressedPart = 512

// newSpliced cuts page at every marker; markers[i] becomes hole value i.
// Every marker must occur at least once.
func newSpliced(page []byte, markers []string) (*spliced, error) {
	s := &spliced{}
	found := make([]bool, len(markers))
	rest := bytes.Clone(page) // the pieces must not share the caller's buffer
	for {
		at, which := -1, -1
		for i, m := range markers {
			if j := bytes.Index(rest, []byte(m)); j >= 0 && (at < 0 || j < at) {
				at, which = j, i
			}
		}
		if at < 0 {
			s.parts = append(s.parts, rest)
			break
		}
		s.parts = append(s.parts, rest[:at])
		s.holes = append(s.holes, which)
		found[which] = true
		rest = rest[at+len(markers[which]):]
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("marker %q not in the page", markers[i])
		}
	}
	last := len(s.parts) - 1
	for i, p := range s.parts {
		s.size += len(p)
		if len(p) < minCompressedPart {
			s.zparts = append(s.zparts, nil)
			continue
		}
		var buf bytes.Buffer
		zw, err := flate.NewWriter(&buf, flate.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(p); err != nil {
			return nil, err
		}
		if i == last {
			err = zw.Close() // the final block
		} else {
			err = zw.Flush() // ends on a byte boundary, not final
		}
		if err != nil {
			return nil, err
		}
		s.zparts = append(s.zparts, buf.Bytes())
	}
	return s, nil
}

// render puts the page together with values (already escaped).
func (s *spliced) render(values []string) []byte {
	n := s.size
	for _, h := range s.holes {
		n += len(values[h])
	}
	out := make([]byte, 0, n)
	for i, p := range s.parts {
		out = append(out, p...)
		if i < len(s.holes) {
			out = append(out, values[s.holes[i]]...)
		}
	}
	return out
}

// gzipHeader is a gzip member header: deflate, no name, no time, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// gzip puts the page together gzipped, with values (already escaped).
func (s *spliced) gzip(values []string) []byte {
	n := len(gzipHeader) + 8
	for _, z := range s.zparts {
		n += len(z)
	}
	for i, h := range s.holes {
		n += len(values[h]) + 5
		if s.zparts[i] == nil {
			n += len(s.parts[i]) + 5
		}
	}
	n += len(s.parts[len(s.parts)-1]) + 10
	out := make([]byte, 0, n)
	out = append(out, gzipHeader...)
	crc, size := uint32(0), 0
	var raw []byte // stored text waiting to go out
	for i, p := range s.parts {
		crc = crc32.Update(crc, crc32.IEEETable, p)
		size += len(p)
		last := i == len(s.parts)-1
		if s.zparts[i] != nil {
			out = appendStored(out, raw, false)
			raw = raw[:0]
			out = append(out, s.zparts[i]...)
		} else {
			raw = append(raw, p...)
		}
		if !last {
			v := values[s.holes[i]]
			crc = crc32.Update(crc, crc32.IEEETable, []byte(v))
			size += len(v)
			raw = append(raw, v...)
		} else if s.zparts[i] == nil {
			out = appendStored(out, raw, true)
		}
	}
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(size))
}

// appendStored writes b as stored deflate blocks (at most 65535 bytes
// each); final marks the last block of the stream. Nothing is written for
// an empty b unless it must close the stream.
func appendStored(out, b []byte, final bool) []byte {
	for len(b) > 0 || final {
		chunk := b[:min(len(b), 0xffff)]
		b = b[len(chunk):]
		head := byte(0)
		if final && len(b) == 0 {
			head = 1
		}
		out = append(out, head, byte(len(chunk)), byte(len(chunk)>>8), ^byte(len(chunk)), ^byte(len(chunk)>>8))
		out = append(out, chunk...)
		if head == 1 {
			break
		}
	}
	return out
}

// gzipWriters are reused: a gzip.Writer holds about 800 KB of tables.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}

// renderCompressed renders a page that differs per request (a result) and
// sends it gzipped to browsers that take it: a phone on a slow link gets
// a third of the bytes, for some tens of microseconds of CPU.
func renderCompressed(c echo.Context, name string, data any) error {
	var page bytes.Buffer
	if err := c.Echo().Renderer.Render(&page, name, data, c); err != nil {
		return err
	}
	addVary(c.Response().Header())
	if !acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		return writeBody(c, page.Bytes(), htmlType, false)
	}
	var gz bytes.Buffer
	gz.Grow(page.Len() / 2)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&gz)
	_, _ = zw.Write(page.Bytes())
	err := zw.Close()
	zw.Reset(io.Discard)
	gzipWriters.Put(zw)
	if err != nil {
		return err
	}
	return writeBody(c, gz.Bytes(), htmlType, true)
}
