package schema

import (
	"context"
	"io/fs"
	"maps"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// authorBase is the base revision of the author tests: alice owns one
// subtree file, bob a zone file, carol is a Company admin.
func authorBase() fstest.MapFS {
	return fstest.MapFS{
		ConfigFile:                  {Data: []byte("provider: {type: zonefile}\ncompany: {admins: ['@carol']}\n")},
		".github/CODEOWNERS":        {Data: []byte("* @carol\n/zones/acme.dev/alice.yaml @alice\n/zones/acme.dev/alice2.yaml @alice\n/zones/example.org.yaml @bob\n")},
		"README.md":                 {Data: []byte("# zones\n")},
		"zones/acme.dev.yaml":       {Data: []byte("")},
		"zones/acme.dev/alice.yaml": {Data: []byte("'': {type: A, value: 192.0.2.1}\n")},
		"zones/example.org.yaml":    {Data: []byte("www: {type: A, value: 192.0.2.2}\n")},
		"docs/guide.md":             {Data: []byte("how to\n")},
		"tools/link":                {Data: []byte("../README.md"), Mode: fs.ModeSymlink},
	}
}

func TestChangedFilesWholeTree(t *testing.T) {
	tests := []struct {
		name   string
		change func(m fstest.MapFS)
		want   []string
	}{
		{"nothing", func(m fstest.MapFS) {}, nil},
		{"README", func(m fstest.MapFS) { m["README.md"] = &fstest.MapFile{Data: []byte("# pwned\n")} }, []string{"README.md"}},
		{"same size, other bytes", func(m fstest.MapFS) { m["docs/guide.md"] = &fstest.MapFile{Data: []byte("how no\n")} }, []string{"docs/guide.md"}},
		{"files added anywhere", func(m fstest.MapFS) {
			m[".gitattributes"] = &fstest.MapFile{Data: []byte("*.yaml filter=evil\n")}
			m[".zoneward/zones/example.com.zone"] = &fstest.MapFile{Data: []byte("evil 300 IN A 6.6.6.6\n")}
		}, []string{".gitattributes", ".zoneward/zones/example.com.zone"}},
		{"deleted", func(m fstest.MapFS) { delete(m, "docs/guide.md") }, []string{"docs/guide.md"}},
		{"rename is a delete and an add", func(m fstest.MapFS) {
			m["zones/acme.dev/alice2.yaml"] = m["zones/acme.dev/alice.yaml"]
			delete(m, "zones/acme.dev/alice.yaml")
		}, []string{"zones/acme.dev/alice.yaml", "zones/acme.dev/alice2.yaml"}},
		{"file becomes a link to an identical copy", func(m fstest.MapFS) {
			m["copy.yaml"] = m["zones/example.org.yaml"]
			m["zones/example.org.yaml"] = &fstest.MapFile{Data: []byte("../copy.yaml"), Mode: fs.ModeSymlink}
		}, []string{"copy.yaml", "zones/example.org.yaml"}},
		{"link retargeted", func(m fstest.MapFS) {
			m["tools/link"] = &fstest.MapFile{Data: []byte("../docs/guide.md"), Mode: fs.ModeSymlink}
		}, []string{"tools/link"}},
		{"directory becomes a file", func(m fstest.MapFS) {
			delete(m, "docs/guide.md")
			m["docs"] = &fstest.MapFile{Data: []byte("flat\n")}
		}, []string{"docs", "docs/guide.md"}},
		{"a working tree's .git is not the repository's", func(m fstest.MapFS) { m[".git/HEAD"] = &fstest.MapFile{Data: []byte("ref: refs/heads/main\n")} }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := authorBase()
			head := maps.Clone(base)
			tc.change(head)
			got, err := ChangedFiles(base, head)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ChangedFiles = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckAuthorEveryPath(t *testing.T) {
	base, err := Load(authorBase(), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const adminOnly = "may not change this file: only a Company admin (company.admins in zoneward.yaml) may; a tenant changes only the zone and subtree files CODEOWNERS gives them"
	tests := []struct {
		name    string
		author  string
		changed []string
		want    []string
	}{
		{"own file", "alice", []string{"zones/acme.dev/alice.yaml"}, nil},
		{"rename between own files", "Alice", []string{"zones/acme.dev/alice.yaml", "zones/acme.dev/alice2.yaml"}, nil},
		{"rename onto another's path", "alice", []string{"zones/acme.dev/alice.yaml", "zones/example.org.yaml"}, []string{
			"zones/example.org.yaml: @alice may not change this file: the base revision's CODEOWNERS gives it to @bob; ask its owner, or a Company admin, to make the change",
		}},
		{"rename to a path nobody granted", "alice", []string{"zones/acme.dev/alice.yaml", "zones/acme.dev/zed.yaml"}, []string{
			"zones/acme.dev/zed.yaml: @alice may not change this file: the base revision's CODEOWNERS gives it to @carol; ask its owner, or a Company admin, to make the change",
		}},
		{"anything outside zones", "alice", []string{".gitattributes", ".github/workflows/plan.yml", ".zoneward/zones/example.com.zone", "README.md", "docs/guide.md", ConfigFile}, []string{
			".gitattributes: @alice " + adminOnly,
			".github/workflows/plan.yml: @alice " + adminOnly,
			".zoneward/zones/example.com.zone: @alice " + adminOnly,
			"README.md: @alice " + adminOnly,
			"docs/guide.md: @alice " + adminOnly,
			"zoneward.yaml: @alice " + adminOnly,
		}},
		{"misnamed files under zones", "alice", []string{"zones/acme.dev/alice.yml", "zones/acme.dev/notes.txt", "zones/acme.dev/a/b.yaml"}, []string{
			"zones/acme.dev/a/b.yaml: @alice " + adminOnly,
			"zones/acme.dev/alice.yml: @alice " + adminOnly,
			"zones/acme.dev/notes.txt: @alice " + adminOnly,
		}},
		{"admin changes anything", "carol", []string{"README.md", "zones/example.org.yaml", ".github/CODEOWNERS"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs, err := CheckAuthor(context.Background(), base, tc.changed, tc.author, nil)
			if err != nil {
				t.Fatal(err)
			}
			errs.Sort()
			if got := errStrings(errs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
