package github

import (
	"strings"
	"testing"
)

// FuzzParseOwner checks that whatever CODEOWNERS says, an owner that will
// be put in a URL path is a single, harmless segment.
func FuzzParseOwner(f *testing.F) {
	for _, s := range []string{"@alice", "@acme/dns", "a@example.com", "@../x", "@acme/..", "@a/b/c", "@", "@acme/%2e%2e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, ok := parseOwner(s)
		if !ok {
			return
		}
		for _, seg := range []string{o.login, o.org, o.slug} {
			if strings.ContainsAny(seg, "/?#%\\ ") || seg == "." || seg == ".." {
				t.Errorf("parseOwner(%q) = %+v: segment %q is unsafe in a URL path", s, o, seg)
			}
		}
		if (o.login == "") == (o.slug == "") {
			t.Errorf("parseOwner(%q) = %+v: want exactly a user or a team", s, o)
		}
	})
}
