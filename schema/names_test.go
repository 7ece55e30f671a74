package schema

import (
	"strings"
	"testing"
)

func TestIsName(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wildcard bool
		want     bool
	}{
		{"example.com", false, true},
		{"example.com.", false, true},
		{"_dmarc.example.com.", false, true},
		{"_sip._tcp.example.com", false, true},
		{"*.example.com", true, true},
		{"*", true, true},
		{"*.example.com", false, false},
		{"a.*.example.com", true, false},
		{"-rf.example.com", false, false}, // never an option to a command
		{"a-.example.com", false, false},
		{"Example.com", false, false}, // zoneward writes lower case
		{"a..b", false, false},
		{"a..", false, false},
		{".", false, false},
		{"", false, false},
		{"a/b.example.com", false, false},
		{"a b.example.com", false, false},
		{strings.Repeat("a", 64) + ".com", false, false},
		{strings.Repeat("a.", 126) + "aa", false, false}, // 254 bytes
	} {
		if got := IsName(tc.name, tc.wildcard); got != tc.want {
			t.Errorf("IsName(%q, %v) = %v, want %v", tc.name, tc.wildcard, got, tc.want)
		}
	}
}
