package schema

import (
	"io/fs"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

func TestCheckTree(t *testing.T) {
	fsys := fstest.MapFS{
		ConfigFile:                  {Data: []byte("provider: {type: zonefile}\n")},
		"README.md":                 {Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink},
		"zones/acme.dev.yaml":       {Data: []byte("")},
		"zones/acme.dev/alice.yaml": {Data: []byte("../../../proc/self/environ"), Mode: fs.ModeSymlink},
		"vendor/lib":                {Mode: fs.ModeIrregular},
		"dev/null":                  {Mode: fs.ModeDevice | fs.ModeCharDevice},
		"run/fifo":                  {Mode: fs.ModeNamedPipe},
		"run/sock":                  {Mode: fs.ModeSocket},
		"docs/ok.md":                {Data: []byte("fine")},
		// The working tree's own repository is not part of any commit.
		".git/hooks/pre-commit": {Data: []byte("/bin/true"), Mode: fs.ModeSymlink},
	}
	errs, err := CheckTree(fsys)
	if err != nil {
		t.Fatal(err)
	}
	errs.Sort()
	const tail = "; zoneward reads only regular files, and a pull request may not add one: replace it with the file itself, or remove it"
	want := []string{
		"README.md: a symbolic link" + tail,
		"dev/null: a device" + tail,
		"run/fifo: a named pipe" + tail,
		"run/sock: a socket" + tail,
		"vendor/lib: a submodule or other irregular entry (not a file)" + tail,
		"zones/acme.dev/alice.yaml: a symbolic link" + tail,
	}
	if got := errStrings(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// spyFS is a MapFS that records what is read, and fails the test when a
// path at or below one of links is opened or stat'ed: a reader that did
// so would follow the link.
type spyFS struct {
	t     *testing.T
	m     fstest.MapFS
	links []string

	mu    sync.Mutex
	bytes map[string]int // bytes read, by path
}

func newSpy(t *testing.T, m fstest.MapFS) *spyFS {
	s := &spyFS{t: t, m: m, bytes: map[string]int{}}
	for p, f := range m {
		if f.Mode&fs.ModeSymlink != 0 || f.Mode&fs.ModeIrregular != 0 {
			s.links = append(s.links, p)
		}
	}
	return s
}

func (s *spyFS) check(op, name string) {
	for _, l := range s.links {
		if name == l || strings.HasPrefix(name, l+"/") {
			s.t.Errorf("%s %s: follows the link or irregular entry %s", op, name, l)
		}
	}
}

func (s *spyFS) Open(name string) (fs.File, error) {
	s.check("open", name)
	f, err := s.m.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingFile{File: f, spy: s, name: name}, nil
}

func (s *spyFS) Stat(name string) (fs.FileInfo, error) {
	s.check("stat", name)
	return s.m.Stat(name)
}

func (s *spyFS) ReadDir(name string) ([]fs.DirEntry, error) {
	s.check("readdir", name)
	return s.m.ReadDir(name)
}

func (s *spyFS) read(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes[name]
}

type countingFile struct {
	fs.File
	spy  *spyFS
	name string
}

func (f *countingFile) Read(b []byte) (int, error) {
	n, err := f.File.Read(b)
	f.spy.mu.Lock()
	f.spy.bytes[f.name] += n
	f.spy.mu.Unlock()
	return n, err
}

func TestLoadNeverFollowsLinks(t *testing.T) {
	secret := "CLOUDFLARE_API_TOKEN=sk_live_secret"
	m := fstest.MapFS{
		"secret/environ":              {Data: []byte(secret)},
		ConfigFile:                    {Data: []byte("company: {admins: ['@carol']}\n")},
		".github/CODEOWNERS":          {Data: []byte("/zones/acme.dev/alice.yaml @alice\n")},
		"CODEOWNERS":                  {Data: []byte("secret/CODEOWNERS"), Mode: fs.ModeSymlink},
		"zones/acme.dev.yaml":         {Data: []byte("www: {type: A, value: 192.0.2.1}\n")},
		"zones/acme.dev/alice.yaml":   {Data: []byte("'': {type: A, value: 192.0.2.2}\n")},
		"zones/acme.dev/mallory.yaml": {Data: []byte("../../secret/environ"), Mode: fs.ModeSymlink},
		"zones/example.com.yaml":      {Data: []byte("../secret"), Mode: fs.ModeSymlink},
		"zones/sub":                   {Mode: fs.ModeIrregular},
	}
	spy := newSpy(t, m)
	r, err := Load(spy, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Errs {
		if strings.Contains(e.Error(), "sk_live") {
			t.Errorf("a link's target leaked into %v", e)
		}
	}
	// .github/CODEOWNERS is the one GitHub uses; the link at the root,
	// after it, is only reported.
	if r.Owners == nil || r.Owners.Path != ".github/CODEOWNERS" {
		t.Errorf("CODEOWNERS = %+v, want .github/CODEOWNERS", r.Owners)
	}
	mallory := r.File("zones/acme.dev/mallory.yaml")
	if mallory == nil || mallory.Zone != "acme.dev." || len(mallory.Records) != 0 || mallory.Valid() {
		t.Fatalf("the linked subtree file: %+v; want it listed, invalid and empty", mallory)
	}
	if got := errStrings(mallory.Errs); len(got) != 1 || got[0] != "zones/acme.dev/mallory.yaml: a symbolic link; zoneward reads only regular files, and a pull request may not add one: replace it with the file itself, or remove it" {
		t.Errorf("its errors: %q", got)
	}
	if r.File("zones/example.com.yaml") == nil {
		t.Errorf("the linked zone file is not listed")
	}
	for _, p := range []string{"CODEOWNERS", "zones/sub"} {
		if len(r.Errs.InFile(p)) != 1 {
			t.Errorf("errors at %s: %v, want one", p, r.Errs.InFile(p))
		}
	}
	if alice := r.File("zones/acme.dev/alice.yaml"); alice == nil || len(alice.Records) != 1 {
		t.Errorf("the regular subtree file was not read: %+v", alice)
	}
}

// TestLoadRefusesLinkedEssentials: when zoneward.yaml or the CODEOWNERS
// GitHub would use (or a directory on the way) is a link, nothing can be
// decided, and reading on would fail open (no grants: every tenant
// revoked). Load refuses the repository, naming the entry.
func TestLoadRefusesLinkedEssentials(t *testing.T) {
	base := func() fstest.MapFS {
		return fstest.MapFS{
			"secret/zoneward.yaml":      {Data: []byte("company: {admins: ['@mallory']}\n")},
			"secret/CODEOWNERS":         {Data: []byte("* @mallory\n")},
			ConfigFile:                  {Data: []byte("company: {admins: ['@carol']}\n")},
			"docs/CODEOWNERS":           {Data: []byte("/zones/acme.dev/alice.yaml @alice\n")},
			"zones/acme.dev/alice.yaml": {Data: []byte("'': {type: A, value: 192.0.2.2}\n")},
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(fstest.MapFS)
		entry string
	}{
		{"zoneward.yaml", func(m fstest.MapFS) {
			m[ConfigFile] = &fstest.MapFile{Data: []byte("secret/zoneward.yaml"), Mode: fs.ModeSymlink}
		}, `"zoneward.yaml" is a symbolic link`},
		{".github", func(m fstest.MapFS) {
			m[".github"] = &fstest.MapFile{Data: []byte("secret"), Mode: fs.ModeSymlink}
		}, `".github" is a symbolic link`},
		{"root CODEOWNERS", func(m fstest.MapFS) {
			m["CODEOWNERS"] = &fstest.MapFile{Data: []byte("secret/CODEOWNERS"), Mode: fs.ModeSymlink}
		}, `"CODEOWNERS" is a symbolic link`},
		{"docs as a submodule", func(m fstest.MapFS) {
			delete(m, "docs/CODEOWNERS")
			m["docs"] = &fstest.MapFile{Mode: fs.ModeIrregular}
		}, `"docs" is a submodule`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			_, err := Load(newSpy(t, m), LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.entry) {
				t.Fatalf("Load err = %v, want a refusal naming %s", err, tc.entry)
			}
		})
	}
}

// lyingSpy claims that every file is small, as a working tree that grows
// under the reader would.
type lyingSpy struct{ *spyFS }

func (l lyingSpy) Stat(name string) (fs.FileInfo, error) {
	fi, err := l.spyFS.Stat(name)
	if err != nil || fi.IsDir() {
		return fi, err
	}
	return smallInfo{fi}, nil
}

type smallInfo struct{ fs.FileInfo }

func (smallInfo) Size() int64 { return 10 }

func TestLoadBoundedReads(t *testing.T) {
	big := strings.Repeat("# padding\n", 200_000) // 2 MB
	m := fstest.MapFS{
		ConfigFile:               {Data: []byte("provider: {type: zonefile}\npolicy: {limits: {file_bytes: 1000}}\n")},
		"zones/acme.dev.yaml":    {Data: []byte("www: {type: A, value: 192.0.2.1}\n")},
		"zones/big.example.yaml": {Data: []byte(big)},
	}
	for _, tc := range []struct {
		name string
		fsys func(*spyFS) fs.FS
		want string
		read int // most bytes read of the big file
	}{
		{"size known", func(s *spyFS) fs.FS { return s }, "zones/big.example.yaml:1:1: the file is 2000000 bytes, more than policy.limits.file_bytes (1000) allows; split it into subtree files", 0},
		{"size understated", func(s *spyFS) fs.FS { return lyingSpy{s} }, "zones/big.example.yaml:1:1: the file is 1001 bytes, more than policy.limits.file_bytes (1000) allows; split it into subtree files", 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spy := newSpy(t, m)
			r, err := Load(tc.fsys(spy), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := errStrings(r.Errs); len(got) != 1 || got[0] != tc.want {
				t.Errorf("errors: %q\nwant: %q", got, tc.want)
			}
			if n := spy.read("zones/big.example.yaml"); n > tc.read {
				t.Errorf("read %d bytes of the big file, want at most %d", n, tc.read)
			}
			if f := r.File("zones/acme.dev.yaml"); f == nil || len(f.Records) != 1 {
				t.Errorf("the other file: %+v", f)
			}
		})
	}
}

func TestLoadBoundedConfigAndCodeowners(t *testing.T) {
	m := fstest.MapFS{
		ConfigFile:           {Data: []byte("provider: {type: zonefile}\n# " + strings.Repeat("x", configBytes) + "\n")},
		".github/CODEOWNERS": {Data: []byte("/zones/a.yaml @alice\n")},
		"zones/a.yaml":       {Data: []byte("")},
	}
	r, err := Load(m, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"zoneward.yaml:1:1: zoneward.yaml is 1048606 bytes, more than the 1048576 zoneward reads"}
	if got := errStrings(r.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A CODEOWNERS GitHub would not load grants nothing, which would
	// revoke every file: the repository is refused instead.
	m[".github/CODEOWNERS"] = &fstest.MapFile{Data: []byte(strings.Repeat("/zones/a.yaml @alice\n", codeownersBytes/20+1))}
	spy := newSpy(t, m)
	if _, err := Load(spy, LoadOptions{}); err == nil || !strings.Contains(err.Error(), ".github/CODEOWNERS is 3150021 bytes; GitHub loads CODEOWNERS only under 3 MB, so it would grant nothing and revoke every file") {
		t.Errorf("Load of an oversized CODEOWNERS: %v", err)
	}
	if n := spy.read(".github/CODEOWNERS"); n > codeownersBytes {
		t.Errorf("read %d bytes of it", n)
	}
}

func TestLoadRecordsPerZone(t *testing.T) {
	m := fstest.MapFS{
		ConfigFile:                  {Data: []byte("provider: {type: zonefile}\npolicy: {limits: {records_per_zone: 5}}\n")},
		"zones/acme.dev.yaml":       {Data: []byte("www: {type: A, values: [192.0.2.1, 192.0.2.2, 192.0.2.3]}\n")},
		"zones/acme.dev/alice.yaml": {Data: []byte("'': {type: A, values: [192.0.2.4, 192.0.2.5]}\n")},
		"zones/acme.dev/bob.yaml":   {Data: []byte("'': {type: A, value: 192.0.2.6}\n")},
		"zones/other.example.yaml":  {Data: []byte("www: {type: A, values: [192.0.2.1, 192.0.2.2, 192.0.2.3]}\n")},
	}
	r, err := Load(m, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`zones/acme.dev/bob.yaml:1:1: zone "acme.dev" holds 6 records with this file's 1, more than policy.limits.records_per_zone (5); move names to another zone or ask the Company to raise the limit`}
	if got := errStrings(r.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The provider's own limit applies when it is the smaller one.
	r, err = Load(m, LoadOptions{ProviderLimits: func(p ProviderConfig) RecordLimits {
		if p.Type != "zonefile" {
			t.Errorf("limits asked for provider %q", p.Type)
		}
		return RecordLimits{RecordsPerZone: 2}
	}})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		`zones/acme.dev.yaml:1:1: zone "acme.dev" holds 3 records with this file's 3, more than the most the zonefile provider holds in one zone (2); move names to another zone or ask the Company to raise the limit`,
		`zones/other.example.yaml:1:1: zone "other.example" holds 3 records with this file's 3, more than the most the zonefile provider holds in one zone (2); move names to another zone or ask the Company to raise the limit`,
	}
	if got := errStrings(r.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadBoundedStopsAtLimit reads through a file that never ends.
func TestReadBoundedStopsAtLimit(t *testing.T) {
	_, size, err := readBounded(endlessFS{}, "zones/x.yaml", 4096)
	if err != errTooBig || size != 4097 {
		t.Errorf("readBounded = %d, %v; want 4097, errTooBig", size, err)
	}
}

type endlessFS struct{}

func (endlessFS) Open(name string) (fs.File, error) { return endless{}, nil }

type endless struct{}

func (endless) Stat() (fs.FileInfo, error) { return endlessInfo{}, nil }
func (endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = '#'
	}
	return len(b), nil
}
func (endless) Close() error { return nil }

type endlessInfo struct{}

func (endlessInfo) Name() string       { return "x.yaml" }
func (endlessInfo) Size() int64        { return 0 }
func (endlessInfo) Mode() fs.FileMode  { return 0o644 }
func (endlessInfo) ModTime() time.Time { return time.Time{} }
func (endlessInfo) IsDir() bool        { return false }
func (endlessInfo) Sys() any           { return nil }

func TestLoadHoldsZoneBehindALink(t *testing.T) {
	m := fstest.MapFS{
		ConfigFile:                 {Data: []byte("provider: {type: zonefile}\n")},
		"zones/acme.dev.yaml":      {Data: []byte("www: {type: A, value: 192.0.2.1}\n")},
		"zones/acme.dev":           {Data: []byte("/tmp/elsewhere"), Mode: fs.ModeSymlink},
		"zones/example.com.yaml":   {Data: []byte("www: {type: A, value: 192.0.2.2}\n")},
		"zones/example.com/x.txt":  {Data: []byte("notes")},
		"zones/example.com/sub":    {Mode: fs.ModeIrregular},
		"zones/other.example.yaml": {Data: []byte("")},
	}
	r, err := Load(newSpy(t, m), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"zones/acme.dev.yaml":    `zones/acme.dev.yaml:1:1: "zones/acme.dev" is a symbolic link, so the files under it cannot be read; the zone is held back until it is a directory of regular files again`,
		"zones/example.com.yaml": `zones/example.com.yaml:1:1: "zones/example.com/sub" is a submodule or other irregular entry (not a file), so the files under it cannot be read; the zone is held back until it is a directory of regular files again`,
	} {
		if got := errStrings(r.File(path).Errs); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %q\nwant %q", path, got, want)
		}
	}
	if !r.File("zones/other.example.yaml").Valid() {
		t.Errorf("an unrelated zone is held back")
	}
}

func TestLoadLimitsOverride(t *testing.T) {
	m := fstest.MapFS{
		ConfigFile:            {Data: []byte("provider: {type: zonefile}\npolicy: {limits: {records_per_file: 1000000}}\n")},
		"zones/acme.dev.yaml": {Data: []byte("www: {type: A, values: [192.0.2.1, 192.0.2.2, 192.0.2.3]}\n")},
	}
	r, err := Load(m, LoadOptions{Limits: &Limits{RecordsPerFile: 2}})
	if err != nil {
		t.Fatal(err)
	}
	want := "zones/acme.dev.yaml:1:47: more than 2 records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files"
	if got := errStrings(r.Errs); len(got) != 1 || got[0] != want {
		t.Errorf("errors %q\nwant %q", got, want)
	}
}

func TestLoadConfigDirectory(t *testing.T) {
	r, err := Load(fstest.MapFS{ConfigFile + "/x": {Data: []byte("provider: {type: zonefile}\n")}}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := errStrings(r.Errs); len(got) != 1 || got[0] != "zoneward.yaml: zoneward.yaml is a directory; it must be the Company's configuration file" {
		t.Errorf("errors %q", got)
	}
}
