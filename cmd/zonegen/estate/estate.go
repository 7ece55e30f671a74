// Package estate generates synthetic zones repositories, real Git
// repositories deterministic from a seed, for benchmarks and scale tests.
//
// [Generate] writes zoneward.yaml, .github/CODEOWNERS and the zone and
// subtree files under zones/ (docs/product.md, "The zones repository") into the
// working tree and commits them; [Estate.ChangeOneZone],
// [Estate.RevokeTenant] and [Estate.AddZones] each add one commit on top,
// which gives a benchmark the "one change among 10,000 zones" case.
// Commits have a fixed author and time, so equal options give equal
// commit hashes.
//
// Git objects are written as one pack file per commit, built here, rather
// than through go-git's worktree or the git command: see git.go for why.
package estate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"golang.org/x/sync/errgroup"
)

// Providers Options.Provider may name.
const (
	ProviderZonefile   = "zonefile"
	ProviderCloudflare = "cloudflare"
)

// Branch is the branch Generate creates and commits on.
const Branch = "main"

// Options describe the estate to generate. The zero value of each field
// means its default.
type Options struct {
	Zones   int // tenant zones, each one zone file owned by one tenant
	Records int // record values per zone file (default 20)
	Tenants int // tenants sharing the zones (default Zones/5, at least 1)
	Seed    int64

	// CompanyZones are Company-run zones, in addition to Zones, listed
	// in company.files. Each gets Subtrees tenant subtree files
	// zones/<zone>/<label>.yaml (default 3, at most Tenants).
	CompanyZones int
	Subtrees     int

	// RevokedTenants tenants, chosen from the seed, have their
	// CODEOWNERS lines replaced by comments, so their files are revoked.
	RevokedTenants int

	// Provider is ProviderZonefile (default) or ProviderCloudflare,
	// which writes AccountID and, when set, BaseURL into zoneward.yaml.
	Provider  string
	AccountID string
	BaseURL   string
	// ProviderExtra is YAML appended to the provider block as it is, each
	// line indented by two spaces (e.g. "rate: {requests: 500, per: 1s}\n"),
	// so benchmarks can tune the provider in every commit of the estate.
	ProviderExtra string
}

func (o Options) normalize() (Options, error) {
	if o.Records == 0 {
		o.Records = 20
	}
	if o.Tenants == 0 {
		o.Tenants = max(1, o.Zones/5)
	}
	if o.Subtrees == 0 {
		o.Subtrees = 3
	}
	o.Subtrees = min(o.Subtrees, o.Tenants)
	if o.Provider == "" {
		o.Provider = ProviderZonefile
	}
	if o.Provider == ProviderCloudflare && o.AccountID == "" {
		o.AccountID = "0123456789abcdef0123456789abcdef"
	}
	switch {
	case o.Zones < 0 || o.Records < 0 || o.Tenants < 0 || o.CompanyZones < 0 || o.Subtrees < 0 || o.RevokedTenants < 0:
		return o, errors.New("estate: counts must not be negative")
	case o.RevokedTenants > o.Tenants:
		return o, fmt.Errorf("estate: %d revoked tenants but only %d tenants", o.RevokedTenants, o.Tenants)
	case o.Provider != ProviderZonefile && o.Provider != ProviderCloudflare:
		return o, fmt.Errorf("estate: unknown provider %q (use zonefile or cloudflare)", o.Provider)
	}
	return o, nil
}

// File is one zone or subtree file of an estate.
type File struct {
	Path    string // "zones/t00042-shop.com.yaml", "zones/c0001-acme.dev/tenant0003.yaml"
	Zone    string // "t00042-shop.com"
	Origin  string // the name the file speaks for: Zone, or "<label>.<Zone>"
	Tenant  int    // owning tenant, 1-based (see [Login]); 0 for a Company-run zone file
	Records int    // record values, as schema counts them (one per value)
}

