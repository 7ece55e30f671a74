package schema

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"
)

// FuzzParseFile checks that no input makes ParseFile panic and that every
// error it reports has a position a user can go to.
func FuzzParseFile(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("zones/example.com.yaml", data)
	}
	for _, tc := range parseCases {
		p := tc.path
		if p == "" {
			p = "zones/example.com.yaml"
		}
		f.Add(p, []byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		file := ParseFile(path, data, ParseOptions{Policy: DefaultConfig().Policy})
		for _, e := range file.Errs {
			if e.Line <= 0 || e.File != path {
				t.Errorf("error without position: %#v", e)
			}
		}
		if len(file.Errs) == 0 {
			if _, err := Encode(file.Origin, file.Records); err != nil {
				t.Errorf("valid file does not encode: %v", err)
			}
		}
		checkAuthority([]*File{file})
	})
}

// FuzzLoad checks Load over whole repositories, written as txtar archives
// whose file names may end in "@link" (a symbolic link to the file's
// content) or "@irregular" (a submodule): Load never panics, never opens,
// stats or lists a path through a link or a submodule, reads no file past
// its bound (policy.limits.file_bytes for zone files), keeps no more than
// policy.limits.records_per_file records of a file, and gives every error
// a file, and a line unless the error is about an entry that is not a
// file at all. Those are the time and memory bounds: reading and parsing
// are linear in what is read, and what aliases stand for is bounded by
// the record limit (TestParseFileLimits bounds the bytes allocated).
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`-- zoneward.yaml --
provider: {type: zonefile}
company: {admins: ['@carol']}
policy: {limits: {file_bytes: 4096, records_per_file: 20, records_per_zone: 30}}
-- .github/CODEOWNERS --
/zones/acme.dev/alice.yaml @alice
-- zones/acme.dev.yaml --
www: {type: A, value: 192.0.2.1}
eu: {type: NS, value: ns1.example.net.}
-- zones/eu.acme.dev.yaml --
'': {type: TXT, value: hi}
-- zones/acme.dev/alice.yaml --
r: &r {type: A, values: [192.0.2.1, 192.0.2.2, 192.0.2.3]}
a: *r
b: *r
c: *r
d: *r
e: *r
f: *r
g: *r
-- zones/acme.dev/mallory.yaml@link --
../../zoneward.yaml
-- README.md@link --
/proc/self/environ
-- vendor/sub@irregular --
`))
	f.Add([]byte("-- zoneward.yaml --\nprovider: {type: zonefile}\n-- zones/x.example.yaml --\nx: &a [*a]\ny: " + strings.Repeat("[", 20000) + "\n---\nz: 1\n"))
	f.Add([]byte("-- zoneward.yaml@link --\nzones/a.yaml\n-- zones/a.yaml --\n'': {type: A, value: 192.0.2.1}\n-- .github@link --\ndocs\n-- docs/CODEOWNERS --\n* @x\n-- zones@irregular --\n"))
	f.Fuzz(func(t *testing.T, archive []byte) {
		m := fstest.MapFS{}
		for _, file := range txtar.Parse(archive).Files {
			name, mode := file.Name, fs.FileMode(0)
			if n, ok := strings.CutSuffix(name, "@link"); ok {
				name, mode = n, fs.ModeSymlink
			} else if n, ok := strings.CutSuffix(name, "@irregular"); ok {
				name, mode = n, fs.ModeIrregular
			}
			if !fs.ValidPath(name) || name == "." {
				continue
			}
			m[name] = &fstest.MapFile{Data: file.Data, Mode: mode}
		}
		// A MapFS with a file under another file is not a tree.
		for name := range m {
			for d := path.Dir(name); d != "."; d = path.Dir(d) {
				if m[d] != nil && !m[d].Mode.IsDir() {
					t.Skip("not a tree")
				}
			}
		}
		spy := newSpy(t, m)
		r, err := Load(spy, LoadOptions{})
		if err != nil {
			return // a tree MapFS cannot list; nothing was trusted
		}
		tr, err := walkTree(m)
		if err != nil {
			t.Fatal(err)
		}
		limits := r.Config.Policy.Limits.orDefault()
		for _, e := range r.Errs {
			if e.File == "" {
				t.Errorf("error without a file: %v", e)
			}
			if e.Line == 0 && tr.regular(e.File) && e.File != ConfigFile {
				t.Errorf("error without a line in a file: %v", e)
			}
		}
		for p, n := range spy.bytes {
			bound := limits.FileBytes + 1
			switch p {
			case ConfigFile:
				bound = configBytes + 1
			case ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS":
				bound = codeownersBytes
			}
			if n > bound {
				t.Errorf("read %d bytes of %s, more than its bound %d", n, p, bound)
			}
		}
		for _, file := range r.Files {
			if len(file.Records) > limits.RecordsPerFile {
				t.Errorf("%s: %d records, more than records_per_file %d", file.Path, len(file.Records), limits.RecordsPerFile)
			}
		}
	})
}
