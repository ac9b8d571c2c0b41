package main

import "testing"

func TestEachVisitComesFromTheBenchmarkRange(t *testing.T) {
	tests := []struct {
		visit int
		addr  string
	}{
		{1, "198.18.0.1"},
		{256, "198.18.1.0"},
		{65536, "198.19.0.0"},
		{131071, "198.19.255.255"},
		{131072 + 5, "198.18.0.5"}, // then the range starts again
	}
	for _, tt := range tests {
		if got := visitAddress(tt.visit); got != tt.addr {
			t.Errorf("visitAddress(%d) = %s, want %s", tt.visit, got, tt.addr)
		}
	}
}
