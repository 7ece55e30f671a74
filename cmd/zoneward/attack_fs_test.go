package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Attacks on the file system boundary: what a pull request can put in the
// tree (symbolic links, files where the reconciler keeps its own) must
// never be followed, read as the reconciler's own, or written through.
// Each test builds a real Git repository, runs the CLI in-process, and
// asserts the refusal, its message, and that no secret appears.

// fsSecret is what a link points at in these tests: if any output holds
// it, a link was followed.
const fsSecret = "CLOUDFLARE_API_TOKEN=secret-fsbound-4f7c1e"

// secretFile writes content (fsSecret when "") outside every repository
// and returns its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	if content == "" {
		content = fsSecret + "\n"
	}
	p := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// link makes the link at file (in dir) point to target.
func link(t *testing.T, dir, file, target string) {
	t.Helper()
	p := filepath.Join(dir, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(p)
	if err := os.Symlink(target, p); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
}

// commitForced commits every change, paths .gitignore leaves out too (as
// `git add -f` lets a pull request do).
func commitForced(t *testing.T, dir, msg string, paths ...string) {
	t.Helper()
	git(t, dir, append([]string{"add", "-f", "--"}, paths...)...)
	commitAll(t, dir, msg)
}

// refused runs the CLI and asserts it fails, with every one of want in
// its output and none of the secrets. A leak is reported by the secret's
// position in the list, never by its value: the environment's entries may
// be real secrets where the tests run.
func refused(t *testing.T, dir string, want []string, secrets []string, args ...string) {
	t.Helper()
	code, out, errOut := zw(t, dir, args...)
	all := out + errOut
	for i, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("zoneward %v: the output shows secret %d of the test (not printed)", args, i)
			return
		}
	}
	if code == exitOK {
		t.Errorf("zoneward %v: exit 0, want a refusal\n%s", args, all)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("zoneward %v: output lacks %q:\n%s", args, w, all)
		}
	}
}

// environSecrets are entries of this process's /proc/self/environ (on
// systems that have it) long enough not to appear by chance: if a link to
// the file were followed, they would be in the output.
func environSecrets(t *testing.T) []string {
	data, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		return nil
	}
	var out []string
	for _, kv := range bytes.Split(data, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if ok && len(v) >= 12 && !strings.Contains(os.TempDir(), v) && k != "PWD" && k != "OLDPWD" {
			out = append(out, string(kv))
		}
	}
	return out
}

// TestAttackSymlinkedOutputLeaksSecrets is attack 1: a pull request adds
// .zoneward/zones/acme.dev.zone as a link to a file holding the
// reconciler's token (a file outside the repository, and
// /proc/self/environ). check refuses it, in every mode; plan (what
// --comment posts) and apply refuse to run because the repository tracks
// a path inside provider.dir; the secret never appears.
func TestAttackSymlinkedOutputLeaksSecrets(t *testing.T) {
	targets := map[string]string{"a file outside the repository": secretFile(t, "")}
	secrets := []string{"secret-fsbound"}
	if env := environSecrets(t); len(env) > 0 {
		targets["/proc/self/environ"] = "/proc/self/environ"
		secrets = append(secrets, env...)
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			dir := newRepo(t)
			base := git(t, dir, "rev-parse", "HEAD")
			git(t, dir, "checkout", "-q", "-b", "pr")
			link(t, dir, ".zoneward/zones/acme.dev.zone", target)
			edit(t, dir, "zones/acme.dev/erin.yaml", "192.0.2.110", "192.0.2.111")
			commitForced(t, dir, "erin: new address", ".zoneward/zones/acme.dev.zone")

			named := []string{`".zoneward/zones/acme.dev.zone"`, "provider.dir .zoneward/zones"}
			refused(t, dir, named, secrets, "check", "--base", base, "--author", "erin")
			refused(t, dir, named, secrets, "check", "--base", base, "--author", "erin", "--format", "github")
			refused(t, dir, named, secrets, "check")
			refused(t, dir, named, secrets, "check", "--rev", "HEAD", "--format", "json")
			refused(t, dir, append(named, "at revision"), secrets, "plan", "--rev", "HEAD", "--format", "markdown")
			refused(t, dir, named, secrets, "plan", "--rev", "HEAD", "--since", base)
			refused(t, dir, named, secrets, "apply", "--rev", "HEAD")
			refused(t, dir, named, secrets, "apply")
			refused(t, dir, named, secrets, "status")
			if data, err := os.ReadFile(target); err != nil || !strings.Contains(string(data), "=") {
				t.Errorf("the link's target was changed: %v", err)
			}
		})
	}
}

