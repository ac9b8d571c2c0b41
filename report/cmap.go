package report

import (
	"encoding/binary"
	"errors"
)

// fontRunes reads which runes a TrueType font draws, from the Unicode
// format-4 subtable of its cmap: the table fpdf itself maps text through,
// so a rune missing here is a rune fpdf would print as an empty box.
func fontRunes(ttf []byte) (map[rune]bool, error) {
	errBad := errors.New("report: font has no readable Unicode cmap")
	u16 := func(at int) (int, bool) {
		if at < 0 || at+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[at:])), true
	}
	u32 := func(at int) (int, bool) {
		if at < 0 || at+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[at:])), true
	}
	tables, ok := u16(4)
	if !ok {
		return nil, errBad
	}
	cmap := -1
	for i := range tables {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, errBad
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return nil, errBad
	}
	n, ok := u16(cmap + 2)
	if !ok {
		return nil, errBad
	}
	sub := -1
	for i := range n {
		platform, _ := u16(cmap + 4 + 8*i)
		encoding, _ := u16(cmap + 6 + 8*i)
		off, ok := u32(cmap + 8 + 8*i)
		if !ok {
			return nil, errBad
		}
		if format, _ := u16(cmap + off); format == 4 && (platform == 0 || platform == 3 && encoding == 1) {
			sub = cmap + off
			break
		}
	}
	if sub < 0 {
		return nil, errBad
	}
	segX2, ok := u16(sub + 6)
	if !ok || sub+16+4*segX2 > len(ttf) {
		return nil, errBad
	}
	ends, starts := sub+14, sub+16+segX2
	deltas, offsets := starts+segX2, starts+2*segX2
	out := map[rune]bool{}
	for s := 0; s < segX2; s += 2 {
		end, _ := u16(ends + s)
		start, _ := u16(starts + s)
		delta, _ := u16(deltas + s)
		rangeOff, _ := u16(offsets + s)
		for c := start; c <= end && c != 0xFFFF; c++ {
			glyph := 0
			if rangeOff == 0 {
				glyph = (c + delta) & 0xFFFF
			} else if g, ok := u16(offsets + s + rangeOff + 2*(c-start)); ok && g != 0 {
				glyph = (g + delta) & 0xFFFF
			}
			if glyph != 0 {
				out[rune(c)] = true
			}
		}
	}
	return out, nil
}
