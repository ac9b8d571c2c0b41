package diagnostic

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Consent is the versioned consent wording shown with the diagnostic.
type Consent struct {
	Version  string    `json:"version"`
	Purposes []Purpose `json:"purposes"`
}

// Purpose is one consent checkbox; SHA256 fingerprints the label so a stored consent records the exact wording agreed to.
type Purpose struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
	SHA256   string `json:"sha256"`
}

// filePurpose omits SHA256: it is always computed, never taken on trust from the file.
type filePurpose struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
}

type fileConsent struct {
	Version  string        `json:"version"`
	Purposes []filePurpose `json:"purposes"`
}

// ParseConsent decodes consent wording strictly, validates it and fills each purpose's SHA256.
func ParseConsent(data []byte) (*Consent, error) {
	var f fileConsent
	if err := decodeStrict(data, &f); err != nil {
		return nil, fmt.Errorf("diagnostic: consent: %w", err)
	}
	var p problems
	if blank(f.Version) {
		p.addf("version is empty")
	}
	if len(f.Purposes) == 0 {
		p.addf("no purposes")
	}
	c := &Consent{Version: f.Version}
	seen := map[string]bool{}
	for i, fp := range f.Purposes {
		name := label("purpose", fp.ID, i)
		p.checkID(seen, name, fp.ID)
		if blank(fp.Label) {
			p.addf("%s: label is empty", name)
		}
		sum := sha256.Sum256([]byte(fp.Label))
		c.Purposes = append(c.Purposes, Purpose{
			ID: fp.ID, Label: fp.Label, Required: fp.Required, SHA256: hex.EncodeToString(sum[:]),
		})
	}
	if err := errors.Join(p...); err != nil {
		return nil, fmt.Errorf("diagnostic: invalid consent:\n%w", err)
	}
	return c, nil
}

// Purpose returns the purpose with the given id.
func (c *Consent) Purpose(id string) (Purpose, bool) {
	for _, p := range c.Purposes {
		if p.ID == id {
			return p, true
		}
	}
	return Purpose{}, false
}
