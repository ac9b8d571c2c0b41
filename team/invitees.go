// Package team is the team view: a lead invites colleagues who report to
// the same manager, they answer the diagnostic anonymously, and the team's
// pooled picture unlocks once enough have answered.
package team

import (
	"fmt"
	netmail "net/mail"
	"strings"
)

// Limits on inviting.
const (
	MaxPerRequest = 20 // addresses in one invitation list
	MaxPerLead    = 50 // invitations one lead may make in all
	// MinAnswers is the fewest answers a team view ever unlocks at: fewer
	// would let an inviter work out a colleague's answers.
	MinAnswers = 3
	// maxAddressLen is the longest address accepted (RFC 5321's path limit).
	maxAddressLen = 254
	// maxEntries is how many entries a list is read for before the rest
	// is refused unread.
	maxEntries = 200
)

// UnlockAt is the number of answers a team view unlocks at for the
// setting TEAM_MIN_ANSWERS: never less than MinAnswers.
func UnlockAt(setting int) int { return max(setting, MinAnswers) }

// Unlocked reports whether a team view with answers answers has unlocked
// under the TEAM_MIN_ANSWERS setting: the one rule the pages, the API, the
// inbox badge and the reports share.
func Unlocked(answers, setting int) bool { return answers >= UnlockAt(setting) }

// InviteList is an invitation list as read: the addresses that may be
// invited, in the order given, each once, and a message per problem.
type InviteList struct {
	Valid    []string
	Problems []string
}

// ParseInvitees reads a list of addresses separated by new lines, commas,
// semicolons or spaces. Each must be a bare address (no name, no angle
// brackets, no control characters); the inviter's own address and repeats
// are left out with a message saying so.
func ParseInvitees(text, inviterEmail string) InviteList {
	var l InviteList
	entries := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(entries) > maxEntries {
		l.Problems = append(l.Problems, fmt.Sprintf("The list has %d entries; only the first %d were read.", len(entries), maxEntries))
		entries = entries[:maxEntries]
	}
	seen := map[string]bool{}
	self := normal(inviterEmail)
	for _, e := range entries {
		addr, problem := checkAddress(e)
		switch {
		case problem != "":
			l.Problems = append(l.Problems, problem)
		case normal(addr) == self:
			l.Problems = append(l.Problems, fmt.Sprintf("%s is your own address: invite your colleagues, not yourself.", addr))
		case seen[normal(addr)]:
			l.Problems = append(l.Problems, fmt.Sprintf("%s is in the list more than once; it is kept once.", addr))
		default:
			seen[normal(addr)] = true
			l.Valid = append(l.Valid, addr)
		}
	}
	return l
}

// checkAddress accepts a bare address, such as a@example.com, and nothing
// that a mail header could read as more: names, brackets, quotes, control
// characters.
func checkAddress(e string) (string, string) {
	shown := e
	if len(shown) > 60 {
		shown = shown[:60] + "…"
	}
	shown = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, shown)
	if len(e) > maxAddressLen {
		return "", fmt.Sprintf("%q is too long to be an email address.", shown)
	}
	if strings.ContainsFunc(e, func(r rune) bool { return r < 0x21 || r == 0x7f || strings.ContainsRune(`<>()"\:[]`, r) }) {
		return "", fmt.Sprintf("%q is not an email address: write just the address, like name@company.com.", shown)
	}
	a, err := netmail.ParseAddress(e)
	local, domain, ok := strings.Cut(e, "@")
	if err != nil || a.Name != "" || a.Address != e || !ok || local == "" || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", fmt.Sprintf("%q is not an email address: check it for typing mistakes.", shown)
	}
	return e, ""
}

// normal is the form addresses are compared in.
func normal(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }
