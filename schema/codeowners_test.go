package schema

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hmarr/codeowners"
)

func TestCodeownersOwners(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		paths map[string]string // path → owners joined by " "; "" for none
	}{
		{
			name: "anchored",
			file: "/zones/a.yaml @alice\n",
			paths: map[string]string{
				"zones/a.yaml":       "@alice",
				"x/zones/a.yaml":     "",
				"zones/a.yaml/inner": "@alice", // a directory of that name: its contents
				"zones/a.yamlx":      "",
			},
		},
		{
			name: "anchored by a middle slash",
			file: "zones/a.yaml @alice\n",
			paths: map[string]string{
				"zones/a.yaml":   "@alice",
				"x/zones/a.yaml": "",
			},
		},
		{
			name: "unanchored name matches at any depth",
			file: "a.yaml @alice\n",
			paths: map[string]string{
				"a.yaml":             "@alice",
				"zones/a.yaml":       "@alice",
				"zones/acme/a.yaml":  "@alice",
				"zones/acme/ba.yaml": "",
			},
		},
		{
			name: "directory with trailing slash owns its contents",
			file: "/zones/acme.dev/ @acme/team\n",
			paths: map[string]string{
				"zones/acme.dev/alice.yaml": "@acme/team",
				"zones/acme.dev/a/b.yaml":   "@acme/team",
				"zones/acme.dev.yaml":       "",
				"zones/acme.dev":            "",
			},
		},
		{
			name: "unanchored directory",
			file: "acme.dev/ @acme/team\n",
			paths: map[string]string{
				"zones/acme.dev/alice.yaml": "@acme/team",
				"acme.dev/x":                "@acme/team",
				"zones/acme.dev.yaml":       "",
			},
		},
		{
			name: "star stays in one directory",
			file: "/zones/old.org/* @olga\n",
			paths: map[string]string{
				"zones/old.org/a.yaml":   "@olga",
				"zones/old.org/a/b.yaml": "", // GitHub's docs/* example
			},
		},
		{
			name: "star extension at any depth",
			file: "*.yml @yaml\n",
			paths: map[string]string{
				"a.yml":          "@yaml",
				"zones/x/b.yml":  "@yaml",
				"zones/x/b.yaml": "",
			},
		},
		{
			name: "double star",
			file: "/zones/** @z\nzones/**/dave.yaml @dave\n**/logs @logs\n",
			paths: map[string]string{
				"zones/dave.yaml":     "@dave",
				"zones/a/b/dave.yaml": "@dave",
				"zones/a.yaml":        "@z",
				"zones":               "",
				"logs/x":              "@logs",
				"a/b/logs":            "@logs",
			},
		},
		{
			name: "question mark is one byte, not a slash",
			file: "/zones/?.yaml @q\n",
			paths: map[string]string{
				"zones/a.yaml":  "@q",
				"zones/ab.yaml": "",
				"zones//.yaml":  "",
			},
		},
		{
			name: "last match wins",
			file: "* @admins\n/zones/a.yaml @alice\n/zones/ @team\n",
			paths: map[string]string{
				"zones/a.yaml": "@team",
				"README.md":    "@admins",
			},
		},
		{
			name: "last match wins over a later literal when the wildcard is later",
			file: "/zones/a.yaml @alice\n*.yaml @yaml\n",
			paths: map[string]string{
				"zones/a.yaml": "@yaml",
			},
		},
		{
			name: "a line without owners unowns",
			file: "* @admins\n/zones/shared.net/ @team\n/zones/shared.net/legacy.yaml\n",
			paths: map[string]string{
				"zones/shared.net/legacy.yaml": "",
				"zones/shared.net/new.yaml":    "@team",
				"zones/x.yaml":                 "@admins",
			},
		},
		{
			name: "case-sensitive",
			file: "/Zones/ @upper\n",
			paths: map[string]string{
				"Zones/a.yaml": "@upper",
				"zones/a.yaml": "",
			},
		},
		{
			name: "comments, blank lines, CRLF, inline comment, email",
			file: "# header\r\n\r\n   \t\n/a @x a@b.example # the owners\r\n",
			paths: map[string]string{
				"a": "@x a@b.example",
			},
		},
		{
			name: "invalid line is skipped and the earlier line applies",
			file: "/zones/ @team\n/zones/a.yaml alice\n",
			paths: map[string]string{
				"zones/a.yaml": "@team",
			},
		},
		{
			name: "bytes hmarr refuses are literals",
			file: "/zones/a~b.yaml @tilde\nfoo#bar @hash\n/zones/\u00e9t\u00e9/ @ete\n/x/*** @stars\n",
			paths: map[string]string{
				"zones/a~b.yaml":             "@tilde",
				"zones/axb.yaml":             "",
				"d/foo#bar":                  "@hash",
				"foo":                        "",
				"zones/\u00e9t\u00e9/x.yaml": "@ete",
				"x/y":                        "@stars",
			},
		},
		{
			name: "star star slash owns every directory's contents",
			file: "/**/ @dirs\n/x/**/ @x\n/y/**/**/z @z\n",
			paths: map[string]string{
				"a":       "",
				"a/b":     "@dirs",
				"a/b/c":   "@dirs",
				"x/a":     "@dirs",
				"x/a/b":   "@x",
				"y/z":     "@z",
				"y/a/b/z": "@z",
			},
		},
		{
			name: "long top-level domain in an email",
			file: "/a ops@acme.example\n",
			paths: map[string]string{
				"a": "ops@acme.example",
			},
		},
		{
			name: "root alone matches nothing",
			file: "/ @root\n",
			paths: map[string]string{
				"a":   "",
				"a/b": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ParseCodeowners("CODEOWNERS", []byte(tt.file))
			if len(c.Errs) > 0 && !strings.Contains(tt.name, "invalid") {
				t.Fatalf("unexpected errors: %v", c.Errs)
			}
			for p, want := range tt.paths {
				if got := strings.Join(c.Owners(p), " "); got != want {
					t.Errorf("Owners(%q) = %q, want %q", p, got, want)
				}
			}
		})
	}
}

func TestCodeownersFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/codeowners/zones-repo")
	if err != nil {
		t.Fatal(err)
	}
	c := ParseCodeowners(".github/CODEOWNERS", data)
	if len(c.Errs) > 0 {
		t.Fatalf("errors: %v", c.Errs)
	}
	for p, want := range map[string][]string{
		"zoneward.yaml":                {"@acme/dns-admins"},
		"zones/acme.dev/alice.yaml":    {"@alice"},
		"zones/acme.dev/bob.yaml":      {"@bob", "@acme/dns-admins"},
		"zones/example.com.yaml":       {"@carol", "carol@example.com"},
		"zones/shared.net/a.yaml":      {"@acme/shared-team"},
		"zones/shared.net/legacy.yaml": nil,
		"zones/x/dave.yaml":            {"@dave"},
		"zones/x/dave.yml":             {"@yaml-police"},
		"zones/old.org/a.yaml":         {"@olga"},
		"zones/old.org/a/b.yaml":       {"@acme/dns-admins"},
		"docs/index.md":                {"@acme/docs"},
		"zones/docs/x.yaml":            {"@acme/docs"},
	} {
		if got := c.Owners(p); !slices.Equal(got, want) {
			t.Errorf("Owners(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestCodeownersOwnersIsACopy(t *testing.T) {
	c := ParseCodeowners("CODEOWNERS", []byte("* @a @b\n"))
	got := c.Owners("x")
	got[0] = "@mallory"
	if again := c.Owners("y"); again[0] != "@a" {
		t.Fatalf("editing one result changed the next: %q", again)
	}
	var nilC *Codeowners
	if o := nilC.Owners("x"); o != nil {
		t.Fatalf("nil Codeowners owns %q", o)
	}
}

func TestCodeownersErrors(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantErr []string
	}{
		{"negation", "!zones/a.yaml @alice",
			[]string{`.github/CODEOWNERS:2:1: pattern "!zones/a.yaml" negates with "!", which CODEOWNERS does not support; GitHub skips this line`}},
		{"negation after indent", "  !a @alice",
			[]string{`.github/CODEOWNERS:2:3: pattern "!a" negates with "!", which CODEOWNERS does not support; GitHub skips this line`}},
		{"range", "/zones/[ab].yaml @alice",
			[]string{`.github/CODEOWNERS:2:1: pattern "/zones/[ab].yaml" uses a "[ ]" character range, which CODEOWNERS does not support; GitHub skips this line`}},
		{"escaped hash", `\#zones @alice`,
			[]string{`.github/CODEOWNERS:2:1: pattern "\\#zones" escapes a leading "#", which CODEOWNERS does not support; GitHub skips this line`}},
		{"bare user", "/zones/a.yaml   alice",
			[]string{`.github/CODEOWNERS:2:17: owner "alice" is not @user, @org/team or an email address; GitHub skips this line`}},
		{"bad team", "/zones/a.yaml @alice @acme/dns/admins",
			[]string{`.github/CODEOWNERS:2:22: owner "@acme/dns/admins" is not @user, @org/team or an email address; GitHub skips this line`}},
		{"bad email and tab", "/a\t@x\tnot-an-email@",
			[]string{`.github/CODEOWNERS:2:7: owner "not-an-email@" is not @user, @org/team or an email address; GitHub skips this line`}},
		{"quoted control bytes", "/a @\x1b[31m",
			[]string{`.github/CODEOWNERS:2:4: owner "@\x1b[31m" is not @user, @org/team or an email address; GitHub skips this line`}},
		{"every problem on the line", "!a b c",
			[]string{
				`.github/CODEOWNERS:2:1: pattern "!a" negates with "!", which CODEOWNERS does not support; GitHub skips this line`,
				`.github/CODEOWNERS:2:4: owner "b" is not @user, @org/team or an email address; GitHub skips this line`,
				`.github/CODEOWNERS:2:6: owner "c" is not @user, @org/team or an email address; GitHub skips this line`,
			}},
		{"escaped bracket is a literal", `/a\[b @x`, nil},
		{"pattern with no owners", "/zones/a.yaml", nil},
		{"inline comment is not an owner", "/a @x #note @y", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "* @admins\n" + tt.line + "\n/other @bob\n"
			c := ParseCodeowners(".github/CODEOWNERS", []byte(src))
			var got []string
			for _, e := range c.Errs {
				got = append(got, e.Error())
			}
			if !slices.Equal(got, tt.wantErr) {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantErr, "\n"))
			}
			// Never fatal: the other lines still apply.
			if o := c.Owners("other"); !slices.Equal(o, []string{"@bob"}) {
				t.Errorf("Owners(other) = %q, want [@bob]", o)
			}
			if tt.wantErr != nil {
				// The skipped line grants nothing: the first line still owns.
				if o := c.Owners("zones/a.yaml"); !slices.Equal(o, []string{"@admins"}) {
					t.Errorf("Owners(zones/a.yaml) = %q, want [@admins]", o)
				}
			}
		})
	}
}

