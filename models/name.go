package models

import "strings"

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
	words := strings.Fields(full)
	if len(words) == 0 {
		return "", ""
	}
	cut := len(words) - 1
	for cut > 1 && surnameParticles[words[cut-1]] {
		cut--
	}
	if cut == 0 {
		return words[0], ""
	}
	return strings.Join(words[:cut], " "), strings.Join(words[cut:], " ")
}

// FirstName is the name a person is greeted by: SplitName's first name.
func FirstName(full string) string {
	first, _ := SplitName(full)
	return first
}
