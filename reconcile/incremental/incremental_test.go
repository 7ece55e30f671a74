package incremental_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile/incremental"
	"github.com/zoneward/zoneward/schema"
	"github.com/zoneward/zoneward/schema/gitfs"
)

const config = `provider: {type: zonefile}
company:
  admins: ["@acme/dns-admins"]
  files: ["zones/acme.dev.yaml"]
policy:
  revoked: freeze
`

const codeowners = `*                          @acme/dns-admins
/zones/a.test.yaml         @alice @acme/dns-admins
/zones/b.test.yaml         @bob @acme/dns-admins
/zones/c.test.yaml         @carl @acme/dns-admins
/zones/acme.dev/alice.yaml @alice @acme/dns-admins
/zones/acme.dev/bob.yaml   @bob @acme/dns-admins
`

type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	r.write("zoneward.yaml", config)
	r.write(".github/CODEOWNERS", codeowners)
	for _, z := range []string{"a.test", "b.test", "c.test", "acme.dev"} {
		r.write("zones/"+z+".yaml", "'': {type: A, value: 192.0.2.1}\n")
	}
	r.write("zones/acme.dev/alice.yaml", "'': {type: A, value: 192.0.2.2}\n")
	r.write("zones/acme.dev/bob.yaml", "'': {type: A, value: 192.0.2.3}\n")
	r.commit("initial")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(file, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) commit(msg string) string {
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func (r *repo) affected(from, to string) incremental.Scope {
	r.t.Helper()
	fsys, hash, err := gitfs.Open(r.dir, to)
	if err != nil {
		r.t.Fatal(err)
	}
	head, err := schema.Load(fsys, schema.LoadOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	s, err := incremental.Affected(context.Background(), r.dir, from, hash, head)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

func TestAffected(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(r *repo)
		want   []string
		full   bool
	}{
		{"nothing", func(r *repo) {}, []string{}, false},
		{"one zone file changed", func(r *repo) {
			r.write("zones/b.test.yaml", "'': {type: A, value: 192.0.2.9}\n")
		}, []string{"b.test."}, false},
		{"a subtree file changed", func(r *repo) {
			r.write("zones/acme.dev/alice.yaml", "'': {type: A, value: 192.0.2.9}\n")
		}, []string{"acme.dev."}, false},
		{"zone file added", func(r *repo) {
			r.write("zones/d.test.yaml", "'': {type: A, value: 192.0.2.9}\n")
		}, []string{"d.test."}, false},
		{"zone file deleted", func(r *repo) { r.git("rm", "-q", "zones/c.test.yaml") }, []string{"c.test."}, false},
		{"zone file renamed to another zone", func(r *repo) {
			r.git("mv", "zones/c.test.yaml", "zones/e.test.yaml")
		}, []string{"c.test.", "e.test."}, false},
		{"CODEOWNERS line removed revokes exactly that tenant", func(r *repo) {
			r.write(".github/CODEOWNERS", strings.Replace(codeowners, "/zones/b.test.yaml         @bob @acme/dns-admins\n", "", 1))
		}, []string{"b.test."}, false},
		{"CODEOWNERS owner swapped keeps the file active", func(r *repo) {
			r.write(".github/CODEOWNERS", strings.Replace(codeowners, "@carl", "@carla", 1))
		}, []string{}, false},
		{"company.files edit", func(r *repo) {
			r.write("zoneward.yaml", strings.Replace(config, `files: ["zones/acme.dev.yaml"]`, `files: ["zones/acme.dev.yaml", "zones/c.test.yaml"]`, 1))
			r.write(".github/CODEOWNERS", strings.Replace(codeowners, "/zones/c.test.yaml         @carl @acme/dns-admins\n", "", 1))
		}, []string{}, false},
		{"policy edit is a full run", func(r *repo) {
			r.write("zoneward.yaml", strings.Replace(config, "revoked: freeze", "revoked: purge", 1))
		}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t)
			base := r.git("rev-parse", "HEAD")
			tc.change(r)
			head := r.commit(tc.name)
			got := r.affected(base, head)
			if got.Full != tc.full {
				t.Fatalf("full = %v (%s), want %v", got.Full, got.Reason, tc.full)
			}
			if !tc.full && !reflect.DeepEqual(got.Zones, tc.want) {
				t.Errorf("zones = %v, want %v", got.Zones, tc.want)
			}
		})
	}
}

