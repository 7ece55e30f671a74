package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/delegation"
	"github.com/zoneward/zoneward/reconcile/incremental"
	"github.com/zoneward/zoneward/schema"
)

// runOptions say what one reconcile run reads and does.
type runOptions struct {
	rev   string   // Git revision; "" reads the working tree
	since string   // "", a revision, or "last" (the state file's)
	zones []string // --zone: exactly these zones
	// pick chooses a sweep's batch from every zone (the daemon's sweep):
	// it sees the repository listed, with every file's grant, unparsed.
	pick      func(l *loaded, all []string) []string
	apply     bool
	force     bool
	statePath string // the state file; "" for serve.state_file
}

// runMode is how a run chooses the zones it plans. Exactly one applies,
// decided by runOptions.mode from the flags.
type runMode int

const (
	// modeFull plans every zone of the repository and every zone the
	// provider lists; an apply at a revision records it in the state.
	modeFull runMode = iota
	// modeZones plans exactly the zones named (--zone). Nothing else was
	// applied, so the state's revision does not move.
	modeZones
	// modeSince plans the zones a change since a revision affected
	// (--since), plus those an earlier run failed; an apply records the
	// revision (or, when the change is not incremental, runs in full).
	modeSince
	// modeSweep plans the batch runOptions.pick chooses. Like modeZones it
	// leaves the state's revision alone.
	modeSweep
)

func (o runOptions) mode() (runMode, error) {
	switch {
	case len(o.zones) > 0 && o.since != "":
		return 0, fmt.Errorf("--zone and --since each choose the zones to plan; use one: --zone for exactly those zones, --since for the zones a change affected")
	case o.pick != nil && (len(o.zones) > 0 || o.since != ""):
		return 0, errors.New("a sweep chooses its own zones")
	case len(o.zones) > 0:
		return modeZones, nil
	case o.since != "":
		return modeSince, nil
	case o.pick != nil:
		return modeSweep, nil
	}
	return modeFull, nil
}

// runOutcome is what a run found and did.
type runOutcome struct {
	mode   runMode
	loaded *loaded
	scope  incremental.Scope // modeSince: what the change affected
	plan   *reconcile.Plan
	result *reconcile.Result // nil for a plan
}

// runner holds what outlives one run: the provider (with its zone caches
// and request budget) and the GitHub client (with its cached listings).
// The CLI makes one per command; the daemon keeps one.
type runner struct {
	dir      string
	provider reconcile.Provider
	gh       *github.Client // nil when zoneward.yaml has no github block
	// delegation is the delegation check wrapped around a provider that
	// reports no lifecycle of its own, or nil. Its answers are forgotten
	// at the start of every run; the zones it has seen delegated to the
	// Company are kept in the state file.
	delegation *delegation.Checker
	// parsed keeps parsed zone files between runs: a daemon parses only
	// the files that changed since its last run.
	parsed *schema.ParseCache
}

// newRunner reads the configuration at the working tree (or rev) of dir and
// builds the provider and GitHub client it names.
// Only zoneward.yaml is read here: the zone files are read by each run.
func newRunner(dir, rev string) (*runner, error) {
	fsys, abs, _, err := openRepo(&globals{repo: dir, rev: rev})
	if err != nil {
		return nil, err
	}
	defer closeFS(fsys)
	data, err := schema.ReadConfigFile(fsys)
	if err != nil {
		return nil, err
	}
	cfg, errs := schema.ParseConfig(data)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	prov, err := newProvider(cfg, abs)
	if err != nil {
		return nil, err
	}
	gh, err := newGitHub(cfg.GitHub)
	if err != nil {
		return nil, err
	}
	r := &runner{dir: abs, provider: prov, gh: gh, parsed: new(schema.ParseCache)}
	if d, ok := prov.(*delegation.Provider); ok {
		r.delegation = d.Checker
	}
	return r, nil
}

// newGitHub returns the client zoneward.yaml's github block asks for, or
// nil when it names no repository.
func newGitHub(cfg schema.GitHub) (*github.Client, error) {
	if cfg.Repository == "" {
		return nil, nil
	}
	opts := github.Options{Repository: cfg.Repository, APIURL: cfg.APIURL, Access: cfg.Access}
	if a := cfg.App; a.AppID != "" {
		key := os.Getenv(a.PrivateKeyEnv)
		if key == "" {
			return nil, fmt.Errorf("%s: github.app.private_key_env names %s, which is not set; put the App's PEM private key there", schema.ConfigFile, a.PrivateKeyEnv)
		}
		opts.App = &github.App{ID: a.AppID, InstallationID: a.InstallationID, PrivateKey: []byte(key)}
		return github.New(opts)
	}
	if opts.Token = os.Getenv(cfg.TokenEnv); opts.Token == "" {
		return nil, fmt.Errorf("%s: github.token_env names %s, which is not set; GitHub cannot be asked without it", schema.ConfigFile, cfg.TokenEnv)
	}
	return github.New(opts)
}

