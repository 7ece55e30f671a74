package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ZonesDir is the directory of zone and subtree files.
const ZonesDir = "zones"

// Repo is a whole zones repository at one revision.
type Repo struct {
	Config Config
	Owners *Codeowners // nil when the repository has no CODEOWNERS file
	Files  []*File     // every zone and subtree file, sorted by path
	Errs   ErrorList   // every problem found, across all files, sorted
}

// File returns the file at path p, or nil.
func (r *Repo) File(p string) *File {
	i := sort.Search(len(r.Files), func(i int) bool { return r.Files[i].Path >= p })
	if i < len(r.Files) && r.Files[i].Path == p {
		return r.Files[i]
	}
	return nil
}

// Zones returns the names of every zone that has a zone file, sorted.
func (r *Repo) Zones() []string {
	var zs []string
	for _, f := range r.Files {
		if !f.Subtree() {
			zs = append(zs, f.Zone)
		}
	}
	sort.Strings(zs)
	return zs
}

// ZoneFiles returns the zone file and subtree files of zone, zone file first.
func (r *Repo) ZoneFiles(zone string) []*File {
	var out []*File
	for _, f := range r.Files {
		if f.Zone == zone {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Subtree() && out[j].Subtree() })
	return out
}

// LoadOptions tune Load.
type LoadOptions struct {
	// ProviderTypes returns the record types the named provider can hold,
	// or nil when the provider is unknown. A file using a type outside it
	// is an error naming the provider. Nil means every type is allowed.
	ProviderTypes func(provider string) []string
	// Zones, when not nil, selects the zones whose files are parsed. The
	// files of other zones are listed, with their paths, zones and
	// origins (what grants and authority need), and marked Skipped; their
	// contents are not read. Incremental runs use it to parse only what a
	// change affects.
	Zones func(zone string) bool
}

// Load reads the zones repository in fsys: zoneward.yaml at its root,
// CODEOWNERS where GitHub looks for it, and every file under zones/.
// The returned error is only for a repository that cannot be read;
// problems in its contents are collected in Repo.Errs, and each File
// carries its own in File.Errs.
func Load(fsys fs.FS, opts LoadOptions) (*Repo, error) {
	r := &Repo{}
	data, err := fs.ReadFile(fsys, ConfigFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Config = DefaultConfig()
		r.Errs.Add(Pos{File: ConfigFile}, "no zoneward.yaml at the repository root; is --repo the zones repository?")
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", ConfigFile, err)
	default:
		var errs ErrorList
		r.Config, errs = ParseConfig(data)
		r.Errs = append(r.Errs, errs...)
	}

	owners, err := LoadCodeowners(fsys)
	if err != nil {
		return nil, err
	}
	if owners != nil {
		r.Owners = owners
		r.Errs = append(r.Errs, owners.Errs...)
	}

	popts := ParseOptions{Policy: r.Config.Policy, Provider: r.Config.Provider.Type}
	if opts.ProviderTypes != nil {
		popts.ProviderTypes = opts.ProviderTypes(r.Config.Provider.Type)
		if popts.ProviderTypes == nil {
			r.Errs.Add(Pos{File: ConfigFile, Line: 1}, "unknown provider type %q (use zonefile or cloudflare)", r.Config.Provider.Type)
		}
	}
	paths, err := zonePaths(fsys)
	if err != nil {
		return nil, err
	}
	var parse []string
	var skipped []*File
	for _, p := range paths {
		if opts.Zones != nil {
			if zone, origin, err := ParsePath(p); err == nil && !opts.Zones(zone) {
				skipped = append(skipped, &File{Path: p, Zone: zone, Origin: origin, Skipped: true})
				continue
			}
		}
		parse = append(parse, p)
	}
	r.Files, err = parseFiles(fsys, parse, popts)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		r.Files = append(r.Files, skipped...)
		sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
	}
	checkAuthority(r.Files)
	checkRisk(r.Config, r.Files)
	for _, f := range r.Files {
		f.Errs.Sort()
		r.Errs = append(r.Errs, f.Errs...)
	}
	r.Errs.Sort()
	return r, nil
}

// parseFiles reads and parses the files at paths, returning them in the
// same order. Parsing is CPU-bound and files are independent, so it runs on
// GOMAXPROCS workers (as gopls bounds its parse cache): on two cores, Load
// of 10,000 zones takes about half the wall time of parsing one file after
// another. Results are stored by index, so the output and the error
// returned (that of the first unreadable path in order, as a sequential
// loop would give) do not depend on scheduling. No goroutine outlives the
// call.
func parseFiles(fsys fs.FS, paths []string, opts ParseOptions) ([]*File, error) {
	if len(paths) == 0 {
		return nil, nil // as before: a repository without zones has nil Files
	}
	files := make([]*File, len(paths))
	errs := make([]error, len(paths))
	var (
		next   atomic.Int64 // index of the next path to take
		failed atomic.Bool  // a read failed: take no more paths
		wg     sync.WaitGroup
	)
	work := func() {
		for !failed.Load() {
			i := int(next.Add(1) - 1)
			if i >= len(paths) {
				return
			}
			data, err := fs.ReadFile(fsys, paths[i])
			if err != nil {
				// Paths are taken in order, so every path before i
				// has been taken and will finish: the first error by
				// index is the one a sequential loop would return.
				errs[i] = fmt.Errorf("reading %s: %w", paths[i], err)
				failed.Store(true)
				return
			}
			files[i] = ParseFile(paths[i], data, opts)
		}
	}
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(work)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// zonePaths lists the YAML files under zones/, sorted. Other files there
// are ignored except that misplaced YAML (too deep) is still returned, so
// that ParseFile can say why it is misplaced.
func zonePaths(fsys fs.FS) ([]string, error) {
	var paths []string
	err := fs.WalkDir(fsys, ZonesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == ZonesDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s/: %w", ZonesDir, err)
	}
	sort.Strings(paths)
	return paths, nil
}

// ZoneFilePath returns the path of zone's zone file; zone may be written
// with or without its trailing dot.
func ZoneFilePath(zone string) string {
	return path.Join(ZonesDir, strings.TrimSuffix(zone, ".")+".yaml")
}
