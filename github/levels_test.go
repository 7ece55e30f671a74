package github_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/zoneward/zoneward/github"
)

// TestAccessLevels runs every role a user or team can hold against every
// setting of github.access, with the listing readable (bulk, then all
// 304 the second time) and forbidden (one lookup per owner).
func TestAccessLevels(t *testing.T) {
	roles := map[string]github.Role{
		"@reader": github.Read, "@triager": github.Triage, "@writer": github.Write,
		"@maintainer": github.Maintain, "@admin": github.Admin, "@stranger": github.NoAccess,
		"@acme/pullers": github.Read, "@acme/triagers": github.Triage, "@acme/pushers": github.Write,
		"@acme/maintainers": github.Maintain, "@acme/admins": github.Admin, "@acme/no-repo": github.NoAccess,
	}
	owners := make([]string, 0, len(roles))
	for o := range roles {
		owners = append(owners, o)
	}
	for _, tc := range []struct {
		access string
		least  github.Role // the least role that keeps a grant
	}{
		{"", github.Read}, // the default
		{"read", github.Read},
		{"triage", github.Triage},
		{"write", github.Write},
		{"none", github.NoAccess},
	} {
		for _, forbid := range []bool{false, true} {
			t.Run(fmt.Sprintf("access=%q/listing forbidden=%v", tc.access, forbid), func(t *testing.T) {
				s := newServer(t)
				seedLevels(s)
				s.ForbidListing(forbid)
				c := newClientAccess(t, s, tc.access)
				ctx := context.Background()
				got, err := c.Roles(ctx, owners)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(got, roles) {
					t.Errorf("Roles = %v, want %v", got, roles)
				}
				for pass := 1; pass <= 2; pass++ {
					s.ResetLog()
					can, err := c.CanWrite(ctx, owners)
					if err != nil {
						t.Fatal(err)
					}
					for o, r := range roles {
						want := tc.least == github.NoAccess || r >= tc.least
						if can[o] != want {
							t.Errorf("pass %d: %s holds %v; keeps the grant = %v, want %v", pass, o, r, can[o], want)
						}
					}
					// The listings were read once by Roles: every later
					// read is conditional and unchanged pages are 304.
					reqs := s.Requests()
					if tc.least == github.NoAccess {
						if len(reqs) != 0 {
							t.Errorf("pass %d: access none made %d requests, want 0", pass, len(reqs))
						}
						continue
					}
					if !forbid && (len(reqs) != 2 || s.NotModified() != 2) {
						t.Errorf("pass %d: %d requests, %d of them 304; want the 2 listings, both 304: %v", pass, len(reqs), s.NotModified(), reqs)
					}
					// Forbidden listings: each owner is asked about, once.
					if forbid && perOwner(reqs) != len(owners) {
						t.Errorf("pass %d: %d per-owner lookups, want %d", pass, perOwner(reqs), len(owners))
					}
				}
			})
		}
	}
}

func TestNewRejectsAccess(t *testing.T) {
	for _, a := range []string{"maintain", "admin", "push", "owner", "custom-role"} {
		if _, err := github.New(github.Options{Repository: repository, Access: a}); err == nil {
			t.Errorf("Access %q accepted; only read, triage, write and none keep a grant", a)
		}
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]github.Role{
		"none": github.NoAccess, "read": github.Read, "pull": github.Read, "Triage": github.Triage,
		"write": github.Write, "push": github.Write, "maintain": github.Maintain, "ADMIN": github.Admin,
	} {
		if got, ok := github.ParseRole(in); !ok || got != want {
			t.Errorf("ParseRole(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := github.ParseRole("security-manager"); ok {
		t.Error("a custom role's name parsed as a base role")
	}
	if github.Maintain.String() != "maintain" || github.Role(9).String() != "Role(9)" {
		t.Errorf("String: %q %q", github.Maintain, github.Role(9))
	}
}