func (r *runner) access() schema.Access {
	if r.gh == nil {
		return nil
	}
	return r.gh
}

// run is the whole data flow: load repository → validate → grants →
// choose the zones → read provider → plan → apply → record state.
func (r *runner) run(ctx context.Context, o runOptions) (*runOutcome, error) {
	mode, err := o.mode()
	if err != nil {
		return nil, err
	}
	rev := o.rev
	if mode == modeSince && rev == "" {
		rev = "HEAD" // incremental runs compare revisions, never a working tree
	}
	g := &globals{repo: r.dir, rev: rev}
	out := &runOutcome{mode: mode}

	// Choose the zones. A full run parses every file in one load. The
	// others choose from paths, CODEOWNERS and zoneward.yaml alone, so
	// they list the repository first without parsing a zone file, then
	// parse the files of the chosen zones only, keeping the grants of
	// the listing: one access check either way.
	var l *loaded
	var zones []string
	if mode == modeFull {
		if l, err = loadOpts(ctx, g, r.access(), schema.LoadOptions{Cache: r.parsed}); err != nil {
			return nil, err
		}
		defer l.close()
		if zones, err = allZones(ctx, l, r.provider); err != nil {
			return nil, err
		}
	} else {
		listed, err := loadWith(ctx, g, r.access(), func(string) bool { return false })
		if err != nil {
			return nil, err
		}
		defer listed.close()
		parseAll := false
		switch mode {
		case modeZones:
			if zones, err = zoneArgs(o.zones); err != nil {
				return nil, err
			}
		case modeSince:
			if out.scope, err = r.scope(ctx, o, listed); err != nil {
				return nil, err
			}
			zones, parseAll = out.scope.Zones, out.scope.Full
			if parseAll {
				if zones, err = allZones(ctx, listed, r.provider); err != nil {
					return nil, err
				}
			}
		case modeSweep:
			all, err := allZones(ctx, listed, r.provider)
			if err != nil {
				return nil, err
			}
			// The batch, and the zones an earlier run failed: a sweep's
			// failure (a revocation it found, say) must not wait for the
			// batch to come round again.
			state, err := incremental.LoadState(r.statePath(o, listed))
			if err != nil {
				return nil, err
			}
			zones = uniq(append(o.pick(listed, all), state.Retry()...))
		}
		sel := inSet(zones)
		if parseAll {
			sel = nil
		}
		if l, err = loadOpts(ctx, g, nil, schema.LoadOptions{Zones: sel, Cache: r.parsed}); err != nil {
			return nil, err
		}
		defer l.close()
		l.grants = listed.grants // the same paths, config and CODEOWNERS
	}
	out.loaded = l
	if err := configErrors(l.repo, l.rev); err != nil {
		return nil, err
	}
	if err := r.checkState(o, l); err != nil {
		return nil, err
	}
	statePath := r.statePath(o, l)
	state, err := incremental.LoadState(statePath)
	if err != nil {
		return nil, err
	}
	if r.delegation != nil {
		r.delegation.Reset() // a run sees one consistent delegation per zone
		for _, z := range state.Delegated {
			r.delegation.History.MarkActive(z)
		}
	}

	// One check of the credentials before any zone is read, so that a
	// wrong key is one error, not the same error for every zone.
	if pf, ok := r.provider.(reconcile.Preflighter); ok && len(zones) > 0 {
		if err := pf.Preflight(ctx, zones); err != nil {
			return nil, fmt.Errorf("the provider refused before any zone was read, so nothing was written: %w", err)
		}
	}
	desired := reconcile.NewDesired(l.repo, l.grants, l.rev)
	eng := &reconcile.Engine{Provider: r.provider, Policy: l.repo.Config.Policy}
	if p, ok := r.provider.(reconcile.Parallel); ok {
		eng.Workers = p.Workers()
	}
	if out.plan, err = eng.Plan(ctx, desired, zones); err != nil {
		return nil, err
	}
	if !o.apply {
		return out, nil
	}
	out.result = eng.Apply(ctx, out.plan, o.force)
	next := state
	if l.rev != "" && (mode == modeFull || mode == modeSince) {
		next = state.Advance(l.rev, zones, mode == modeFull || out.scope.Full, failedZones(out.result), time.Now())
	} else if l.rev != "" {
		// --zone and sweeps apply some zones only: the revision stays,
		// but what they found failing is retried by the next run, and
		// what they applied is no longer waiting.
		next = state.Retried(zones, failedZones(out.result), time.Now())
	}
	if r.delegation != nil {
		next.Delegated = r.delegation.History.(*delegation.MemoryHistory).Zones()
	}
	if !reflect.DeepEqual(next, state) {
		if err := next.Save(statePath); err != nil {
			return out, err
		}
	}
	return out, nil
}

