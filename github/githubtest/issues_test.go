package githubtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github/githubtest"
)

func send(t *testing.T, s *githubtest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The issue endpoints validate as GitHub does, change nothing on a 422,
// and filter the listing by state, every label and creator.
func TestIssues(t *testing.T) {
	s := githubtest.NewServer("acme/zones")
	defer s.Close()
	if st, _ := send(t, s, http.MethodPost, "/repos/acme/zones/issues", `{"body": "no title"}`); st != http.StatusUnprocessableEntity {
		t.Errorf("create without title: %d", st)
	}
	if st, _ := send(t, s, http.MethodPost, "/repos/acme/zones/issues", `{"title": "`+strings.Repeat("t", 257)+`"}`); st != http.StatusUnprocessableEntity {
		t.Errorf("create with a long title: %d", st)
	}
	st, is := send(t, s, http.MethodPost, "/repos/acme/zones/issues", `{"title": "t", "body": "b", "labels": ["Audit", "dns"]}`)
	if st != http.StatusCreated || is["number"] != 1.0 || is["state"] != "open" {
		t.Fatalf("create: %d %v", st, is)
	}
	s.AddIssue("carol", "other", "x", "audit")
	if st, _ := send(t, s, http.MethodPatch, "/repos/acme/zones/issues/1", `{"title": "changed", "state_reason": "bogus"}`); st != http.StatusUnprocessableEntity {
		t.Errorf("bad state_reason: %d", st)
	}
	if got := s.Issues()[0]; got.Title != "t" {
		t.Errorf("a refused edit changed the title to %q", got.Title)
	}
	if st, is = send(t, s, http.MethodPatch, "/repos/acme/zones/issues/1", `{"state": "closed"}`); st != http.StatusOK || is["state_reason"] != "completed" {
		t.Errorf("close: %d %v", st, is)
	}
	if st, is = send(t, s, http.MethodPatch, "/repos/acme/zones/issues/1", `{"state": "open"}`); st != http.StatusOK || is["state_reason"] != "reopened" {
		t.Errorf("reopen: %d %v", st, is)
	}
	if st, _ = send(t, s, http.MethodPatch, "/repos/acme/zones/issues/9", `{"state": "open"}`); st != http.StatusNotFound {
		t.Errorf("edit of a missing issue: %d", st)
	}

	list := func(query string) string {
		resp := get(t, s, "/repos/acme/zones/issues?"+query, nil)
		var items []struct{ Number int }
		json.NewDecoder(resp.Body).Decode(&items)
		var nums []int
		for _, it := range items {
			nums = append(nums, it.Number)
		}
		return fmt.Sprint(nums)
	}
	for q, want := range map[string]string{
		"labels=audit":               "[2 1]",
		"labels=audit,DNS":           "[1]",
		"labels=audit&direction=asc": "[1 2]",
		"creator=carol":              "[2]",
		"state=closed":               "[]",
		"state=all&labels=nope":      "[]",
	} {
		if got := list(q); got != want {
			t.Errorf("?%s = %s, want %s", q, got, want)
		}
	}
}
