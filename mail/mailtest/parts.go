package mailtest

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// Subject is the message's Subject header, decoded.
func (m Message) Subject() (string, error) {
	msg, err := m.Parse()
	if err != nil {
		return "", err
	}
	return new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
}

// Parts returns the decoded text and HTML alternatives of a
// multipart/alternative message.
func (m Message) Parts() (text, html string, err error) {
	msg, err := m.Parse()
	if err != nil {
		return "", "", err
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		return "", "", errors.New("mailtest: not a multipart/alternative message")
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return text, html, nil
		}
		if err != nil {
			return "", "", err
		}
		var r io.Reader = p // multipart decodes quoted-printable itself
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return "", "", err
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
}