func TestLoadCodeownersOrder(t *testing.T) {
	gh := &fstest.MapFile{Data: []byte("* @from-github\n")}
	root := &fstest.MapFile{Data: []byte("* @from-root\n")}
	docs := &fstest.MapFile{Data: []byte("* @from-docs\n")}
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		wantPath string
		want     string
	}{
		{"all three", fstest.MapFS{".github/CODEOWNERS": gh, "CODEOWNERS": root, "docs/CODEOWNERS": docs}, ".github/CODEOWNERS", "@from-github"},
		{"root before docs", fstest.MapFS{"CODEOWNERS": root, "docs/CODEOWNERS": docs}, "CODEOWNERS", "@from-root"},
		{"docs", fstest.MapFS{"docs/CODEOWNERS": docs}, "docs/CODEOWNERS", "@from-docs"},
		{"a directory named CODEOWNERS is not the file", fstest.MapFS{"CODEOWNERS/x": root, "docs/CODEOWNERS": docs}, "docs/CODEOWNERS", "@from-docs"},
		{"lowercase is not looked at", fstest.MapFS{"codeowners": root}, "", ""},
		{"none", fstest.MapFS{"zones/a.yaml": root}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadCodeowners(tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantPath == "" {
				if c != nil {
					t.Fatalf("found %s, want none", c.Path)
				}
				return
			}
			if c == nil || c.Path != tt.wantPath {
				t.Fatalf("found %v, want %s", c, tt.wantPath)
			}
			if got := strings.Join(c.Owners("zones/a.yaml"), " "); got != tt.want {
				t.Errorf("owners %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadCodeownersUnreadable(t *testing.T) {
	fsys := fstest.MapFS{".github/CODEOWNERS": &fstest.MapFile{Mode: 0o000}}
	// MapFS ignores permissions, so wrap it in an FS whose reads fail.
	_, err := LoadCodeowners(failingFS{fsys})
	if err == nil || !strings.Contains(err.Error(), "reading .github/CODEOWNERS") {
		t.Fatalf("err = %v, want one naming .github/CODEOWNERS", err)
	}
}

type failingFS struct{ fstest.MapFS }

func (f failingFS) Open(name string) (fs.File, error) {
	if path.Base(name) == "CODEOWNERS" {
		return nil, fmt.Errorf("disk on fire")
	}
	return f.MapFS.Open(name)
}

// genPattern returns a random pattern over a small alphabet, so random
// paths match it often enough to be interesting.
func genPattern(r *rand.Rand) string {
	atoms := []string{"a", "b", "ab", "*", "**", "?", "a*", "*.y", "a.y", "/"}
	var b strings.Builder
	if r.IntN(3) == 0 {
		b.WriteString("/")
	}
	for n := 1 + r.IntN(4); n > 0; n-- {
		b.WriteString(atoms[r.IntN(len(atoms))])
	}
	p := b.String()
	// "***" and "**" twice in a row are where hmarr parts from gitignore
	// (see compilePattern), and "/" alone panics in hmarr: the oracle is
	// asked only where it is right.
	if strings.Contains(p, "***") || strings.Trim(p, "/") == "" || folded(p) {
		return "a"
	}
	return p
}

func folded(p string) bool {
	_, f := patternSegments(p)
	return f
}

func genPath(r *rand.Rand) string {
	segs := []string{"a", "b", "ab", "a.y", "b.y", "x"}
	var parts []string
	for n := 1 + r.IntN(4); n > 0; n-- {
		parts = append(parts, segs[r.IntN(len(segs))])
	}
	return strings.Join(parts, "/")
}

// TestCodeownersIndexMatchesHmarr checks the literal-path index and the
// wildcard scan against hmarr/codeowners' own last-match-wins lookup.
func TestCodeownersIndexMatchesHmarr(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var lines []string
		for i := range 1 + r.IntN(12) {
			lines = append(lines, fmt.Sprintf("%s @o%d", genPattern(r), i))
		}
		src := strings.Join(lines, "\n")
		ours := ParseCodeowners("CODEOWNERS", []byte(src))
		theirs, err := codeowners.ParseFile(strings.NewReader(src))
		if err != nil || len(ours.Errs) > 0 {
			t.Fatalf("round %d: parse: %v %v\n%s", round, err, ours.Errs, src)
		}
		for range 30 {
			p := genPath(r)
			want := ""
			if rule, _ := theirs.Match(p); rule != nil {
				want = rule.Owners[0].String()
			}
			got := strings.Join(ours.Owners(p), " ")
			if got != want {
				t.Fatalf("Owners(%q) = %q, hmarr says %q; file:\n%s", p, got, want, src)
			}
		}
	}
}

// TestCodeownersGlobMatchesHmarr holds the matcher to hmarr/codeowners,
// the oracle, on the patterns hmarr reads as gitignore does.
func TestCodeownersGlobMatchesHmarr(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		pat := genPattern(r)
		rs, err := codeowners.ParseFile(strings.NewReader(pat))
		if err != nil {
			t.Fatalf("hmarr: %q: %v", pat, err)
		}
		segs, _ := patternSegments(pat)
		for range 10 {
			p := genPath(r)
			want, _ := rs[0].Match(p)
			if got := globMatch(segs, strings.Split(p, "/"), true); got != want {
				t.Fatalf("globMatch(%q, %q) = %v, hmarr says %v", pat, p, got, want)
			}
		}
	}
}

func FuzzCodeowners(f *testing.F) {
	if data, err := os.ReadFile("testdata/codeowners/zones-repo"); err == nil {
		f.Add(data, "zones/acme.dev/alice.yaml")
	}
	f.Add([]byte("!a b\n[x] @y\n\\#c @d\n/ @e\n/** @f\n*** @g\n"), "a")
	f.Add([]byte("a\\ b @x\n\\"), "a b")
	f.Fuzz(func(t *testing.T, data []byte, file string) {
		c := ParseCodeowners("CODEOWNERS", data)
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range c.Errs {
			if e.Line <= 0 || e.Line > lines || e.Col <= 0 || e.File != "CODEOWNERS" {
				t.Errorf("error without a position in the file: %v", e)
			}
		}
		c.Owners(file)
	})
}

func BenchmarkCodeownersOwners(b *testing.B) {
	// A zones repository's shape: a catch-all for the Company, a few
	// wildcard lines, and one literal line per tenant file or directory.
	var src strings.Builder
	src.WriteString("* @acme/dns-admins\n*.yml @acme/yaml\n/zones/**/legacy-*.yaml @acme/legacy\n")
	for i := range 5000 - 3 {
		switch i % 10 {
		case 0:
			fmt.Fprintf(&src, "/zones/zone%d.net/ @team%d\n", i, i)
		case 1:
			fmt.Fprintf(&src, "/zones/zone%d.net/*.yaml @wild%d\n", i, i)
		default:
			fmt.Fprintf(&src, "/zones/zone%d.net/user%d.yaml @user%d\n", i/10, i, i)
		}
	}
	c := ParseCodeowners(".github/CODEOWNERS", []byte(src.String()))
	if len(c.Errs) > 0 {
		b.Fatal(c.Errs)
	}
	files := make([]string, 10000)
	for i := range files {
		files[i] = fmt.Sprintf("zones/zone%d.net/user%d.yaml", i%600, i)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			c.Owners(f)
		}
	}
}
