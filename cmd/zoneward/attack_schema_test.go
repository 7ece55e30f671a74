package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The hostile pull requests of the schema's side: each test makes a real
// Git repository from zones-example, commits a tenant's attack on a
// branch "pr", and runs the CLI as the pull-request workflow does.

// prRepo returns a repository whose main is zones-example after admin
// (a function of the directory, or nil) and whose branch "pr" carries
// change on top of it.
func prRepo(t *testing.T, admin, change func(dir string)) string {
	t.Helper()
	dir := newRepo(t)
	if admin != nil {
		admin(dir)
		commitAll(t, dir, "admin change")
	}
	git(t, dir, "checkout", "-q", "-b", "pr")
	change(dir)
	commitAll(t, dir, "tenant change")
	return dir
}

// checkPR runs `check --rev pr --base main --author author`.
func checkPR(t *testing.T, dir, author string) (int, string) {
	t.Helper()
	code, out, errOut := zw(t, dir, "check", "--rev", "pr", "--base", "main", "--author", author)
	return code, out + errOut
}

// wantRefused checks that a check run failed with every message in want.
func wantRefused(t *testing.T, code int, out string, want ...string) {
	t.Helper()
	if code != exitError {
		t.Errorf("exit %d, want %d (refused)\n%s", code, exitError, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, clipOut(out))
		}
	}
}

func clipOut(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// aliasBomb is a zone file of n names, each an alias of one record of n
// addresses: n² records from a file of a few bytes per name.
func aliasBomb(n int) string {
	var bomb strings.Builder
	bomb.WriteString("r0: &r {type: A, values: [")
	for i := range n {
		if i > 0 {
			bomb.WriteString(", ")
		}
		bomb.WriteString("10.0." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250+1))
	}
	bomb.WriteString("]}\n")
	for i := range n {
		bomb.WriteString("n" + strconv.Itoa(i) + ": *r\n")
	}
	return bomb.String()
}

// Attack 2: a tiny file of aliases that stands for nine million records.
func TestAttackAliasBomb(t *testing.T) {
	bomb := aliasBomb(3000)
	dir := prRepo(t, nil, func(dir string) { write(t, dir, "zones/acme.dev/alice.yaml", bomb) })
	mustZW(t, dir, "apply", "--rev", "main")
	var code int
	var out string
	alloc := allocatedBytes(func() { code, out = checkPR(t, dir, "alice") })
	wantRefused(t, code, out, "zones/acme.dev/alice.yaml:4:1: more than 10000 records in this file, the most policy.limits.records_per_file allows")
	// Unbounded, this check allocated 2.75 GB; bounded, it stops at the
	// record limit, far below 256 MB.
	if alloc > 256<<20 {
		t.Errorf("check allocated %d MB", alloc>>20)
	}
	if code, out, _ := zw(t, dir, "apply", "--rev", "pr"); code != exitError {
		t.Errorf("apply of the bomb: exit %d\n%s", code, out)
	}
	if z := zoneFile(t, dir, "acme.dev"); strings.Contains(z, "n2999") || strings.Contains(z, "10.0.0.1") {
		t.Errorf("the bomb's records were written:\n%s", clipOut(z))
	}
}

// Attack 3: about two million "[", which overflowed the stack of the
// hand-written reader and killed every command.
func TestAttackDeepNesting(t *testing.T) {
	deep := "x: " + strings.Repeat("[", 2_000_000) + "\n"
	t.Run("default limits", func(t *testing.T) {
		dir := prRepo(t, nil, func(dir string) { write(t, dir, "zones/acme.dev/alice.yaml", deep) })
		code, out := checkPR(t, dir, "alice")
		wantRefused(t, code, out, "zones/acme.dev/alice.yaml:1:1: the file is 2000004 bytes, more than policy.limits.file_bytes (1048576) allows")
	})
	t.Run("file_bytes raised by the Company", func(t *testing.T) {
		dir := prRepo(t, func(dir string) {
			edit(t, dir, "zoneward.yaml", "  unmanaged: keep", "  unmanaged: keep\n  limits: {file_bytes: 4194304}")
		}, func(dir string) { write(t, dir, "zones/acme.dev/alice.yaml", deep) })
		code, out := checkPR(t, dir, "alice")
		wantRefused(t, code, out, "zones/acme.dev/alice.yaml:1: YAML nested more than 10000 levels deep, the YAML parser's limit")
		for _, cmd := range [][]string{{"plan", "--rev", "pr"}, {"apply", "--rev", "pr"}} {
			if code, out, errOut := zw(t, dir, cmd...); code != exitError {
				t.Errorf("%v: exit %d, want %d\n%s%s", cmd, code, exitError, out, errOut)
			}
		}
	})
}

