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
	// Warnings are every file's warnings (File.Warnings), sorted: what
	// `check` and `plan` show without failing.
	Warnings ErrorList
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
	// ProviderLimits returns the record limits of the provider that
	// zoneward.yaml configures (its plan may change them); a record over
	// them is an error naming the provider. Nil means only the DNS's own
	// limits apply.
	ProviderLimits func(provider ProviderConfig) RecordLimits
	// Limits, when not nil, replaces zoneward.yaml's policy.limits. A
	// pull request's check passes its base revision's: a pull request
	// that raises the limits in zoneward.yaml is refused for that (only a
	// Company admin may change it), but must not make its own check do
	// the work first.
	Limits *Limits
	// Zones, when not nil, selects the zones whose files are parsed. The
	// files of other zones are listed, with their paths, zones and
	// origins (what grants and authority need), and marked Skipped; their
	// contents are not read. Incremental runs use it to parse only what a
	// change affects.
	Zones func(zone string) bool
	// Cache, when not nil, keeps parsed files for the next Load (see
	// ParseCache): a daemon parses only what changed between runs.
	Cache *ParseCache
}

// Load reads the zones repository in fsys: zoneward.yaml at its root,
// CODEOWNERS where GitHub looks for it, and every file under zones/.
// The returned error is only for a repository that cannot be read;
// problems in its contents are collected in Repo.Errs, and each File
// carries its own in File.Errs.
//
// Everything in fsys may come from a pull request. Load walks the whole
// tree and reports every symbolic link, submodule or other non-regular
// entry (see CheckTree); it reads only regular files, found through the
// directory entries fsys reports, never through a link, and reads each
// one only up to its bound: zone files up to policy.limits.file_bytes,
// zoneward.yaml up to 1 MiB, CODEOWNERS up to GitHub's 3 MB. A zone or
// subtree path that is not a regular file is still listed, with an error
// and no records, so that nothing treats its zone's records as deleted.
func Load(fsys fs.FS, opts LoadOptions) (*Repo, error) {
	t, err := walkTree(fsys)
	if err != nil {
		return nil, err
	}
	if err := t.essentials(); err != nil {
		return nil, err
	}
	r := &Repo{Errs: t.errs}
	_, configSeen := t.types[ConfigFile]
	switch {
	case !configSeen:
		r.Config = DefaultConfig()
		r.Errs.Add(Pos{File: ConfigFile}, "no zoneward.yaml at the repository root; is --repo the zones repository?")
	case t.types[ConfigFile].IsDir():
		r.Config = DefaultConfig()
		r.Errs.Add(Pos{File: ConfigFile}, "zoneward.yaml is a directory; it must be the Company's configuration file")
	case !t.regular(ConfigFile):
		// Reported by the walk; the defaults keep every bound in place.
		r.Config = DefaultConfig()
	default:
		data, size, err := readBounded(fsys, ConfigFile, configBytes)
		switch {
		case errors.Is(err, errTooBig):
			r.Config = DefaultConfig()
			r.Errs.Add(Pos{File: ConfigFile, Line: 1, Col: 1}, "zoneward.yaml is %d bytes, more than the %d zoneward reads", size, configBytes)
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", ConfigFile, err)
		default:
			var errs ErrorList
			r.Config, errs = ParseConfig(data)
			r.Errs = append(r.Errs, errs...)
		}
	}

	owners, err := loadCodeowners(fsys, func(p string) (bool, error) { return t.regular(p), nil })
	if err != nil {
		return nil, err
	}
	if owners != nil {
		r.Owners = owners
		r.Errs = append(r.Errs, owners.Errs...)
	}

	if opts.Limits != nil {
		r.Config.Policy.Limits = *opts.Limits
	}
	popts := ParseOptions{Policy: r.Config.Policy, Provider: r.Config.Provider.Type, ProviderName: r.Config.Provider.ID()}
	if opts.ProviderTypes != nil {
		popts.ProviderTypes = opts.ProviderTypes(r.Config.Provider.Type)
		if popts.ProviderTypes == nil {
			r.Errs.Add(Pos{File: ConfigFile, Line: 1}, "unknown provider type %q (use zonefile, cloudflare or rfc2136)", r.Config.Provider.Type)
		}
	}
	if opts.ProviderLimits != nil {
		popts.RecordLimits = opts.ProviderLimits(r.Config.Provider)
	}
	var parse []string
	var listed []*File // files not parsed: skipped, or not regular
	for _, p := range zonePaths(t) {
		zone, origin, perr := ParsePath(p)
		if !t.regular(p) {
			f := &File{Path: p, Zone: zone, Origin: origin}
			f.Errs.Add(Pos{File: p}, "%s; zoneward reads only regular files, and a pull request may not add one: replace it with the file itself, or remove it", describeEntry(t.types[p]))
			listed = append(listed, f)
			continue
		}
		if opts.Zones != nil && perr == nil && !opts.Zones(zone) {
			listed = append(listed, &File{Path: p, Zone: zone, Origin: origin, Skipped: true})
			continue
		}
		parse = append(parse, p)
	}
	r.Files, err = parseFiles(fsys, parse, popts, opts.Cache)
	if err != nil {
		return nil, err
	}
	if len(listed) > 0 {
		r.Files = append(r.Files, listed...)
		sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
	}
	holdZonesOfIrregularEntries(r, t)
	checkAuthority(r.Files)
	checkRisk(r.Config, r.Files)
	checkZoneSizes(r.Files, r.Config.Policy.Limits.orDefault().RecordsPerZone, popts)
	if opts.Cache != nil {
		opts.Cache.retain(r.Files)
	}
	for _, f := range r.Files {
		f.Errs.Sort()
		r.Errs = append(r.Errs, f.Errs...)
		r.Warnings = append(r.Warnings, f.Warnings...)
	}
	r.Errs.Sort()
	r.Warnings.Sort()
	return r, nil
}

