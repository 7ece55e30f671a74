package github_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const marker = "<!-- zoneward:plan -->"

func TestUpsertCommentSticky(t *testing.T) {
	s := newServer(t)
	// 120 comments fill the first page of 100, so the sticky comment
	// lands on the second.
	for i := range 120 {
		s.AddComment(7, "someone", fmt.Sprintf("comment %d", i))
	}
	s.AddComment(8, "zoneward-bot", marker+"\nplan of another pull request")
	c := newClient(t, s)
	ctx := context.Background()

	created, err := c.UpsertComment(ctx, 7, marker, "first plan")
	if err != nil || !created {
		t.Fatalf("first UpsertComment = %v, %v; want created", created, err)
	}
	s.ResetLog()
	created, err = c.UpsertComment(ctx, 7, marker, "second plan")
	if err != nil || created {
		t.Fatalf("second UpsertComment = %v, %v; want edited", created, err)
	}
	cs := s.Comments(7)
	if len(cs) != 121 {
		t.Fatalf("%d comments on #7, want 121", len(cs))
	}
	var marked []string
	for _, cm := range cs {
		if strings.Contains(cm.Body, marker) {
			marked = append(marked, cm.Body)
		}
	}
	if want := marker + "\nsecond plan"; len(marked) != 1 || marked[0] != want {
		t.Errorf("marked comments = %q, want one %q", marked, want)
	}
	if other := s.Comments(8); len(other) != 1 || !strings.Contains(other[0].Body, "another pull request") {
		t.Errorf("comment on #8 changed: %+v", other)
	}
	// The second call read both pages and edited in place.
	var pages, patches int
	for _, r := range s.Requests() {
		switch r.Method {
		case http.MethodGet:
			pages++
		case http.MethodPatch:
			patches++
		case http.MethodPost:
			t.Errorf("second call created a comment: %+v", r)
		}
	}
	if pages != 2 || patches != 1 {
		t.Errorf("second call: %d pages read, %d edits; want 2 and 1", pages, patches)
	}
}

func TestUpsertCommentKeepsMarkerInBody(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	body := "## Plan\n" + marker + "\nno changes"
	if _, err := c.UpsertComment(context.Background(), 3, marker, body); err != nil {
		t.Fatal(err)
	}
	if cs := s.Comments(3); len(cs) != 1 || cs[0].Body != body {
		t.Errorf("comments = %+v, want one with the body unchanged", cs)
	}
}

// A marked comment by someone else, which the token may not edit, is passed
// over rather than failing the run or being edited.
func TestUpsertCommentSkipsForeignMarker(t *testing.T) {
	s := newServer(t)
	foreign := s.AddComment(5, "mallory", marker+" fake plan")
	c := newClient(t, s)
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		created, err := c.UpsertComment(ctx, 5, marker, fmt.Sprintf("plan %d", i))
		if err != nil || created != want {
			t.Fatalf("call %d: UpsertComment = %v, %v; want created=%v", i, created, err, want)
		}
	}
	cs := s.Comments(5)
	if len(cs) != 2 || cs[0].ID != foreign || cs[0].Body != marker+" fake plan" || cs[1].Body != marker+"\nplan 1" {
		t.Errorf("comments = %+v; want mallory's untouched and ours edited to plan 1", cs)
	}
}

func TestUpsertCommentErrors(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	for _, m := range []string{"", "zoneward", "<!---->", "<!-- x"} {
		if _, err := c.UpsertComment(ctx, 1, m, "body"); err == nil {
			t.Errorf("UpsertComment with marker %q: nil error, want one", m)
		}
	}
	if _, err := c.UpsertComment(ctx, 0, marker, "body"); err == nil {
		t.Error("UpsertComment on pull request 0: nil error, want one")
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for bad arguments, want 0", n)
	}
	s.FailPath("/comments", http.StatusBadGateway)
	if _, err := c.UpsertComment(ctx, 1, marker, "body"); err == nil {
		t.Error("UpsertComment during a 502: nil error, want one")
	}
}
