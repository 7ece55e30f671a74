package github_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	gogithub "github.com/google/go-github/v75/github"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/github/githubtest"
	"github.com/zoneward/zoneward/schema"
)

var _ schema.Access = (*github.Client)(nil)

const (
	repository = "acme/zones"
	token      = "ghp_secretTokenValue123"
)

func newServer(t *testing.T) *githubtest.Server {
	t.Helper()
	s := githubtest.NewServer(repository)
	s.RequireToken(token)
	t.Cleanup(s.Close)
	return s
}

// newClient returns a client that requires write access, the level the
// tests named CanWrite were written for; TestAccessLevels covers every
// setting of github.access.
func newClient(t *testing.T, s *githubtest.Server) *github.Client {
	t.Helper()
	return newClientAccess(t, s, "write")
}

func newClientAccess(t *testing.T, s *githubtest.Server, access string) *github.Client {
	t.Helper()
	c, err := github.New(github.Options{Repository: repository, Token: token, APIURL: s.URL, HTTPClient: s.Client(), Access: access})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// perOwner counts the requests that asked about one owner rather than
// listing.
func perOwner(reqs []githubtest.Request) int {
	n := 0
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/permission") || strings.HasPrefix(r.Path, "/orgs/") {
			n++
		}
	}
	return n
}

func seedLevels(s *githubtest.Server) {
	s.SetCollaborator("reader", githubtest.Read)
	s.SetCollaborator("triager", githubtest.Triage)
	s.SetCollaborator("writer", githubtest.Write)
	s.SetCollaborator("Maintainer", githubtest.Maintain)
	s.SetCollaborator("admin", githubtest.Admin)
	s.SetCollaborator("gone", githubtest.Write)
	s.RemoveCollaborator("gone")
	s.SetTeam("pullers", githubtest.Pull)
	s.SetTeam("triagers", githubtest.Triage)
	s.SetTeam("pushers", githubtest.Push)
	s.SetTeam("maintainers", githubtest.Maintain)
	s.SetTeam("admins", githubtest.Admin)
	s.SetTeam("no-repo", "")
}

func TestCanWritePermissionLevels(t *testing.T) {
	want := map[string]bool{
		"@reader":            false,
		"@triager":           false,
		"@writer":            true,
		"@maintainer":        true, // logins compare case-insensitively
		"@ADMIN":             true,
		"@gone":              false, // removed collaborator
		"@stranger":          false,
		"@acme/pullers":      false,
		"@acme/triagers":     false,
		"@Acme/Pushers":      true,
		"@acme/maintainers":  true,
		"@acme/admins":       true,
		"@acme/no-repo":      false,
		"@acme/missing":      false,
		"@other/pushers":     false, // a team of another organization
		"writer@example.com": false, // emails are not resolved
		"@../../user":        false, // not a login: never reaches a URL
		"@":                  false,
	}
	owners := make([]string, 0, len(want))
	for o := range want {
		owners = append(owners, o)
	}
	for _, forbid := range []bool{false, true} {
		t.Run(fmt.Sprintf("listing forbidden=%v", forbid), func(t *testing.T) {
			s := newServer(t)
			seedLevels(s)
			s.ForbidListing(forbid)
			got, err := newClient(t, s).CanWrite(context.Background(), owners)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				for o, w := range want {
					if got[o] != w {
						t.Errorf("CanWrite[%q] = %v, want %v", o, got[o], w)
					}
				}
				t.Errorf("CanWrite = %v", got)
			}
			// Without the listing every valid user and team of acme is
			// asked about once; with it, a one-page listing answers all.
			n := perOwner(s.Requests())
			if forbid && n != 14 {
				t.Errorf("forbidden listing: %d per-owner lookups, want 14 (7 users, 7 teams of acme)", n)
			}
			if !forbid && n != 0 {
				t.Errorf("one-page listings: %d per-owner lookups, want 0", n)
			}
		})
	}
}

func TestCanWriteSeesRemoval(t *testing.T) {
	s := newServer(t)
	s.SetCollaborator("alice", githubtest.Write)
	s.SetTeam("dns", githubtest.Push)
	c := newClient(t, s)
	ctx := context.Background()
	owners := []string{"@alice", "@acme/dns"}
	got, err := c.CanWrite(ctx, owners)
	if err != nil || !got["@alice"] || !got["@acme/dns"] {
		t.Fatalf("before removal: %v, %v; want both true", got, err)
	}
	s.RemoveCollaborator("alice")
	s.SetTeam("dns", githubtest.Pull)
	got, err = c.CanWrite(ctx, owners)
	if err != nil || got["@alice"] || got["@acme/dns"] {
		t.Fatalf("after removal: %v, %v; want both false", got, err)
	}
	// The cached pages were revalidated, not trusted.
	if n := s.NotModified(); n != 0 {
		t.Errorf("%d responses were 304 although both listings changed", n)
	}
}

