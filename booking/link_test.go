package booking_test

import (
	"testing"

	"github.com/stellapop/intake/booking"
)

func TestLinkPrefillsKnownProviders(t *testing.T) {
	ada := booking.Prefill{Name: "Ada Lovelace", Email: "ada+x@example.com", ResultURL: "https://intake.example.com/results/tok123"}
	tests := []struct {
		name, link string
		p          booking.Prefill
		want       string
	}{
		{"Cal.com", "https://cal.com/stellapop/intro", ada,
			"https://cal.com/stellapop/intro?email=ada%2Bx%40example.com&name=Ada+Lovelace&notes=My+diagnostic+result%3A+https%3A%2F%2Fintake.example.com%2Fresults%2Ftok123"},
		{"app.cal.com, keeping its own parameters", "https://app.cal.com/stellapop/intro?duration=30", ada,
			"https://app.cal.com/stellapop/intro?duration=30&email=ada%2Bx%40example.com&name=Ada+Lovelace&notes=My+diagnostic+result%3A+https%3A%2F%2Fintake.example.com%2Fresults%2Ftok123"},
		{"Calendly", "https://calendly.com/stellapop/30min", ada,
			"https://calendly.com/stellapop/30min?a1=My+diagnostic+result%3A+https%3A%2F%2Fintake.example.com%2Fresults%2Ftok123&email=ada%2Bx%40example.com&name=Ada+Lovelace"},
		{"Calendly with www", "https://www.calendly.com/stellapop/30min", booking.Prefill{Name: "Zoë Ñ", Email: "z@example.com"},
			"https://www.calendly.com/stellapop/30min?email=z%40example.com&name=Zo%C3%AB+%C3%91"},
		{"Cal.com, the visitor's values replace the link's", "https://cal.com/stellapop/intro?name=Someone", ada,
			"https://cal.com/stellapop/intro?email=ada%2Bx%40example.com&name=Ada+Lovelace&notes=My+diagnostic+result%3A+https%3A%2F%2Fintake.example.com%2Fresults%2Ftok123"},
		{"another booking page", "https://stellapop.example/book", ada, "https://stellapop.example/book"},
		{"a look-alike host", "https://cal.com.evil.example/x", ada, "https://cal.com.evil.example/x"},
		{"a subdomain of calendly is not a scheduling link", "https://help.calendly.com/x", ada, "https://help.calendly.com/x"},
		{"mailto", "mailto:hello@stellapop.com?subject=Booking%20a%20conversation", ada, "mailto:hello@stellapop.com?subject=Booking%20a%20conversation"},
		{"nothing to prefill", "https://cal.com/stellapop/intro", booking.Prefill{}, "https://cal.com/stellapop/intro"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := booking.Link(tt.link, tt.p); got != tt.want {
				t.Errorf("Link(%q)\n got %s\nwant %s", tt.link, got, tt.want)
			}
		})
	}
}
