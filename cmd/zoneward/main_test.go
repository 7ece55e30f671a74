package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// newRepo copies zones-example into a temporary Git repository with one
// commit on main and returns its directory.
func newRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "zones-example")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	git(t, dir, "init", "-q", "-b", "main")
	commitAll(t, dir, "initial zones")
	return dir
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func commitAll(t *testing.T, dir, msg string) {
	t.Helper()
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
}

func write(t *testing.T, dir, file, content string) {
	t.Helper()
	p := filepath.Join(dir, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, dir, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	write(t, dir, file, strings.Replace(string(data), old, new, 1))
}

// zonewardBinary builds the zoneward command once per test process and
// returns its path, for tests that need a process of its own (to kill it,
// or to measure it).
func zonewardBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "zoneward-test-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "zoneward")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

var built struct {
	once sync.Once
	path string
	err  error
}

// zw runs the CLI in-process and returns its exit status and output.
func zw(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"--repo", dir}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustZW(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errOut := zw(t, dir, args...)
	if code != 0 {
		t.Fatalf("zoneward %v: exit %d\n%s%s", args, code, out, errOut)
	}
	return out
}

func zoneFile(t *testing.T, dir, zone string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".zoneward", "zones", zone+".zone"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// namedCheckzone checks file as a primary server loads it: -k fail makes
// check-names failures fatal, as they are in named's defaults.
func namedCheckzone(t *testing.T, zone, file string) {
	t.Helper()
	path, err := exec.LookPath("named-checkzone")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("named-checkzone is required in CI: %v", err)
		}
		t.Skip("named-checkzone not installed (apt-get install bind9-utils)")
	}
	out, err := exec.Command(path, "-k", "fail", zone, file).CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkzone -k fail %s: %v\n%s", zone, err, out)
	}
}

func TestCheckExample(t *testing.T) {
	dir := newRepo(t)
	out := mustZW(t, dir, "check")
	if !strings.Contains(out, "ok: 7 zone files valid") {
		t.Errorf("check output: %s", out)
	}
}

func TestApplyExampleThenPlanIsEmpty(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply", "--rev", "main")
	for _, z := range []string{"example.com", "example.org", "bakery.example", "acme.dev"} {
		namedCheckzone(t, z, filepath.Join(dir, ".zoneward", "zones", z+".zone"))
	}
	acme := zoneFile(t, dir, "acme.dev")
	if strings.Contains(acme, "mallory") || strings.Contains(acme, "203.0.113.66") {
		t.Errorf("the revoked tenant's records were applied:\n%s", acme)
	}
	if !strings.Contains(acme, "alice\t3600\tIN\tA\t192.0.2.100 ; zoneward:zones/acme.dev/alice.yaml") {
		t.Errorf("alice's record or its marker missing:\n%s", acme)
	}
	code, out, _ := zw(t, dir, "plan", "--rev", "main", "--detailed-exitcode")
	if code != exitOK || !strings.Contains(out, "No changes.") {
		t.Errorf("second plan: exit %d\n%s", code, out)
	}
}

func TestPlanDetailedExitcodeAndEdit(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply")
	edit(t, dir, "zones/example.com.yaml", "value: 192.0.2.20", "value: 192.0.2.21")
	code, out, _ := zw(t, dir, "plan", "--detailed-exitcode")
	if code != exitChanges {
		t.Fatalf("exit %d, want %d\n%s", code, exitChanges, out)
	}
	for _, want := range []string{"~ api.example.com.", "192.0.2.20 → 192.0.2.21", "zones/example.com.yaml:23", "@alice"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	var j struct {
		Zones []struct {
			Zone    string
			Changes []struct {
				Op, Name, Value, File string
				Owners                []string
				Old                   *struct{ Value string }
			}
		}
		Summary struct{ Update int }
	}
	_, jsonOut, _ := zw(t, dir, "plan", "--format", "json")
	if err := json.Unmarshal([]byte(jsonOut), &j); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, jsonOut)
	}
	if j.Summary.Update != 1 {
		t.Fatalf("JSON summary.update = %d, want 1", j.Summary.Update)
	}
	for _, z := range j.Zones {
		for _, c := range z.Changes {
			if c.Op != "update" || c.Name != "api.example.com." || c.Value != "192.0.2.21" || c.Old == nil || c.Old.Value != "192.0.2.20" || c.Owners[0] != "@alice" {
				t.Errorf("JSON change = %+v", c)
			}
		}
	}
	mustZW(t, dir, "apply")
	if !strings.Contains(zoneFile(t, dir, "example.com"), "192.0.2.21") {
		t.Errorf("edit not applied")
	}
}