// TestAttackSymlinkedZoneFileEchoed is attack 1's other half: a link in
// place of a zone file, to a secret file whose content would be quoted in
// a validation error ("A value "sk_live_…" is not an IP address"), or to
// /etc/passwd. check refuses the link by its path and quotes nothing of
// the target.
func TestAttackSymlinkedZoneFileEchoed(t *testing.T) {
	secret := secretFile(t, "'': {type: A, value: sk_live_fsbound_0d9e}\n")
	cases := map[string]string{"zones/acme.dev/erin.yaml": secret, "zones/x.yaml": "/etc/passwd"}
	for file, target := range cases {
		t.Run(file, func(t *testing.T) {
			dir := newRepo(t)
			base := git(t, dir, "rev-parse", "HEAD")
			git(t, dir, "checkout", "-q", "-b", "pr")
			link(t, dir, file, target)
			commitAll(t, dir, "a link")
			secrets := []string{"sk_live_fsbound", "root:x:0:0", "/bin/"}
			named := []string{file, "symbolic link"}
			refused(t, dir, named, secrets, "check")
			refused(t, dir, named, secrets, "check", "--rev", "HEAD")
			refused(t, dir, named, secrets, "check", "--base", base, "--author", "erin", "--format", "github")
			refused(t, dir, named, secrets, "plan", "--rev", "HEAD", "--format", "markdown")
		})
	}
}

