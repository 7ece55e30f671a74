package schema

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// ParseCache keeps parsed files between loads, so that a long-lived
// process (the daemon, which plans the whole repository on every sweep)
// parses only the files that changed. yaml.v3 and the canonicalisation of
// values are most of what a load costs; reading the files and hashing them
// is a small part of it.
//
// A file is found by its path, its content (SHA-256) and the options it
// was parsed under (policy, provider types and limits): any change to one
// of them parses it again. The cache holds at most one entry per path of
// the repository last loaded, so it grows no larger than the repository.
//
// A ParseCache is safe for concurrent use; its zero value is ready.
type ParseCache struct {
	mu    sync.Mutex
	files map[string]cached // by path
	hits  int
}

type cached struct {
	sum  [sha256.Size]byte
	opts string // fingerprint of the ParseOptions
	file *File  // as ParseFile returned it, before any check across files
}

// Hits reports how many files loads have found in the cache so far.
func (c *ParseCache) Hits() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// optionsKey fingerprints what ParseFile's result depends on besides the
// path and the content. ParseOptions is data (values, slices, maps, and
// pointers to values such as Policy.EscapedSemicolons), which JSON writes
// by value, maps in key order; a pointer's address never enters the key.
func optionsKey(opts ParseOptions) string {
	b, err := json.Marshal(opts)
	if err != nil {
		// Unreachable for plain data; a key nothing matches is safe.
		return fmt.Sprintf("unkeyed %p", &opts)
	}
	return string(b)
}

// parse returns ParseFile(path, data, opts), from the cache when it holds
// the same file parsed under the same options. The File returned is the
// caller's: Load adds the errors of checks across files to it, so a cached
// File is copied, with its own Errs.
func (c *ParseCache) parse(path string, data []byte, opts ParseOptions, key string) *File {
	sum := sha256.Sum256(data)
	c.mu.Lock()
	e, ok := c.files[path]
	if ok && e.sum == sum && e.opts == key {
		c.hits++
		c.mu.Unlock()
		return e.file.clone()
	}
	c.mu.Unlock()
	f := ParseFile(path, data, opts)
	c.mu.Lock()
	if c.files == nil {
		c.files = map[string]cached{}
	}
	c.files[path] = cached{sum: sum, opts: key, file: f.clone()}
	c.mu.Unlock()
	return f
}

// retain drops the entries of paths the repository no longer has.
func (c *ParseCache) retain(files []*File) {
	keep := make(map[string]bool, len(files))
	for _, f := range files {
		keep[f.Path] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.files {
		if !keep[p] {
			delete(c.files, p)
		}
	}
}

// clone copies f so that errors added to the copy do not reach f. Records,
// warnings and the rest are only ever read after parsing, and are shared.
func (f *File) clone() *File {
	g := *f
	g.Errs = slices.Clone(f.Errs)
	return &g
}