// Attack 4: records check and apply accepted, and BIND refused, taking
// the whole shared zone down.
func TestAttackRecordsBINDRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"70,000-character TXT", "'': {type: TXT, value: " + strings.Repeat("x", 70000) + "}\n",
			"zones/acme.dev/alice.yaml:1:24: TXT value is 70275 bytes in wire format; a record holds at most 65535"},
		{"wildcard NS", "'*': {type: NS, value: ns1.evil.example.net.}\n",
			`zones/acme.dev/alice.yaml:1:13: NS at the wildcard name "*": a wildcard cannot be delegated`},
		{"A owner that is not a host name", "a_b: {type: A, value: 192.0.2.66}\n",
			`zones/acme.dev/alice.yaml:1:13: A at "a_b": the name is not a host name`},
		{"MX exchange that is not a host name", "'': {type: MX, value: {preference: 10, exchange: mail_1.example.net.}}\n",
			`zones/acme.dev/alice.yaml:1:50: MX exchange "mail_1.example.net." is not a host name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := prRepo(t, nil, func(dir string) { write(t, dir, "zones/acme.dev/alice.yaml", tc.file) })
			mustZW(t, dir, "apply", "--rev", "main")
			code, out := checkPR(t, dir, "alice")
			wantRefused(t, code, out, tc.want)
			if code, out, _ := zw(t, dir, "apply", "--rev", "pr"); code != exitError {
				t.Errorf("apply: exit %d\n%s", code, out)
			}
			// Whatever was written still loads, as a primary with
			// check-names fail.
			namedCheckzone(t, "acme.dev", filepath.Join(dir, ".zoneward", "zones", "acme.dev.zone"))
		})
	}
}

// Attack 5, validation part: a tenant's broken file is reported at its
// line, so that the plan can hold back that file and say why.
func TestAttackBrokenFileIsReported(t *testing.T) {
	dir := prRepo(t, nil, func(dir string) {
		edit(t, dir, "zones/acme.dev/erin.yaml", "value: 192.0.2.110", "value: 192.0.2.999")
	})
	code, out := checkPR(t, dir, "erin")
	wantRefused(t, code, out, `zones/acme.dev/erin.yaml:4:12: A value "192.0.2.999" is not an IP address`)
	if strings.Contains(out, "alice.yaml") {
		t.Errorf("another tenant's file is blamed:\n%s", out)
	}
}

// Attack 8: a "---" line dropped every record after it.
func TestAttackSecondDocument(t *testing.T) {
	dir := prRepo(t, nil, func(dir string) {
		edit(t, dir, "zones/acme.dev/alice.yaml", "blog:", "---\nblog:")
	})
	mustZW(t, dir, "apply", "--rev", "main")
	code, out := checkPR(t, dir, "alice")
	wantRefused(t, code, out, `zones/acme.dev/alice.yaml:5:1: a second YAML document starts here: a zone file is one document, and records after a "---" line would be lost`)
	zw(t, dir, "apply", "--rev", "pr")
	if z := zoneFile(t, dir, "acme.dev"); !strings.Contains(z, "alice-blog.pages.example.net.") {
		t.Errorf("the records after \"---\" were deleted:\n%s", z)
	}
}

// Attack 9: the owner of a parent zone's file delegates a child zone that
// has its own zone file.
func TestAttackParentDelegatesChild(t *testing.T) {
	dir := prRepo(t, func(dir string) {
		write(t, dir, "zones/com.yaml", "registry: {type: A, value: 192.0.2.200}\n")
		edit(t, dir, ".github/CODEOWNERS", "/zones/example.com.yaml ", "/zones/com.yaml                 @dave @acme/dns-admins\n/zones/example.com.yaml ")
	}, func(dir string) {
		write(t, dir, "zones/com.yaml", "registry: {type: A, value: 192.0.2.200}\nexample: {type: NS, value: ns1.evil.example.net.}\n")
	})
	code, out := checkPR(t, dir, "dave")
	wantRefused(t, code, out, `zones/com.yaml:2:10: NS "example.com." is inside the zone "example.com.", which has its own zone file zones/example.com.yaml: only that file speaks for it, and its delegation is the Company's to set at the provider`)
	zw(t, dir, "apply", "--rev", "pr")
	for _, z := range []string{"com", "example.com"} {
		data, _ := os.ReadFile(filepath.Join(dir, ".zoneward", "zones", z+".zone"))
		if strings.Contains(string(data), "ns1.evil.example.net") {
			t.Errorf("the delegation was written to %s:\n%s", z, data)
		}
	}
}

