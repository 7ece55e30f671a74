package github_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/zoneward/zoneward/github/githubtest"
)

func TestIsMember(t *testing.T) {
	s := newServer(t)
	s.SetMember("dns-admins", "alice", githubtest.Active)
	s.SetMember("dns-admins", "bob", githubtest.Pending)
	s.SetMember("ops", "carol", githubtest.Active)
	c := newClient(t, s)
	tests := []struct {
		login string
		teams []string
		want  bool
	}{
		{"alice", []string{"@acme/dns-admins"}, true},
		{"@Alice", []string{"@ACME/DNS-Admins"}, true},
		{"bob", []string{"@acme/dns-admins"}, false}, // pending
		{"mallory", []string{"@acme/dns-admins"}, false},
		{"carol", []string{"@acme/dns-admins", "@acme/ops"}, true},
		{"alice", []string{"@acme/no-such-team"}, false},
		{"alice", nil, false},
		{"dependabot[bot]", []string{"@acme/dns-admins"}, false},
	}
	for _, tt := range tests {
		got, err := c.IsMember(context.Background(), tt.login, tt.teams)
		if err != nil || got != tt.want {
			t.Errorf("IsMember(%q, %q) = %v, %v; want %v", tt.login, tt.teams, got, err, tt.want)
		}
	}
}

func TestIsMemberErrors(t *testing.T) {
	s := newServer(t)
	s.SetMember("dns-admins", "alice", githubtest.Active)
	c := newClient(t, s)
	ctx := context.Background()
	for _, tt := range []struct {
		login string
		teams []string
	}{
		{"alice", []string{"@alice"}},          // a user, not a team
		{"alice", []string{"acme/dns-admins"}}, // no @
		{"../x", []string{"@acme/dns-admins"}},
		{"", []string{"@acme/dns-admins"}},
	} {
		if got, err := c.IsMember(ctx, tt.login, tt.teams); err == nil {
			t.Errorf("IsMember(%q, %q) = %v, nil; want an error", tt.login, tt.teams, got)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for malformed input, want 0", n)
	}
	s.Fail(http.StatusInternalServerError)
	if got, err := c.IsMember(ctx, "alice", []string{"@acme/dns-admins"}); err == nil {
		t.Errorf("IsMember during a 500 = %v, nil; want an error", got)
	}
}