// Estate is a generated zones repository. Its methods are not safe for
// concurrent use; each commit method writes the working tree, the index
// and one commit.
type Estate struct {
	Dir string // the repository's working tree

	opts      Options
	zones     []string       // tenant zones, by index
	zoneIndex map[string]int // tenant zone → index
	company   []string       // Company zones, by index
	files     map[string]*File
	revoked   map[int]bool
	versions  map[int]int // tenant zone index → changes committed by ChangeOneZone

	blobs   map[string]plumbing.Hash // path → blob at HEAD
	written map[plumbing.Hash]bool   // objects already in the repository
	index   map[string]index.Entry
	commits []plumbing.Hash
	repo    *git.Repository
}

// Generate writes a new estate into dir, which must not exist or be
// empty, and commits it on branch main. The caller removes dir when done.
func Generate(dir string, o Options) (*Estate, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(Branch)},
	})
	if err != nil {
		return nil, fmt.Errorf("estate: initialising %s: %w", dir, err)
	}
	e := &Estate{
		Dir:       dir,
		opts:      o,
		files:     map[string]*File{},
		revoked:   map[int]bool{},
		versions:  map[int]int{},
		zoneIndex: map[string]int{},
		blobs:     map[string]plumbing.Hash{},
		written:   map[plumbing.Hash]bool{},
		index:     map[string]index.Entry{},
		repo:      repo,
	}

	// Tenants are dealt round-robin and shuffled, so each owns
	// Zones/Tenants zones (±1) and every tenant has at least one when
	// Zones ≥ Tenants: revoking one always revokes something.
	owner := make([]int, o.Zones)
	for i := range owner {
		owner[i] = 1 + i%o.Tenants
	}
	r := newRand(o.Seed, streamTenants, 0)
	r.Shuffle(len(owner), func(i, j int) { owner[i], owner[j] = owner[j], owner[i] })
	for i := range o.Zones {
		e.addTenantZone(i, owner[i])
	}
	for c := range o.CompanyZones {
		zone := companyZoneName(c)
		e.company = append(e.company, zone)
		e.files[zonePath(zone)] = &File{Path: zonePath(zone), Zone: zone, Origin: zone, Records: o.Records}
		perm := newRand(o.Seed, streamSubtree, c).Perm(o.Tenants)
		for j := range o.Subtrees {
			t := perm[j] + 1
			label := subtreeLabel(t, j)
			p := path.Join("zones", zone, label+".yaml")
			e.files[p] = &File{Path: p, Zone: zone, Origin: label + "." + zone, Tenant: t, Records: subtreeRecords}
		}
	}
	for _, i := range newRand(o.Seed, streamRevoked, 0).Perm(o.Tenants)[:o.RevokedTenants] {
		e.revoked[i+1] = true
	}

	paths := []string{configPath, codeownersPath}
	for p := range e.files {
		paths = append(paths, p)
	}
	msg := fmt.Sprintf("zonegen: %d zones, %d Company zones, %d tenants (seed %d)", o.Zones, o.CompanyZones, o.Tenants, o.Seed)
	if err := e.commit(paths, msg); err != nil {
		return nil, err
	}
	return e, nil
}

const (
	configPath     = "zoneward.yaml"
	codeownersPath = ".github/CODEOWNERS"
)

func zonePath(zone string) string { return "zones/" + zone + ".yaml" }

func (e *Estate) addTenantZone(i, tenant int) {
	zone := tenantZoneName(e.opts.Seed, i)
	e.zones = append(e.zones, zone)
	e.zoneIndex[zone] = i
	p := zonePath(zone)
	e.files[p] = &File{Path: p, Zone: zone, Origin: zone, Tenant: tenant, Records: e.opts.Records}
}

func checkEmpty(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err != io.EOF {
		if err == nil {
			return fmt.Errorf("estate: %s is not empty", dir)
		}
		return err
	}
	return nil
}

// Options returns the options the estate was generated with, defaults
// filled in.
func (e *Estate) Options() Options { return e.opts }

// Zones returns the tenant zones in index order (the order ChangeOneZone
// counts in), including those added by AddZones.
func (e *Estate) Zones() []string { return append([]string(nil), e.zones...) }