func TestAffectedAcrossBranchesAndForcePush(t *testing.T) {
	r := newRepo(t)
	base := r.git("rev-parse", "HEAD")
	r.write("zones/a.test.yaml", "'': {type: A, value: 192.0.2.7}\n")
	old := r.commit("a on main")
	// Merge a branch that changes b.
	r.git("checkout", "-q", "-b", "tenant-b", base)
	r.write("zones/b.test.yaml", "'': {type: A, value: 192.0.2.8}\n")
	r.commit("b on a branch")
	r.git("checkout", "-q", "main")
	r.git("merge", "-q", "--no-edit", "tenant-b")
	merged := r.git("rev-parse", "HEAD")
	if got := r.affected(old, merged); !reflect.DeepEqual(got.Zones, []string{"b.test."}) || got.Full {
		t.Errorf("after merging tenant-b: %+v, want b.test. only", got)
	}
	// Force-push: main rewritten so old is no longer an ancestor.
	r.git("reset", "-q", "--hard", base)
	r.write("zones/c.test.yaml", "'': {type: A, value: 192.0.2.6}\n")
	rewritten := r.commit("rewritten history")
	if got := r.affected(old, rewritten); !got.Full || !strings.Contains(got.Reason, "not an ancestor") {
		t.Errorf("after a force-push: %+v, want a full run", got)
	}
}

func TestStateAdvanceRetriesOnlyFailedZones(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := incremental.State{}
	s = s.Advance("r1", []string{"a.", "b.", "c."}, true, map[string]string{"b.": "boom"}, now)
	if s.Revision != "r1" || !reflect.DeepEqual(s.Retry(), []string{"b."}) {
		t.Fatalf("after r1: %+v", s)
	}
	// Next run covers d. (changed) plus the retry of b.; d. fails.
	s = s.Advance("r2", []string{"b.", "d."}, false, map[string]string{"d.": "boom"}, now)
	if !reflect.DeepEqual(s.Retry(), []string{"d."}) {
		t.Fatalf("after r2: retry %v, want [d.]", s.Retry())
	}
	// A run that did not cover d. keeps it waiting.
	s = s.Advance("r3", []string{"a."}, false, nil, now)
	if !reflect.DeepEqual(s.Retry(), []string{"d."}) {
		t.Fatalf("after r3: retry %v, want [d.]", s.Retry())
	}
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := incremental.LoadState(path)
	if err != nil || got.Revision != "r3" || !reflect.DeepEqual(got.Failed, s.Failed) {
		t.Errorf("round trip: %+v %v", got, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the state: %v", entries)
	}
	if s, err := incremental.LoadState(filepath.Join(t.TempDir(), "none.json")); err != nil || s.Revision != "" {
		t.Errorf("missing state: %+v %v", s, err)
	}
	if err := os.WriteFile(path, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := incremental.LoadState(path); err == nil || !strings.Contains(err.Error(), "delete it to run in full") {
		t.Errorf("corrupt state: %v", err)
	}
}

// TestStateLinksRefused: the state file and its directory are the
// reconciler's; a link at either is refused, never read or written
// through.
func TestStateLinksRefused(t *testing.T) {
	const secret = `{"revision": "secret-never-printed"}`
	elsewhere := t.TempDir()
	target := filepath.Join(elsewhere, "state.json")
	if err := os.WriteFile(target, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	s := incremental.State{Revision: "r1"}

	dir := t.TempDir()
	link := filepath.Join(dir, "state.json")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
	if _, err := incremental.LoadState(link); err == nil || !strings.Contains(err.Error(), link+" is a symbolic link") || strings.Contains(err.Error(), "secret") {
		t.Errorf("LoadState of a link: %v", err)
	}

	repo := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(repo, ".zoneward")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(repo, ".zoneward", "state.json")
	want := filepath.Join(repo, ".zoneward") + " is a symbolic link"
	if _, err := incremental.LoadState(path); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadState through a linked directory: %v", err)
	}
	if err := s.Save(path); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Save through a linked directory: %v", err)
	}
	if got, _ := os.ReadFile(target); string(got) != secret {
		t.Errorf("the link's target was overwritten: %q", got)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 1 {
		t.Errorf("the link's target holds %v", ents)
	}
}

func TestStateRetried(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := incremental.State{Revision: "r1", Failed: map[string]string{"a.": "old", "b.": "old"}}
	n := s.Retried([]string{"a.", "c."}, map[string]string{"c.": "boom"}, now)
	if n.Revision != "r1" {
		t.Errorf("a partial run moved the revision to %q", n.Revision)
	}
	want := map[string]string{"b.": "old", "c.": "boom"} // a. applied now; b. not in the run
	if fmt.Sprint(n.Failed) != fmt.Sprint(want) {
		t.Errorf("failed = %v, want %v", n.Failed, want)
	}
	if s.Failed["a."] != "old" {
		t.Errorf("Retried changed its receiver")
	}
}
