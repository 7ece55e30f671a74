package github_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/github/githubtest"
)

const (
	auditLabel  = "zoneward-audit"
	auditPrefix = "<!-- zoneward:audit "
)

func finding(id, body string) github.Issue {
	return github.Issue{Marker: auditPrefix + id + " -->", Title: "DNS finding " + id, Body: body}
}

func auditSet() github.IssueSet {
	return github.IssueSet{Label: auditLabel, Prefix: auditPrefix, Closing: "**Resolved:** the audit no longer finds this."}
}

// writes counts the requests that changed something.
func writes(s *githubtest.Server) (posts, patches int) {
	for _, r := range s.Requests() {
		switch r.Method {
		case http.MethodPost:
			posts++
		case http.MethodPatch:
			patches++
		}
	}
	return posts, patches
}

// managed returns the issues carrying marker.
func managed(s *githubtest.Server, marker string) []githubtest.Issue {
	var out []githubtest.Issue
	for _, is := range s.Issues() {
		if strings.Contains(is.Body, marker) {
			out = append(out, is)
		}
	}
	return out
}

func TestSyncIssuesLifecycle(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	a, b := finding("zone=a. key=1", "dangling A"), finding("zone=a. key=2", "lame B")
	// Someone without triage access posts the marker: no label, ignored.
	planted := s.AddIssue("mallory", "fake", a.Marker+"\nclose me")

	res, err := c.SyncIssues(ctx, auditSet(), []github.Issue{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Opened) != 2 {
		t.Fatalf("first sync = %+v, want 2 opened", res)
	}
	// 120 labelled issues opened since push a and b to the listing's
	// second page.
	for i := range 120 {
		s.AddIssue("carol", fmt.Sprintf("other %d", i), "not ours", auditLabel)
	}
	is := managed(s, a.Marker)
	if len(is) != 2 || is[1].Title != a.Title || is[1].Body != a.Marker+"\ndangling A" || is[1].State != "open" || !reflect.DeepEqual(is[1].Labels, []string{auditLabel}) || is[1].Author != "zoneward-bot" {
		t.Fatalf("issue for a: %+v", is)
	}
	numA, numB := res.Opened[0], res.Opened[1]

	// The same findings again: nothing written.
	s.ResetLog()
	res, err = c.SyncIssues(ctx, auditSet(), []github.Issue{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if posts, patches := writes(s); posts+patches != 0 || len(res.Unchanged) != 2 {
		t.Errorf("unchanged sync wrote %d+%d times: %+v", posts, patches, res)
	}

	// A changed finding is edited in place, never duplicated.
	a.Body = "dangling A, now claimable"
	s.ResetLog()
	res, err = c.SyncIssues(ctx, auditSet(), []github.Issue{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if posts, patches := writes(s); posts != 0 || patches != 1 || !reflect.DeepEqual(res.Edited, []int{numA}) {
		t.Errorf("edit: %d posts, %d patches, %+v", posts, patches, res)
	}
	if got := managed(s, a.Marker); len(got) != 2 || got[1].Number != numA || !strings.HasSuffix(got[1].Body, "now claimable") {
		t.Errorf("after the edit: %+v", got)
	}

	// a is fixed: its issue is closed as completed, with the note on top.
	res, err = c.SyncIssues(ctx, auditSet(), []github.Issue{b})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Closed, []int{numA}) {
		t.Errorf("close: %+v", res)
	}
	closed := s.Issues()[numA-1]
	if closed.State != "closed" || closed.StateReason != "completed" || !strings.HasPrefix(closed.Body, a.Marker+"\n**Resolved:**") || !strings.HasSuffix(closed.Body, "now claimable") {
		t.Errorf("closed issue: %+v", closed)
	}
	if s.Issues()[planted-1].State != "open" {
		t.Error("the unlabelled issue carrying a marker was touched")
	}

	// a comes back: the same issue is reopened.
	res, err = c.SyncIssues(ctx, auditSet(), []github.Issue{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Reopened, []int{numA}) || len(res.Opened) != 0 {
		t.Errorf("reopen: %+v", res)
	}
	if got := s.Issues()[numA-1]; got.State != "open" || got.Body != a.Marker+"\n"+a.Body {
		t.Errorf("reopened issue: %+v", got)
	}

	// A person closes b as not planned (an accepted risk): it stays closed.
	s.CloseIssue(numB, "not_planned")
	res, err = c.SyncIssues(ctx, auditSet(), []github.Issue{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Silenced, []int{numB}) || s.Issues()[numB-1].State != "closed" {
		t.Errorf("not planned: %+v", res)
	}

	// Keep holds an open issue whose finding was not checked this run.
	set := auditSet()
	set.Keep = func(m string) bool { return m == a.Marker }
	if res, err = c.SyncIssues(ctx, set, nil); err != nil {
		t.Fatal(err)
	}
	if len(res.Closed) != 0 || s.Issues()[numA-1].State != "open" {
		t.Errorf("kept issue was closed: %+v", res)
	}
}

func TestSyncIssuesDuplicatesAndBudget(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	a := finding("zone=a. key=1", "A")
	first := s.AddIssue("zoneward-bot", a.Title, a.Marker+"\nA", auditLabel)
	second := s.AddIssue("zoneward-bot", a.Title, a.Marker+"\nA", auditLabel)
	res, err := c.SyncIssues(ctx, auditSet(), []github.Issue{a})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Unchanged, []int{first}) || !reflect.DeepEqual(res.Closed, []int{second}) {
		t.Errorf("duplicates: %+v", res)
	}
	if dup := s.Issues()[second-1]; dup.StateReason != "not_planned" || !strings.Contains(dup.Body, fmt.Sprintf("Duplicate of #%d.", first)) {
		t.Errorf("duplicate: %+v", dup)
	}

	var want []github.Issue
	for i := range 5 {
		want = append(want, finding(fmt.Sprintf("zone=b. key=%d", i), "B"))
	}
	set := auditSet()
	set.MaxWrites = 2
	set.Keep = func(string) bool { return true }
	if res, err = c.SyncIssues(ctx, set, want); err != nil {
		t.Fatal(err)
	}
	if len(res.Opened) != 2 || res.Deferred != 3 {
		t.Errorf("budget of 2: %+v", res)
	}
	if res, err = c.SyncIssues(ctx, set, want); err != nil {
		t.Fatal(err)
	}
	if len(res.Opened) != 2 || len(res.Unchanged) != 2 || res.Deferred != 1 {
		t.Errorf("second run: %+v", res)
	}
}

func TestSyncIssuesRefuses(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		set  github.IssueSet
		want []github.Issue
	}{
		"label with comma":  {github.IssueSet{Label: "a,b", Prefix: auditPrefix}, nil},
		"prefix":            {github.IssueSet{Label: auditLabel, Prefix: "zoneward"}, nil},
		"marker outside":    {auditSet(), []github.Issue{{Marker: "<!-- other -->", Title: "x"}}},
		"marker ends early": {auditSet(), []github.Issue{{Marker: auditPrefix + "--> x -->", Title: "x"}}},
		"marker twice":      {auditSet(), []github.Issue{finding("k", ""), finding("k", "")}},
	} {
		if _, err := c.SyncIssues(ctx, tc.set, tc.want); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if len(s.Requests()) != 0 {
		t.Errorf("refused syncs sent %d requests", len(s.Requests()))
	}
	s.FailPath("/issues", http.StatusBadGateway)
	if _, err := c.SyncIssues(ctx, auditSet(), []github.Issue{finding("k", "")}); err == nil || !strings.Contains(err.Error(), "listing issues") {
		t.Errorf("GitHub failing: %v", err)
	}
}