// TestAttackReplaceTenantFileWithLink is attack 6: another tenant's file
// replaced by a link to an identical copy, outside the repository or
// inside it. check refuses it; after a merge, reconciling leaves that
// tenant's zone exactly as it was.
func TestAttackReplaceTenantFileWithLink(t *testing.T) {
	for name, where := range map[string]string{"outside": "", "inside": "docs/example.com.yaml"} {
		t.Run(name, func(t *testing.T) {
			dir := newRepo(t)
			mustZW(t, dir, "apply", "--rev", "main")
			before := zoneFile(t, dir, "example.com")
			data, err := os.ReadFile(filepath.Join(dir, "zones/example.com.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			target := secretFile(t, string(data))
			if where != "" {
				write(t, dir, where, string(data))
				target = filepath.Join(dir, where)
			}
			base := git(t, dir, "rev-parse", "HEAD")
			link(t, dir, "zones/example.com.yaml", target)
			commitAll(t, dir, "mallory: the same file, as a link")

			named := []string{"zones/example.com.yaml", "symbolic link"}
			refused(t, dir, named, nil, "check", "--base", base, "--author", "mallory")
			refused(t, dir, named, nil, "check")
			// Merged anyway (by mistake): the run stops before writing, and
			// alice's zone keeps every record it had.
			refused(t, dir, named, nil, "apply", "--rev", "main")
			if after := zoneFile(t, dir, "example.com"); after != before {
				t.Errorf("example.com changed after the link was merged:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// TestAttackCommittedOutputDirLink is attack 7's first half: a committed
// .zoneward -> /some/dir link. apply refuses, and nothing is written where
// the link points; so does a run in a clone without a checkout (as serve
// keeps), and a link put there by hand.
func TestAttackCommittedOutputDirLink(t *testing.T) {
	elsewhere := t.TempDir()
	dir := newRepo(t)
	link(t, dir, ".zoneward", elsewhere)
	commitForced(t, dir, "a link for the output", ".zoneward")

	named := []string{`".zoneward"`, "provider.dir .zoneward/zones"}
	refused(t, dir, named, nil, "apply", "--rev", "HEAD")
	refused(t, dir, named, nil, "apply")
	refused(t, dir, named, nil, "plan", "--rev", "HEAD", "--since", "last")
	clone := filepath.Join(t.TempDir(), "clone")
	git(t, dir, "clone", "-q", "--no-checkout", dir, clone)
	refused(t, clone, named, nil, "apply", "--rev", "origin/main")

	// The same link, not tracked (an operator's mistake): refused as a link.
	dir = newRepo(t)
	link(t, dir, ".zoneward", elsewhere)
	refused(t, dir, []string{"provider.dir .zoneward/zones: " + filepath.Join(dir, ".zoneward") + " is a symbolic link"}, nil, "apply", "--rev", "main")
	if ents, err := os.ReadDir(elsewhere); err != nil || len(ents) != 0 {
		t.Errorf("the link's target holds %v, %v: something was written through the link", ents, err)
	}
}

// TestAttackPlantedZoneFile is attack 7's second half: a committed
// .zoneward/zones/example.com.zone (a regular file) that plants
// "evil 300 IN A 6.6.6.6" into another tenant's zone as an unmanaged
// record. Every run refuses, because the repository tracks a path in
// provider.dir, and the record is never read.
func TestAttackPlantedZoneFile(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply", "--rev", "main")
	planted := zoneFile(t, dir, "example.com") + "evil\t300\tIN\tA\t6.6.6.6\n"
	write(t, dir, ".zoneward/zones/example.com.zone", planted)
	commitForced(t, dir, "plant a record", ".zoneward/zones/example.com.zone")

	named := []string{`".zoneward/zones/example.com.zone"`, "git rm -r --cached", "outside the checkout"}
	for _, args := range [][]string{
		{"check"}, {"plan", "--rev", "HEAD"}, {"plan", "--rev", "HEAD", "--format", "json"}, {"apply", "--rev", "HEAD"},
		{"status", "--rev", "HEAD"}, {"import", "example.com"},
	} {
		refused(t, dir, named, []string{"6.6.6.6"}, args...)
	}
	// Removing it from the repository (the file stays, untracked, as the
	// reconciler's) lets runs go on.
	git(t, dir, "rm", "-q", "--cached", ".zoneward/zones/example.com.zone")
	commitAll(t, dir, "untrack the output")
	mustZW(t, dir, "plan", "--rev", "HEAD")
}

// TestAttackWorkingTreeLinks: in a working tree (no --rev), a link in
// place of zoneward.yaml, CODEOWNERS, the directory holding CODEOWNERS or
// zones/ is refused by its path and never followed; a link in place of a
// tenant's directory is never followed either.
func TestAttackWorkingTreeLinks(t *testing.T) {
	for _, tc := range []struct {
		file string // what becomes a link, to a copy outside holding the secret
		want string
	}{
		{"zoneward.yaml", `"zoneward.yaml" is a symbolic link`},
		{".github/CODEOWNERS", `".github/CODEOWNERS" is a symbolic link`},
		{".github", `".github" is a symbolic link`},
		{"zones", "zones/ is not a directory but a symbolic link"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := newRepo(t)
			copyWithSecret(t, dir, tc.file, link)
			for _, args := range [][]string{{"check"}, {"plan"}, {"apply"}, {"status"}} {
				refused(t, dir, []string{tc.want}, []string{"secret-fsbound", "192.0.2.234"}, args...)
			}
			if _, err := os.Stat(filepath.Join(dir, ".zoneward")); err == nil {
				t.Error("a refused apply wrote output")
			}
		})
	}

	// A tenant's file as a link: that file is held back (one tenant never
	// blocks another), named in every run, and never followed.
	dir := newRepo(t)
	copyWithSecret(t, dir, "zones/acme.dev/alice.yaml", link)
	const held = "zones/acme.dev/alice.yaml: a symbolic link; zoneward reads only regular files"
	for _, args := range [][]string{{"check"}, {"plan"}, {"apply"}} {
		refused(t, dir, []string{held}, []string{"secret-fsbound", "192.0.2.234"}, args...)
	}
	if acme := zoneFile(t, dir, "acme.dev"); strings.Contains(acme, "192.0.2.234") || !strings.Contains(acme, "erin") {
		t.Errorf("want erin's records applied and none of the linked file's:\n%s", acme)
	}
	if _, out, _ := zw(t, dir, "status"); !strings.Contains(out, held) {
		t.Errorf("status does not say why alice's file is held back:\n%s", out)
	}

	// A tenant's subtree directory as a link: its files are not read.
	dir = newRepo(t)
	copyWithSecret(t, dir, "zones/acme.dev", link)
	for _, args := range [][]string{{"check"}, {"plan"}, {"apply"}} {
		_, out, errOut := zw(t, dir, args...)
		if s := out + errOut; strings.Contains(s, "secret-fsbound") || strings.Contains(s, "192.0.2.234") {
			t.Errorf("zoneward %v followed the link", args)
		}
	}
	// The zone is missing some of its files: its zone file is held back,
	// so nothing of acme.dev is written (and nothing deleted).
	if acme, err := os.ReadFile(filepath.Join(dir, ".zoneward", "zones", "acme.dev.zone")); err == nil &&
		(strings.Contains(string(acme), "192.0.2.234") || strings.Contains(string(acme), "alice\t")) {
		t.Errorf("records behind the linked directory were applied:\n%s", acme)
	}
}

// copyWithSecret moves file (or directory) of the repository at dir to a
// directory outside it, adds the secret there (as a comment and as a
// record of alice's), and puts a link to it in its place.
func copyWithSecret(t *testing.T, dir, file string, link func(*testing.T, string, string, string)) {
	t.Helper()
	outside := filepath.Join(t.TempDir(), filepath.Base(file))
	if err := os.Rename(filepath.Join(dir, file), outside); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(outside, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data = append(data, "\n# "+fsSecret+"\n"...)
		if strings.HasSuffix(p, "alice.yaml") {
			data = append(data, "leak:\n  type: A\n  value: 192.0.2.234\n"...)
		}
		return os.WriteFile(p, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	link(t, dir, file, outside)
}

// TestOutputOutsideCheckout is the production layout the README gives:
// provider.dir and serve.state_file outside the checkout, and --repo
// given through a link (the operator's choice, resolved, unlike links
// inside the repository).
func TestOutputOutsideCheckout(t *testing.T) {
	dir := newRepo(t)
	out := filepath.Join(t.TempDir(), "out")
	edit(t, dir, "zoneward.yaml", "dir: .zoneward/zones", "dir: "+filepath.Join(out, "zones"))
	write(t, dir, "zoneward.yaml", strings.Replace(mustRead(t, dir, "zoneward.yaml"), "policy:", "serve:\n  state_file: "+filepath.Join(out, "state.json")+"\npolicy:", 1))
	commitAll(t, dir, "output outside the checkout")
	repo := filepath.Join(t.TempDir(), "repo")
	link(t, filepath.Dir(repo), "repo", dir)

	mustZW(t, repo, "apply", "--rev", "main")
	mustZW(t, repo, "apply", "--since", "last")
	for _, p := range []string{"zones/acme.dev.zone", "state.json"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("%s not written outside the checkout: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".zoneward")); err == nil {
		t.Error("output written inside the checkout")
	}

	// The default layout, relative to a --repo given through a link.
	dir = newRepo(t)
	repo = filepath.Join(t.TempDir(), "repo")
	link(t, filepath.Dir(repo), "repo", dir)
	mustZW(t, repo, "apply")
	if !strings.Contains(zoneFile(t, dir, "acme.dev"), "zoneward:zones/acme.dev/alice.yaml") {
		t.Error("apply through a linked --repo wrote no zone")
	}
}

func mustRead(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