func TestRevokeByCodeownersLine(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply")
	before := zoneFile(t, dir, "acme.dev")
	edit(t, dir, ".github/CODEOWNERS", "/zones/acme.dev/erin.yaml       @erin @acme/dns-admins\n", "")
	edit(t, dir, "zones/acme.dev/erin.yaml", "192.0.2.110", "203.0.113.99")
	out := mustZW(t, dir, "plan")
	if !strings.Contains(out, "zones/acme.dev/erin.yaml: its only owners are Company admins") || !strings.Contains(out, "No changes.") {
		t.Errorf("plan after revoking erin:\n%s", out)
	}
	mustZW(t, dir, "apply")
	after := zoneFile(t, dir, "acme.dev")
	if before != after {
		t.Errorf("freeze changed the zone:\n%s\n---\n%s", before, after)
	}
	// purge removes exactly her records.
	edit(t, dir, "zoneward.yaml", "revoked: freeze", "revoked: purge")
	mustZW(t, dir, "apply")
	purged := zoneFile(t, dir, "acme.dev")
	if strings.Contains(purged, "erin") {
		t.Errorf("purge left erin's records:\n%s", purged)
	}
	if !strings.Contains(purged, "alice\t3600\tIN\tA") {
		t.Errorf("purge removed other records:\n%s", purged)
	}
}

func TestRevAgreesWithCheckout(t *testing.T) {
	dir := newRepo(t)
	first := git(t, dir, "rev-parse", "HEAD")
	edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "198.51.100.8")
	commitAll(t, dir, "move example.org")
	// Working tree now differs from both commits.
	edit(t, dir, "zones/example.org.yaml", "198.51.100.8", "198.51.100.9")

	_, atRev, _ := zw(t, dir, "plan", "--rev", "HEAD~1", "--format", "json")
	git(t, dir, "stash", "-q")
	git(t, dir, "checkout", "-q", first)
	_, atCheckout, _ := zw(t, dir, "plan", "--format", "json")
	// Only the revision field may differ.
	norm := func(s string) string {
		var v map[string]any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		delete(v, "revision")
		b, _ := json.Marshal(v)
		return string(b)
	}
	if norm(atRev) != norm(atCheckout) {
		t.Errorf("plan --rev HEAD~1 differs from a checkout of it:\n%s\n---\n%s", atRev, atCheckout)
	}
	if !strings.Contains(atRev, "198.51.100.7") {
		t.Errorf("--rev HEAD~1 did not read the old content")
	}
}

func TestCheckAuthor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T, dir string)
		author  string
		wantErr string
	}{
		{"tenant edits own file", func(t *testing.T, dir string) {
			edit(t, dir, "zones/example.com.yaml", "192.0.2.20", "192.0.2.21")
		}, "alice", ""},
		{"tenant edits own subtree file, case-insensitive login", func(t *testing.T, dir string) {
			edit(t, dir, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
		}, "Alice", ""},
		{"tenant edits another tenant's file", func(t *testing.T, dir string) {
			edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "203.0.113.66")
		}, "alice", "zones/example.org.yaml: @alice may not change this file: the base revision's CODEOWNERS gives it to @bob @acme/dns-admins"},
		{"deleting a file is a change", func(t *testing.T, dir string) {
			git(t, dir, "rm", "-q", "zones/acme.dev/erin.yaml")
		}, "alice", "zones/acme.dev/erin.yaml: @alice may not change this file"},
		{"adding a file nobody granted", func(t *testing.T, dir string) {
			write(t, dir, "zones/acme.dev/zed.yaml", "'': {type: A, value: 192.0.2.5}\n")
		}, "alice", "zones/acme.dev/zed.yaml: @alice may not change this file: the base revision's CODEOWNERS gives it to @acme/dns-admins"},
		{"tenant grants herself", func(t *testing.T, dir string) {
			edit(t, dir, ".github/CODEOWNERS", "/zones/example.org.yaml         @bob", "/zones/example.org.yaml         @alice")
		}, "alice", ".github/CODEOWNERS: @alice may not change this file: only a Company admin"},
		{"admin edits anything", func(t *testing.T, dir string) {
			edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "198.51.100.8")
			edit(t, dir, "zoneward.yaml", "revoked: freeze", "revoked: purge")
		}, "carol-acme", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newRepo(t)
			git(t, dir, "checkout", "-q", "-b", "pr")
			tc.change(t, dir)
			commitAll(t, dir, tc.name)
			code, out, errOut := zw(t, dir, "check", "--rev", "pr", "--base", "main", "--author", tc.author)
			if tc.wantErr == "" {
				if code != 0 {
					t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
				}
				return
			}
			if code != exitError || !strings.Contains(out, tc.wantErr) {
				t.Fatalf("exit %d, want 1 with %q\n%s%s", code, tc.wantErr, out, errOut)
			}
		})
	}
}

