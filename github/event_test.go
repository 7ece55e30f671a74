package github_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zoneward/zoneward/github"
)

// payloads is the directory of GitHub's example webhook payloads;
// testdata/README.md says where they come from.
const payloads = "testdata"

func TestReadEvent(t *testing.T) {
	for _, tt := range []struct{ file, action string }{
		{"pull_request_opened.payload.json", "opened"},
		{"pull_request_synchronize.payload.json", "synchronize"},
		{"pull_request_closed.payload.json", "closed"},
	} {
		ev, err := github.ReadEvent(filepath.Join(payloads, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		want := github.Event{
			Action:         tt.action,
			Number:         2,
			Repository:     "Codertocat/Hello-World",
			BaseRef:        "master",
			BaseSHA:        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
			HeadRef:        "changes",
			HeadSHA:        "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
			HeadRepository: "Codertocat/Hello-World",
			Author:         "Codertocat",
		}
		if *ev != want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, *ev, want)
		}
	}
}

func TestParsePush(t *testing.T) {
	for _, tt := range []struct {
		file string
		want github.Push
	}{
		{"push_payload.json", github.Push{
			Ref:        "refs/tags/simple-tag",
			Before:     "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
			After:      "0000000000000000000000000000000000000000",
			Repository: "Codertocat/Hello-World",
			Tag:        "simple-tag",
			Deleted:    true,
		}},
		{"push_with-new-branch.payload.json", github.Push{
			Ref:        "refs/heads/master",
			Before:     "0000000000000000000000000000000000000000",
			After:      "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
			Repository: "Codertocat/Hello-World",
			Branch:     "master",
			Created:    true,
		}},
	} {
		data, err := os.ReadFile(filepath.Join(payloads, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := github.ParsePush(data)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if *p != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, *p, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "null", "{", "[]", `{"ref": 5}`, `{}`, `{"ref":"refs/heads/x"}`} {
		if p, err := github.ParsePush([]byte(in)); err == nil {
			t.Errorf("ParsePush(%q) = %+v, nil; want an error", in, p)
		}
	}
	for _, in := range []string{"", "null", "{", `{}`, `{"ref":"refs/heads/x","repository":{"full_name":"a/b"}}`, `{"number":1,"pull_request":{}}`} {
		if ev, err := github.ParsePullRequest([]byte(in)); err == nil {
			t.Errorf("ParsePullRequest(%q) = %+v, nil; want an error", in, ev)
		}
	}
	if _, err := github.ReadEvent(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("ReadEvent of a missing file: nil error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"ref":"refs/tags/v1","repository":{"full_name":"a/b"}}`))
	f.Add([]byte(`{"number":1,"pull_request":{"base":{"ref":"main"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := github.ParsePush(data); err == nil && (p.Ref == "" || p.Repository == "") {
			t.Errorf("ParsePush(%q) = %+v without ref or repository", data, p)
		}
		if ev, err := github.ParsePullRequest(data); err == nil && (ev.Number == 0 || ev.HeadSHA == "") {
			t.Errorf("ParsePullRequest(%q) = %+v without number or head", data, ev)
		}
	})
}