func TestCanWriteBulkConditional(t *testing.T) {
	s := newServer(t)
	for i := range 250 {
		s.SetCollaborator(fmt.Sprintf("user%03d", i), githubtest.Write)
	}
	c := newClient(t, s)
	ctx := context.Background()
	owners := []string{"@user000", "@user150", "@USER249"}

	got, err := c.CanWrite(ctx, owners)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		if !got[o] {
			t.Errorf("CanWrite[%q] = false, want true", o)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("first read: %d requests, want 3 pages: %v", len(reqs), reqs)
	}
	for i, r := range reqs {
		if r.Path != "/repos/acme/zones/collaborators" || r.Query.Get("page") != fmt.Sprint(i+1) ||
			r.Query.Get("per_page") != "100" || r.Query.Get("affiliation") != "all" || r.Status != http.StatusOK {
			t.Errorf("request %d = %+v, want 200 for page %d of the collaborators, 100 a page, affiliation=all", i, r, i+1)
		}
	}

	s.ResetLog()
	before := s.Remaining()
	got, err = c.CanWrite(ctx, owners)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		if !got[o] {
			t.Errorf("second read: CanWrite[%q] = false, want true", o)
		}
	}
	if n, all := s.NotModified(), len(s.Requests()); n != 3 || all != 3 {
		t.Errorf("second read: %d requests, %d of them 304; want 3, all 304", all, n)
	}
	if n := perOwner(s.Requests()); n != 0 {
		t.Errorf("second read: %d per-owner lookups, want 0", n)
	}
	if after := s.Remaining(); after != before {
		t.Errorf("second read cost %d of the rate limit, want 0", before-after)
	}

	// A change on the last page costs one fresh page; the others stay 304.
	s.ResetLog()
	s.SetCollaborator("user249", githubtest.Read)
	got, err = c.CanWrite(ctx, owners)
	if err != nil {
		t.Fatal(err)
	}
	if got["@USER249"] || !got["@user000"] {
		t.Errorf("after demotion: %v; want user249 false, user000 true", got)
	}
	if n := s.NotModified(); n != 2 {
		t.Errorf("after a change on page 3: %d responses 304, want 2", n)
	}
}

func TestCanWriteConfirmsAbsenceFromLongListing(t *testing.T) {
	s := newServer(t)
	for i := range 150 {
		s.SetCollaborator(fmt.Sprintf("user%03d", i), githubtest.Write)
	}
	got, err := newClient(t, s).CanWrite(context.Background(), []string{"@user001", "@user120", "@ghost"})
	if err != nil {
		t.Fatal(err)
	}
	if !got["@user001"] || !got["@user120"] || got["@ghost"] {
		t.Errorf("CanWrite = %v; want user001 and user120 only", got)
	}
	// Offset pagination can skip an entry that moves between pages, so
	// an owner missing from a listing of several pages is asked about.
	var asked []string
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/permission") {
			asked = append(asked, r.Path)
		}
	}
	if len(asked) != 1 || asked[0] != "/repos/acme/zones/collaborators/ghost/permission" {
		t.Errorf("per-owner lookups = %v, want only ghost's", asked)
	}
}

func TestCanWriteFewOwnersAskDirectly(t *testing.T) {
	s := newServer(t)
	for i := range 1000 {
		s.SetCollaborator(fmt.Sprintf("user%04d", i), githubtest.Write)
	}
	s.SetCollaborator("user0999", githubtest.Triage)
	got, err := newClient(t, s).CanWrite(context.Background(), []string{"@user0500", "@user0999"})
	if err != nil {
		t.Fatal(err)
	}
	if !got["@user0500"] || got["@user0999"] {
		t.Errorf("CanWrite = %v; want user0500 true, user0999 false", got)
	}
	// Ten pages against two questions: one page, then two lookups.
	if n, all := perOwner(s.Requests()), len(s.Requests()); n != 2 || all != 3 {
		t.Errorf("%d requests, %d per owner; want 3 (1 page, 2 lookups): %v", all, n, s.Requests())
	}
}

func TestCanWriteErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*githubtest.Server)
		owners []string
	}{
		{"500", func(s *githubtest.Server) { s.Fail(http.StatusInternalServerError) }, []string{"@alice"}},
		{"502 on teams", func(s *githubtest.Server) { s.Fail(http.StatusBadGateway) }, []string{"@acme/dns"}},
		{"429", func(s *githubtest.Server) { s.Fail(http.StatusTooManyRequests) }, []string{"@alice"}},
		{"rate limit exhausted", func(s *githubtest.Server) { s.SetRateLimited(true) }, []string{"@alice", "@acme/dns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			s.SetCollaborator("alice", githubtest.Write)
			s.SetTeam("dns", githubtest.Push)
			tt.setup(s)
			got, err := newClient(t, s).CanWrite(context.Background(), tt.owners)
			if err == nil {
				t.Fatalf("CanWrite = %v, nil; want an error", got)
			}
			if got != nil {
				t.Errorf("CanWrite returned %v with the error; want nil", got)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error %q contains the token", err)
			}
			if tt.name == "rate limit exhausted" {
				var rl *gogithub.RateLimitError
				if !errors.As(err, &rl) {
					t.Errorf("error %v does not wrap *RateLimitError", err)
				}
				// A rate limit is not a forbidden listing: no fallback.
				if n := perOwner(s.Requests()); n != 0 {
					t.Errorf("%d per-owner lookups after a rate limit, want 0", n)
				}
			}
		})
	}
}

// With the listing forbidden, a failing per-owner lookup is an error too.
func TestCanWriteFallbackErrors(t *testing.T) {
	for _, owner := range []string{"@alice", "@acme/dns"} {
		s := newServer(t)
		s.SetCollaborator("alice", githubtest.Write)
		s.SetTeam("dns", githubtest.Push)
		s.ForbidListing(true)
		c := newClient(t, s)
		if got, err := c.CanWrite(context.Background(), []string{owner}); err != nil || !got[owner] {
			t.Fatalf("CanWrite(%q) = %v, %v; want true", owner, got, err)
		}
		// The listing keeps answering 403; the lookups now fail with 503.
		s.FailPath("/permission", http.StatusServiceUnavailable)
		s.FailPath("/orgs/", http.StatusServiceUnavailable)
		s.ResetLog()
		if got, err := c.CanWrite(context.Background(), []string{owner}); err == nil {
			t.Errorf("CanWrite(%q) with failing lookups = %v, nil; want an error", owner, got)
		}
		if n := perOwner(s.Requests()); n != 1 {
			t.Errorf("CanWrite(%q): %d lookups, want the 1 that failed", owner, n)
		}
	}
}

func TestCanWriteBadToken(t *testing.T) {
	s := newServer(t)
	s.SetCollaborator("alice", githubtest.Write)
	c, err := github.New(github.Options{Repository: repository, Token: "wrong-token-value", APIURL: s.URL, HTTPClient: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CanWrite(context.Background(), []string{"@alice"})
	if err == nil || strings.Contains(err.Error(), "wrong-token-value") {
		t.Fatalf("CanWrite with a bad token: %v; want an error without the token", err)
	}
}

func TestCanWriteNoAskNoRequest(t *testing.T) {
	s := newServer(t)
	got, err := newClient(t, s).CanWrite(context.Background(), []string{"a@example.com", "@other/team"})
	if err != nil || len(got) != 2 || got["a@example.com"] || got["@other/team"] {
		t.Fatalf("CanWrite = %v, %v; want both false", got, err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for owners that cannot be asked, want 0", n)
	}
}

func TestNew(t *testing.T) {
	for _, opts := range []github.Options{
		{Repository: ""},
		{Repository: "acme"},
		{Repository: "acme/zones/extra"},
		{Repository: "acme/.."},
		{Repository: "acme/zones", APIURL: "ftp://example.com"},
		{Repository: "acme/zones", APIURL: "://"},
	} {
		if _, err := github.New(opts); err == nil {
			t.Errorf("New(%+v) = nil error, want one", opts)
		}
	}
	c, err := github.New(github.Options{Repository: "acme/zones.example"})
	if err != nil || c.Repository() != "acme/zones.example" {
		t.Errorf("New: %v, %v", c, err)
	}
}

func TestCanWriteConcurrent(t *testing.T) {
	s := newServer(t)
	for i := range 250 {
		s.SetCollaborator(fmt.Sprintf("user%03d", i), githubtest.Write)
	}
	s.SetTeam("dns", githubtest.Push)
	c := newClient(t, s)
	owners := []string{"@user010", "@user110", "@user210", "@acme/dns"}
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			got, err := c.CanWrite(context.Background(), owners)
			if err == nil && len(got) != 4 {
				err = fmt.Errorf("got %v", got)
			}
			for _, o := range owners {
				if err == nil && !got[o] {
					err = fmt.Errorf("CanWrite[%q] = false", o)
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
