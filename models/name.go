package models

import (
	"strings"
	"unicode"
)

// surnameParticles are the lowercase words that belong to the surname
// they stand before: "Ludwig van Beethoven" is Ludwig of the van Beethovens.
var surnameParticles = map[string]bool{
	"van": true, "von": true, "de": true, "da": true, "di": true, "del": true, "della": true,
	"der": true, "den": true, "du": true, "la": true, "le": true, "ten": true, "ter": true,
	"bin": true, "al": true, "dos": true, "das": true,
}

// SplitName is the one rule for splitting a person's name as they typed
// it into a first and a last name, for the export and every greeting.
//
// Whitespace of any kind is trimmed and folded to single spaces. A single
// word is the first name, with no last name: so is a name in a script
// written without spaces ("王小明", "山田太郎"), which is never cut apart.
// Otherwise the last word is the last name and the words before it the
// first name ("Mary Ann Smith" is "Mary Ann", "Smith"), except that
// lowercase surname particles right before the last word (van, von, de,
// da, di, del, della, der, den, du, la, le, ten, ter, bin, al, dos, das)
// join the last name ("Ludwig van Beethoven" is "Ludwig", "van
// Beethoven"; "María de la Cruz" is "María", "de la Cruz"). The first
// word is always the first name, particle or not, so nobody is greeted
// by nothing. Hyphenated words are words ("Jean-Luc Picard" is
// "Jean-Luc", "Picard"); capitalised particles are given names ("Dick
// Van Dyke" is "Dick Van", "Dyke").
func SplitName(full string) (first, last string) {
	name := strings.TrimSpace(full)
	if !singleSpaced(name) {
		name = strings.Join(strings.Fields(name), " ")
	}
	// name is now words between single spaces; cutting it makes no copy,
	// which a million-row export notices.
	cut := strings.LastIndexByte(name, ' ')
	if cut < 0 {
		return name, ""
	}
	for {
		before := strings.LastIndexByte(name[:cut], ' ')
		if before < 0 || !surnameParticles[name[before+1:cut]] {
			break
		}
		cut = before
	}
	return name[:cut], name[cut+1:]
}

// singleSpaced reports whether the only whitespace in s is single spaces.
func singleSpaced(s string) bool {
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if r != ' ' || space {
				return false
			}
			space = true
		} else {
			space = false
		}
	}
	return true
}

// FirstName is the name a person is greeted by: SplitName's first name.
func FirstName(full string) string {
	first, _ := SplitName(full)
	return first
}