func TestCheckFormats(t *testing.T) {
	dir := newRepo(t)
	edit(t, dir, "zones/example.org.yaml", "value: 198.51.100.7", "value: 198.51.100.300")
	code, out, _ := zw(t, dir, "check", "--format", "github")
	if code != exitError || !strings.HasPrefix(out, "::error file=zones/example.org.yaml,line=4,col=12::") {
		t.Errorf("github format: exit %d\n%s", code, out)
	}
	_, out, _ = zw(t, dir, "check", "--format", "json")
	var j struct {
		Errors []struct {
			File      string
			Line, Col int
			Message   string
		}
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Errors) != 1 || j.Errors[0].Line != 4 {
		t.Errorf("json format: %v %+v\n%s", err, j, out)
	}
	// The invalid file's zone is held back; the others still apply.
	code, out, errOut := zw(t, dir, "apply")
	if code != exitError {
		t.Errorf("apply with an invalid file: exit %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(dir, ".zoneward", "zones", "example.org.zone")); err == nil {
		t.Errorf("zone of an invalid file was written")
	}
	if _, err := os.Stat(filepath.Join(dir, ".zoneward", "zones", "example.com.zone")); err != nil {
		t.Errorf("other zones were not applied: %v\n%s%s", err, out, errOut)
	}
}

func TestThresholdRefusedExit3ThenForce(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply")
	// Remove most of example.com's 16 records.
	write(t, dir, "zones/example.com.yaml", "'':\n  type: A\n  value: 192.0.2.10\n")
	code, out, _ := zw(t, dir, "apply")
	if code != exitRefused || !strings.Contains(out, "refused: the plan would delete") {
		t.Fatalf("exit %d, want 3\n%s", code, out)
	}
	if !strings.Contains(zoneFile(t, dir, "example.com"), "192.0.2.20") {
		t.Errorf("refused plan was applied")
	}
	mustZW(t, dir, "apply", "--force")
	if strings.Contains(zoneFile(t, dir, "example.com"), "192.0.2.20") {
		t.Errorf("--force did not apply")
	}
}

func TestImportBINDRoundTrip(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply")
	zf := filepath.Join(dir, ".zoneward", "zones", "example.com.zone")
	out := mustZW(t, dir, "import", "example.com", "--from", zf)
	// The imported file, in place of the original, plans no change.
	write(t, dir, "zones/example.com.yaml", out)
	if code, plan, errOut := zw(t, dir, "plan", "--detailed-exitcode", "--zone", "example.com"); code != 0 {
		t.Errorf("plan after import: exit %d\n%s%s\nimported:\n%s", code, plan, errOut, out)
	}
}

func TestStatus(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply")
	out := mustZW(t, dir, "status", "--zone", "acme.dev")
	for _, want := range []string{"acme.dev.", "active", "ns1.acme.dev. ns2.acme.dev.", "zones/acme.dev/mallory.yaml", "revoked: its only owners are Company admins", "zones/acme.dev/alice.yaml", "@alice @acme/dns-admins", "2 records"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	dir := newRepo(t)
	for _, args := range [][]string{{"plan", "--format", "yaml"}, {"check", "--base", "main"}, {"nosuch"}, {"plan", "--rev", "no-such-rev"}} {
		if code, _, errOut := zw(t, dir, args...); code != exitError || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 1 with a message", args, code, errOut)
		}
	}
}