// Item 1: a tenant's pull request may touch only the tenant's own zone and
// subtree files; every other path is refused, each by name.
func TestAttackPathsOutsideTheGrant(t *testing.T) {
	dir := prRepo(t, nil, func(dir string) {
		write(t, dir, "README.md", "# Our zones\n")
		write(t, dir, ".gitattributes", "*.yaml filter=lfs\n")
		write(t, dir, "docs/how.md", "edit your file\n")
		write(t, dir, ".zoneward-notes", "planted\n")
		edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "203.0.113.66")
		git(t, dir, "mv", "zones/acme.dev/alice.yaml", "zones/acme.dev/alice-new.yaml")
	})
	code, out := checkPR(t, dir, "alice")
	const adminOnly = "@alice may not change this file: only a Company admin (company.admins in zoneward.yaml) may; a tenant changes only the zone and subtree files CODEOWNERS gives them"
	wantRefused(t, code, out,
		".gitattributes: "+adminOnly,
		".zoneward-notes: "+adminOnly,
		"README.md: "+adminOnly,
		"docs/how.md: "+adminOnly,
		"zones/example.org.yaml: @alice may not change this file: the base revision's CODEOWNERS gives it to @bob @acme/dns-admins",
		"zones/acme.dev/alice-new.yaml: @alice may not change this file: the base revision's CODEOWNERS gives it to @acme/dns-admins",
	)
	// Deleting her own old path is hers to do.
	if strings.Contains(out, "zones/acme.dev/alice.yaml:") {
		t.Errorf("the rename's old path, alice's own, is refused:\n%s", out)
	}
	// A Company admin may change all of it.
	if code, out := checkPR(t, dir, "carol-acme"); code != 0 {
		t.Errorf("admin: exit %d\n%s", code, out)
	}

	// A path in the reconciler's own directory (.gitignore'd, so added
	// with -f) is refused for everyone: the repository must never supply
	// the reconciler's output (see TestAttackPlantedZoneFile).
	dir = prRepo(t, nil, func(dir string) {
		write(t, dir, ".zoneward/zones/example.com.zone", "evil 300 IN A 6.6.6.6\n")
		git(t, dir, "add", "-f", ".zoneward/zones/example.com.zone")
	})
	for _, author := range []string{"alice", "carol-acme"} {
		code, out := checkPR(t, dir, author)
		wantRefused(t, code, out, `Git tracks ".zoneward/zones/example.com.zone"`)
	}
}

// Item 2, check's part: a symbolic link anywhere is refused, for a
// Company admin too, and its target is never read.
func TestAttackSymlinkRefusedForAdmins(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secret, []byte("CLOUDFLARE_API_TOKEN=sk_live_attack\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := prRepo(t, nil, func(dir string) {
		if err := os.Symlink(secret, filepath.Join(dir, "docs-link")); err != nil {
			t.Fatal(err)
		}
	})
	code, out := checkPR(t, dir, "carol-acme")
	wantRefused(t, code, out, "docs-link: a symbolic link; zoneward reads only regular files")
	if strings.Contains(out, "sk_live_attack") {
		t.Errorf("the link's target was read:\n%s", out)
	}
}

func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
