package githubtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github/githubtest"
)

func get(t *testing.T, s *githubtest.Server, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// The listing answers as GitHub's does: Link headers between pages, an
// ETag, and a 304 that does not count against the rate limit.
func TestListingPagesAndETags(t *testing.T) {
	s := githubtest.NewServer("acme/zones")
	defer s.Close()
	for i := range 150 {
		s.SetCollaborator(fmt.Sprintf("u%03d", i), githubtest.Maintain)
	}
	resp := get(t, s, "/repos/acme/zones/collaborators?per_page=100&page=1", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, `page=2&per_page=100>; rel="next"`) || !strings.Contains(link, `rel="last"`) {
		t.Errorf("Link = %q, want next and last", link)
	}
	var users []struct {
		Login       string          `json:"login"`
		Permissions map[string]bool `json:"permissions"`
		RoleName    string          `json:"role_name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 100 || users[0].Login != "u000" || !users[0].Permissions["maintain"] || users[0].Permissions["admin"] || users[0].RoleName != "maintain" {
		t.Errorf("page 1: %d users, first %+v", len(users), users[0])
	}
	etag := resp.Header.Get("ETag")
	remaining := resp.Header.Get("X-RateLimit-Remaining")

	resp = get(t, s, "/repos/acme/zones/collaborators?per_page=100&page=1", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || resp.Header.Get("X-RateLimit-Remaining") != remaining {
		t.Errorf("conditional request: %d, remaining %s; want 304, remaining %s", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"), remaining)
	}
	s.SetCollaborator("u000", githubtest.Read)
	resp = get(t, s, "/repos/acme/zones/collaborators?per_page=100&page=1", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Errorf("after a change: %d with ETag %q; want 200 with a new ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
	resp = get(t, s, "/repos/acme/zones/collaborators?per_page=100&page=2", nil)
	if link := resp.Header.Get("Link"); strings.Contains(link, `rel="next"`) || !strings.Contains(link, `rel="prev"`) {
		t.Errorf("last page Link = %q, want prev and no next", link)
	}
	if got := s.NotModified(); got != 1 {
		t.Errorf("NotModified = %d, want 1", got)
	}
}

func TestFaults(t *testing.T) {
	s := githubtest.NewServer("acme/zones")
	defer s.Close()
	s.RequireToken("t0k")
	if resp := get(t, s, "/repos/acme/zones/teams", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	auth := map[string]string{"Authorization": "Bearer t0k"}
	s.SetRateLimited(true)
	resp := get(t, s, "/repos/acme/zones/teams", auth)
	var msg struct{ Message string }
	json.NewDecoder(resp.Body).Decode(&msg)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-RateLimit-Remaining") != "0" || !strings.HasPrefix(msg.Message, "API rate limit exceeded") {
		t.Errorf("rate limited: %d, remaining %q, %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"), msg.Message)
	}
	s.SetRateLimited(false)
	s.FailPath("/teams", http.StatusServiceUnavailable)
	if resp := get(t, s, "/repos/acme/zones/teams", auth); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("FailPath: %d, want 503", resp.StatusCode)
	}
	if resp := get(t, s, "/repos/acme/zones/collaborators", auth); resp.StatusCode != http.StatusOK {
		t.Errorf("other path during FailPath: %d, want 200", resp.StatusCode)
	}
	s.FailPath("/teams", 0)
	s.SetTeam("dns", githubtest.Push)
	if resp := get(t, s, "/orgs/acme/teams/dns/repos/acme/zones", auth); resp.StatusCode != http.StatusNoContent {
		t.Errorf("team repo without media type: %d, want 204", resp.StatusCode)
	}
	if resp := get(t, s, "/repos/other/zones/teams", auth); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another repository: %d, want 404", resp.StatusCode)
	}
	if n := len(s.Requests()); n != 6 {
		t.Errorf("%d requests logged, want 6", n)
	}
}