// failedZones are the zones of res that failed or were refused, with why.
func failedZones(res *reconcile.Result) map[string]string {
	failed := map[string]string{}
	for _, z := range res.Zones {
		switch {
		case z.Err != nil:
			failed[z.Zone] = z.Err.Error()
		case z.Unsafe != nil:
			failed[z.Zone] = z.Unsafe.Error()
		}
	}
	return failed
}

// configErrors refuses a run over a zoneward.yaml with errors. Its
// defaults would apply in place of what it says (a misspelt company.files
// makes the Company's files revoked, and under revoked: purge deleted), so
// nothing is read from the provider or written until it is fixed. A long
// runner (the daemon) meets each revision's zoneward.yaml here first.
func configErrors(repo *schema.Repo, rev string) error {
	errs := repo.Errs.InFile(schema.ConfigFile)
	if len(errs) == 0 {
		return nil
	}
	at := "in the working tree"
	if rev != "" {
		at = "at " + shortHash(rev)
	}
	return fmt.Errorf("%s %s has %d problem(s), so nothing was read from the provider or written; first: %v (run zoneward check)", schema.ConfigFile, at, len(errs), errs[0])
}

// statePath is --state, else serve.state_file, relative to the repository.
func (r *runner) statePath(o runOptions, l *loaded) string {
	p := o.statePath
	if p == "" {
		p = l.repo.Config.Serve.StateFile
	}
	return inRepo(r.dir, p)
}

// checkState refuses a --state file whose directory is the repository's,
// as load does for serve.state_file (see checkOutputs).
func (r *runner) checkState(o runOptions, l *loaded) error {
	if o.statePath == "" {
		return nil
	}
	return checkOutputs(l.dir, l.rev, []output{{"--state", filepath.Dir(inRepo(r.dir, o.statePath))}})
}

// scope finds the zones affected since --since (with "last", the state
// file's revision), plus those a previous run failed to apply.
func (r *runner) scope(ctx context.Context, o runOptions, l *loaded) (incremental.Scope, error) {
	statePath := r.statePath(o, l)
	state, err := incremental.LoadState(statePath)
	if err != nil {
		return incremental.Scope{}, err
	}
	since := o.since
	switch {
	case since == "last" && state.Revision == "":
		return incremental.Scope{Full: true, Reason: "no previous run recorded in " + statePath}, nil
	case since == "last":
		since = state.Revision
	}
	s, err := incremental.Affected(ctx, l.dir, since, l.rev, l.repo)
	if err != nil {
		return s, fmt.Errorf("--since %s: %w", o.since, err)
	}
	if !s.Full {
		s.Zones = uniq(append(s.Zones, state.Retry()...))
	}
	return s, nil
}

// inSet selects the zones in zs.
func inSet(zs []string) func(string) bool {
	set := make(map[string]bool, len(zs))
	for _, z := range zs {
		set[z] = true
	}
	return func(z string) bool { return set[z] }
}

// allZones is every zone of the repository and every zone the provider
// lists (so that records of a deleted zone file are found and removed).
func allZones(ctx context.Context, l *loaded, p reconcile.Provider) ([]string, error) {
	zones := l.repo.Zones()
	for _, f := range l.repo.Files {
		if f.Zone != "" {
			zones = append(zones, f.Zone)
		}
	}
	if zl, ok := p.(reconcile.ZoneLister); ok {
		more, err := zl.Zones(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing zones at the provider: %w", err)
		}
		zones = append(zones, more...)
	}
	return uniq(zones), nil
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// errAccess marks a failure to check repository access: the run stops
// before writing rather than treat every tenant as revoked.
var errAccess = errors.New("repository access could not be checked; nothing was written")
