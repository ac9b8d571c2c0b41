package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Prepared is a response body made once: the bytes, their gzip, and a
// strong ETag for each (they are different representations of it).
type Prepared struct {
	Plain, Gzip    []byte // Gzip is nil when compressing does not pay
	ETag, GzipETag string

	// The same as header values (ETag, Content-Length), made once so that
	// serving a Prepared allocates nothing.
	PlainHeader, GzipHeader Header
}

// Header holds one representation's ETag and Content-Length as header
// values.
type Header struct{ ETag, Length []string }

func header(etag string, body []byte) Header {
	return Header{ETag: []string{etag}, Length: []string{strconv.Itoa(len(body))}}
}

// Prepare compresses body once, as hard as gzip can, and tags both forms
// with a digest of body.
func Prepare(body []byte) Prepared {
	sum := sha256.Sum256(body)
	return prepare(body, hex.EncodeToString(sum[:8]))
}

func prepare(body []byte, tag string) Prepared {
	p := Prepared{Plain: body, ETag: `"` + tag + `"`}
	p.PlainHeader = header(p.ETag, body)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	// Saving a few bytes is not worth a Vary that splits caches in two.
	if buf.Len()+64 < len(body) {
		p.Gzip, p.GzipETag = buf.Bytes(), `"`+tag+`-gz"`
		p.GzipHeader = header(p.GzipETag, p.Gzip)
	}
	return p
}