// holdZonesOfIrregularEntries makes the zone file of a zone invalid when
// an entry under zones/ that is not a YAML file path is a link or another
// non-regular entry (zones/acme.dev -> elsewhere): the subtree files behind
// it cannot be read, and a zone missing some of its files must not be
// applied as if they had been deleted.
func holdZonesOfIrregularEntries(r *Repo, t *tree) {
	for _, p := range t.paths {
		typ := t.types[p]
		rest, under := strings.CutPrefix(p, ZonesDir+"/")
		if !under || typ.IsDir() || typ.IsRegular() || r.File(p) != nil {
			continue
		}
		zone, _, _ := strings.Cut(rest, "/")
		zf := r.File(ZoneFilePath(zone))
		if zf == nil || zf.Subtree() {
			continue
		}
		zf.Errs.Add(Pos{File: zf.Path, Line: 1, Col: 1}, "%q is %s, so the files under it cannot be read; the zone is held back until it is a directory of regular files again", p, describeEntry(typ))
	}
}

// checkZoneSizes applies policy.limits.records_per_zone, and the
// provider's own limit when it is smaller, to the zone file and subtree
// files of each zone together, counted in path order (the zone file
// first): the error goes to the file whose records take the zone over,
// which is the file a pull request that grows the zone changes.
func checkZoneSizes(files []*File, policy int, opts ParseOptions) {
	limit, what := policy, "policy.limits.records_per_zone"
	if pl := opts.RecordLimits.RecordsPerZone; pl > 0 && pl < limit {
		limit = pl
		what = "the most the " + opts.Provider + " provider holds in one zone"
	}
	byZone := map[string][]*File{}
	var zones []string
	for _, f := range files {
		if f.Zone == "" || f.Skipped {
			continue
		}
		if byZone[f.Zone] == nil {
			zones = append(zones, f.Zone)
		}
		byZone[f.Zone] = append(byZone[f.Zone], f)
	}
	for _, z := range zones {
		zf := byZone[z]
		sort.SliceStable(zf, func(i, j int) bool { return !zf[i].Subtree() && zf[j].Subtree() })
		n := 0
		for _, f := range zf {
			before := n
			n += len(f.Records)
			if n > limit {
				f.Errs.Add(Pos{File: f.Path, Line: 1, Col: 1}, "zone %q holds %d records with this file's %d, more than %s (%d); move names to another zone or ask the Company to raise the limit", strings.TrimSuffix(z, "."), n, n-before, what, limit)
				break
			}
		}
	}
}

// parseFiles reads and parses the files at paths, returning them in the
// same order. Parsing is CPU-bound and files are independent, so it runs on
// GOMAXPROCS workers (as gopls bounds its parse cache): on two cores, Load
// of 10,000 zones takes about half the wall time of parsing one file after
// another. Results are stored by index, so the output and the error
// returned (that of the first unreadable path in order, as a sequential
// loop would give) do not depend on scheduling. No goroutine outlives the
// call.
func parseFiles(fsys fs.FS, paths []string, opts ParseOptions, cache *ParseCache) ([]*File, error) {
	if len(paths) == 0 {
		return nil, nil // as before: a repository without zones has nil Files
	}
	parse := ParseFile
	if cache != nil {
		key := optionsKey(opts)
		parse = func(path string, data []byte, opts ParseOptions) *File { return cache.parse(path, data, opts, key) }
	}
	limit := opts.Policy.Limits.orDefault().FileBytes
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
			data, size, err := readBounded(fsys, paths[i], limit)
			if errors.Is(err, errTooBig) {
				f := ParseFile(paths[i], nil, opts) // the path's own errors, and its zone
				f.Errs.Add(Pos{File: paths[i], Line: 1, Col: 1}, "the file is %d bytes, more than policy.limits.file_bytes (%d) allows; split it into subtree files", size, limit)
				f.Errs.Sort()
				files[i] = f
				continue
			}
			if err != nil {
				// Paths are taken in order, so every path before i
				// has been taken and will finish: the first error by
				// index is the one a sequential loop would return.
				errs[i] = fmt.Errorf("reading %s: %w", paths[i], err)
				failed.Store(true)
				return
			}
			files[i] = parse(paths[i], data, opts)
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

// zonePaths lists the YAML files the walk found under zones/, sorted.
// Other files there are ignored except that misplaced YAML (too deep) is
// still returned, so that ParseFile can say why it is misplaced.
func zonePaths(t *tree) []string {
	var paths []string
	for _, p := range t.paths {
		if strings.HasPrefix(p, ZonesDir+"/") && isYAMLName(p) && !t.types[p].IsDir() {
			paths = append(paths, p)
		}
	}
	return paths
}

// ZoneFilePath returns the path of zone's zone file; zone may be written
// with or without its trailing dot.
func ZoneFilePath(zone string) string {
	return path.Join(ZonesDir, strings.TrimSuffix(zone, ".")+".yaml")
}