// CompanyZones returns the Company-run zones.
func (e *Estate) CompanyZones() []string { return append([]string(nil), e.company...) }

// Files returns every zone and subtree file, sorted by path.
func (e *Estate) Files() []File {
	out := make([]File, 0, len(e.files))
	for _, f := range e.files {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Tenant returns the tenant owning the file at path p (0 for a
// Company-run file), and whether p is a zone or subtree file.
func (e *Estate) Tenant(p string) (int, bool) {
	f, ok := e.files[p]
	if !ok {
		return 0, false
	}
	return f.Tenant, true
}

// Revoked returns the revoked tenants, sorted.
func (e *Estate) Revoked() []int {
	var out []int
	for t := range e.revoked {
		out = append(out, t)
	}
	sort.Ints(out)
	return out
}

// Commits returns the commit hashes, oldest first.
func (e *Estate) Commits() []plumbing.Hash { return append([]plumbing.Hash(nil), e.commits...) }

// Head returns the latest commit.
func (e *Estate) Head() plumbing.Hash { return e.commits[len(e.commits)-1] }

// Records returns the number of record values across all files.
func (e *Estate) Records() int {
	n := 0
	for _, f := range e.files {
		n += f.Records
	}
	return n
}

// ChangeOneZone commits a change to one record of tenant zone i (an
// index into Zones): the apex A record gets a new address.
func (e *Estate) ChangeOneZone(i int) error {
	if i < 0 || i >= len(e.zones) {
		return fmt.Errorf("estate: zone %d out of range [0, %d)", i, len(e.zones))
	}
	e.versions[i]++
	return e.commit([]string{zonePath(e.zones[i])}, fmt.Sprintf("zonegen: change the apex A record of %s", e.zones[i]))
}

// RevokeTenant commits a CODEOWNERS without tenant t's lines, which
// revokes every file t owned. A tenant who owns no file (possible only
// when Tenants > Zones) gives a commit with an unchanged tree.
func (e *Estate) RevokeTenant(t int) error {
	if t < 1 || t > e.opts.Tenants {
		return fmt.Errorf("estate: tenant %d out of range [1, %d]", t, e.opts.Tenants)
	}
	if e.revoked[t] {
		return fmt.Errorf("estate: tenant %d is already revoked", t)
	}
	e.revoked[t] = true
	return e.commit([]string{codeownersPath}, fmt.Sprintf("zonegen: revoke %s", Login(t)))
}

// AddZones commits n new tenant zones, each granted in CODEOWNERS to a
// tenant that is not revoked (any tenant, if all are).
func (e *Estate) AddZones(n int) error {
	if n <= 0 {
		return fmt.Errorf("estate: AddZones(%d): n must be positive", n)
	}
	var active []int
	for t := 1; t <= e.opts.Tenants; t++ {
		if !e.revoked[t] {
			active = append(active, t)
		}
	}
	if len(active) == 0 {
		active = []int{1}
	}
	paths := []string{codeownersPath}
	for range n {
		i := len(e.zones)
		t := active[newRand(e.opts.Seed, streamTenants, i).IntN(len(active))]
		e.addTenantZone(i, t)
		paths = append(paths, zonePath(e.zones[i]))
	}
	return e.commit(paths, fmt.Sprintf("zonegen: add %d zones", n))
}

// render returns the current content of the file at p.
func (e *Estate) render(p string) []byte {
	switch p {
	case configPath:
		var cf []string
		for _, z := range e.company {
			cf = append(cf, zonePath(z))
		}
		return renderConfig(e.opts, cf)
	case codeownersPath:
		return renderCodeowners(e.opts.Seed, e.Files(), e.revoked)
	}
	f := e.files[p]
	cloudflare := e.opts.Provider == ProviderCloudflare
	if f.Origin != f.Zone {
		r := newRand(e.opts.Seed, streamSubtree, int(hashString(p)))
		return renderRecords(r, subtreeUnits(r, f.Origin))
	}
	if f.Tenant == 0 {
		r := newRand(e.opts.Seed, streamCompanyZone, int(hashString(p)))
		return renderRecords(r, zoneUnits(r, f.Zone, f.Records, 0, cloudflare))
	}
	i := e.zoneIndex[f.Zone]
	r := newRand(e.opts.Seed, streamZone, i)
	return renderRecords(r, zoneUnits(r, f.Zone, f.Records, e.versions[i], cloudflare))
}

// hashString is FNV-1a, to key a file's random stream by its path.
func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// epoch is the first commit's time (2025-01-01T00:00:00Z); commit n is n
// minutes later, so that history has distinct, increasing times and still
// the same hashes.
const epoch = 1735689600

// commit renders the files at paths into the working tree and commits the
// resulting tree on Branch, with the index updated to match.
func (e *Estate) commit(paths []string, msg string) error {
	sort.Strings(paths)
	type result struct {
		obj  packObject
		size int
	}
	results := make([]result, len(paths))
	// Directories first, once each: a MkdirAll per file doubles the
	// system calls, and system calls are most of the cost.
	dirs := map[string]bool{}
	for _, p := range paths {
		if d := path.Dir(p); !dirs[d] {
			dirs[d] = true
			if err := os.MkdirAll(filepath.Join(e.Dir, filepath.FromSlash(d)), 0o755); err != nil {
				return fmt.Errorf("estate: %w", err)
			}
		}
	}
	// Rendering, writing, hashing and compressing are independent per
	// file: one worker per core, each with its own zlib state. More
	// workers than cores measured no faster (10,000 files, ext4: 2 and 8
	// workers both ~3.3 CPU-seconds, most of it creating files).
	n := runtime.GOMAXPROCS(0)
	var g errgroup.Group
	for w := range n {
		g.Go(func() error {
			enc := newEncoder()
			for k := w; k < len(paths); k += n {
				p := paths[k]
				data := e.render(p)
				if err := os.WriteFile(filepath.Join(e.Dir, filepath.FromSlash(p)), data, 0o644); err != nil {
					return err
				}
				results[k] = result{obj: enc.encode(plumbing.BlobObject, data), size: len(data)}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("estate: writing files: %w", err)
	}

	var objs []packObject
	add := func(o packObject) {
		if !e.written[o.hash] {
			e.written[o.hash] = true
			objs = append(objs, o)
		}
	}
	for k, p := range paths {
		res := results[k]
		add(res.obj)
		e.blobs[p] = res.obj.hash
		// No stat data: a stat per file costs as much as writing it,
		// and Git treats missing stat data as "maybe changed" and
		// compares contents, so `git status` is still exact.
		e.index[p] = index.Entry{Hash: res.obj.hash, Name: p, Mode: filemode.Regular, Size: uint32(res.size)}
	}
	root, trees := buildTrees(e.blobs)
	enc := newEncoder()
	for _, t := range trees {
		if !e.written[t.hash] {
			add(enc.encode(plumbing.TreeObject, t.data))
		}
	}
	var parent plumbing.Hash
	if len(e.commits) > 0 {
		parent = e.Head()
	}
	when := time.Unix(epoch, 0).Add(time.Duration(len(e.commits)) * time.Minute)
	c := enc.encode(plumbing.CommitObject, commitData(root, parent, when, msg))
	add(c)

	gitDir := filepath.Join(e.Dir, ".git")
	if err := writePack(gitDir, objs); err != nil {
		return fmt.Errorf("estate: writing pack: %w", err)
	}
	ref := plumbing.NewHashReference(plumbing.NewBranchReferenceName(Branch), c.hash)
	if err := e.repo.Storer.SetReference(ref); err != nil {
		return fmt.Errorf("estate: updating %s: %w", Branch, err)
	}
	idx := &index.Index{Version: 2}
	for _, en := range e.index {
		idx.Entries = append(idx.Entries, &en)
	}
	sort.Slice(idx.Entries, func(i, j int) bool { return idx.Entries[i].Name < idx.Entries[j].Name })
	if err := e.repo.Storer.SetIndex(idx); err != nil {
		return fmt.Errorf("estate: writing the index: %w", err)
	}
	e.commits = append(e.commits, c.hash)
	return nil
}
