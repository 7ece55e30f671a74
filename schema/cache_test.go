package schema

import (
	"reflect"
	"testing"
	"testing/fstest"
)

// TestParseCache: a second load through the cache finds every unchanged
// file, gives what a load without it gives, parses again what changed
// (content or options), never carries one load's errors into the next,
// and forgets paths the repository no longer has.
func TestParseCache(t *testing.T) {
	m := fstest.MapFS{
		ConfigFile:                  {Data: []byte("company: {files: ['zones/acme.dev.yaml']}\n")},
		".github/CODEOWNERS":        {Data: []byte("/zones/acme.dev/alice.yaml @alice\n")},
		"zones/acme.dev.yaml":       {Data: []byte("www: {type: A, value: 192.0.2.1}\n")},
		"zones/acme.dev/alice.yaml": {Data: []byte("'': {type: A, value: 192.0.2.2}\n")},
		// A file whose error comes from a check across files (its zone
		// file is missing): added to the file after parsing.
		"zones/example.org/bob.yaml": {Data: []byte("'': {type: A, value: 192.0.2.3}\n")},
	}
	var c ParseCache
	load := func() *Repo {
		t.Helper()
		r, err := Load(m, LoadOptions{Cache: &c})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := load()
	second := load()
	if got := c.Hits(); got != 3 {
		t.Errorf("second load found %d files in the cache, want all 3", got)
	}
	uncached, err := Load(m, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Repo{first, second} {
		if !reflect.DeepEqual(r.Files, uncached.Files) || !reflect.DeepEqual(r.Errs, uncached.Errs) {
			t.Fatalf("a load through the cache differs from one without:\n%+v\n%+v", r.Files, uncached.Files)
		}
	}
	if n := len(second.File("zones/example.org/bob.yaml").Errs); n != 1 {
		t.Errorf("bob's file has %d errors after two loads, want its one (errors of one load leaked into the cache)", n)
	}

	// A changed file is parsed again; the others still come from the cache.
	m["zones/acme.dev/alice.yaml"] = &fstest.MapFile{Data: []byte("'': {type: A, value: 192.0.2.22}\n")}
	r := load()
	if got := r.File("zones/acme.dev/alice.yaml").Records[0].Value; got != "192.0.2.22" {
		t.Errorf("alice's changed file read from the cache: %s", got)
	}
	if got := c.Hits(); got != 3+2 {
		t.Errorf("hits = %d, want 5 (the two unchanged files)", got)
	}

	// Other options parse every file again: here a new default TTL.
	m[ConfigFile] = &fstest.MapFile{Data: []byte("company: {files: ['zones/acme.dev.yaml']}\npolicy: {ttl: {default: 600}}\n")}
	r = load()
	if got := r.File("zones/acme.dev.yaml").Records[0].TTL; got != 600 {
		t.Errorf("TTL = %d after policy.ttl.default changed, want 600 (parsed under the old options)", got)
	}
	if got := c.Hits(); got != 5 {
		t.Errorf("hits = %d: a file was reused under other options", got)
	}

	// Options that hold pointers key by value, not by address: a cache
	// hit needs only the same settings.
	m[ConfigFile] = &fstest.MapFile{Data: []byte("company: {files: ['zones/acme.dev.yaml']}\npolicy: {escaped_semicolons: false}\n")}
	load()
	hits := c.Hits()
	load()
	if got := c.Hits(); got != hits+3 {
		t.Errorf("with escaped_semicolons set, a second load found %d files in the cache, want 3", got-hits)
	}

	// A deleted file leaves the cache.
	delete(m, "zones/example.org/bob.yaml")
	load()
	if _, ok := c.files["zones/example.org/bob.yaml"]; ok {
		t.Errorf("the cache still holds a file the repository no longer has")
	}
}
