// Package static holds the site's own assets (CSS, script, icons), embedded
// and addressed by content hash so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
)

//go:embed css js favicon.svg embed.js
var files embed.FS

// Asset is one file, held in memory with the headers it is served with,
// and compressed once at start when that makes it smaller.
type Asset struct {
	Prepared
	Body        []byte
	ContentType []string // as a header value, made once
	Hash        string   // a short hex digest of Body
}

// contentTypes is the type each kind of asset is served with. A fixed
// table rather than mime.TypeByExtension: that reads the machine's MIME
// database, so a file's type would depend on the host, and the database
// stays in memory, close to half a megabyte the collector walks on every
// cycle, for the three kinds of file the site has.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// Assets is every embedded file, loaded and hashed once.
type Assets struct {
	files map[string]*Asset
}

// Load reads and hashes every embedded file.
func Load() (*Assets, error) {
	a := &Assets{files: map[string]*Asset{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		if path.Ext(name) == ".css" {
			b = minifyCSS(b)
		}
		sum := sha256.Sum256(b)
		ctype, ok := contentTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("static: %s has no content type: add its extension to contentTypes", name)
		}
		hash := hex.EncodeToString(sum[:8])
		a.files[name] = &Asset{Prepared: prepare(b, hash), Body: b, ContentType: []string{ctype}, Hash: hash}
		return nil
	})
	return a, err
}

// Get returns the asset with the given name, such as "css/site.css".
func (a *Assets) Get(name string) (*Asset, bool) {
	f, ok := a.files[name]
	return f, ok
}

// URL returns the address of an asset with its hash, so a changed file gets
// a new address. It panics on an unknown name: every template is rendered
// in tests, so a typo fails there, not in front of a visitor.
func (a *Assets) URL(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("static: no asset named " + name)
	}
	return "/static/" + name + "?v=" + f.Hash
}
