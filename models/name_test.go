package models_test

import (
	"testing"

	"github.com/stellapop/intake/models"
)

func TestSplitName(t *testing.T) {
	for _, tc := range []struct{ full, first, last string }{
		// Several words: the last is the last name.
		{"Ada Lovelace", "Ada", "Lovelace"},
		{"Mary Ann Smith", "Mary Ann", "Smith"},
		{"John Ronald Reuel Tolkien", "John Ronald Reuel", "Tolkien"},
		// One word: a first name only.
		{"Cher", "Cher", ""},
		{"  Madonna\t", "Madonna", ""},
		// Scripts written without spaces stay whole.
		{"王小明", "王小明", ""},
		{"山田太郎", "山田太郎", ""},
		{"山田\u3000太郎", "山田", "太郎"}, // an ideographic space is a space
		// Other scripts with spaces follow the same rule.
		{"Анна Петрова", "Анна", "Петрова"},
		{"Анна Сергеевна Петрова", "Анна Сергеевна", "Петрова"},
		{"محمد علي", "محمد", "علي"},
		{"فاطمة الزهراء أحمد", "فاطمة الزهراء", "أحمد"},
		{"Zoë Ørsted", "Zoë", "Ørsted"},
		// Hyphenated words stay whole.
		{"Jean-Luc Picard", "Jean-Luc", "Picard"},
		{"Mary Smith-Jones", "Mary", "Smith-Jones"},
		{"Omar al-Farouk", "Omar", "al-Farouk"},
		// Lowercase particles join the last name.
		{"Ludwig van Beethoven", "Ludwig", "van Beethoven"},
		{"Vincent Willem van Gogh", "Vincent Willem", "van Gogh"},
		{"Otto von Bismarck", "Otto", "von Bismarck"},
		{"María de la Cruz", "María", "de la Cruz"},
		{"Leonardo da Vinci", "Leonardo", "da Vinci"},
		{"Johannes van der Berg", "Johannes", "van der Berg"},
		{"Luiz dos Santos", "Luiz", "dos Santos"},
		{"Rafael das Neves", "Rafael", "das Neves"},
		{"Ana del Río", "Ana", "del Río"},
		{"Sofia della Torre", "Sofia", "della Torre"},
		{"Pieter den Uyl", "Pieter", "den Uyl"},
		{"Daphne du Maurier", "Daphne", "du Maurier"},
		{"Jean le Rond", "Jean", "le Rond"},
		{"Anna ten Brink", "Anna", "ten Brink"},
		{"Joop ter Horst", "Joop", "ter Horst"},
		{"Mahathir bin Mohamad", "Mahathir", "bin Mohamad"},
		{"Khalid al Mansour", "Khalid", "al Mansour"},
		{"Carlo di Stefano", "Carlo", "di Stefano"},
		{"Lana la Rue", "Lana", "la Rue"},
		// The first word is always the first name, particle or not.
		{"van Gogh", "van", "Gogh"},
		{"de la Cruz", "de", "la Cruz"},
		// A capitalised particle is part of the first name; a particle
		// as the last word is the last name.
		{"Dick Van Dyke", "Dick Van", "Dyke"},
		{"Ana de", "Ana", "de"},
		// Whitespace of any kind is trimmed and folded.
		{"  Grace   Hopper ", "Grace", "Hopper"},
		{"Grace\tBrewster\n Hopper", "Grace Brewster", "Hopper"},
		{"\u00a0Ada\u00a0Lovelace\u00a0", "Ada", "Lovelace"},
		{"Ludwig  van\tBeethoven", "Ludwig", "van Beethoven"},
		// Nothing is nothing.
		{"", "", ""},
		{" \t\n ", "", ""},
	} {
		first, last := models.SplitName(tc.full)
		if first != tc.first || last != tc.last {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", tc.full, first, last, tc.first, tc.last)
		}
	}
}

func TestFirstName(t *testing.T) {
	for _, tc := range []struct{ full, want string }{
		{"Mary Ann Smith", "Mary Ann"},
		{"Ludwig van Beethoven", "Ludwig"},
		{"Cher", "Cher"},
		{"王小明", "王小明"},
		{"Анна Петрова", "Анна"},
		{"  ", ""},
	} {
		if got := models.FirstName(tc.full); got != tc.want {
			t.Errorf("FirstName(%q) = %q, want %q", tc.full, got, tc.want)
		}
	}
}

// TestSplitNameMakesNoCopy: the export splits a name per row, a million
// rows at a time, so a name already spaced singly is cut, not copied.
func TestSplitNameMakesNoCopy(t *testing.T) {
	for _, full := range []string{"Mary Ann Smith", "Ludwig van Beethoven", " Cher ", "王小明"} {
		if n := testing.AllocsPerRun(100, func() { models.SplitName(full) }); n != 0 {
			t.Errorf("SplitName(%q) allocates %v times", full, n)
		}
	}
}
