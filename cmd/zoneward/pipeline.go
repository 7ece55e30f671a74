package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/incremental"
	"github.com/zoneward/zoneward/schema"
)

// runOptions say what one reconcile run reads and does.
type runOptions struct {
	rev       string   // Git revision; "" reads the working tree
	since     string   // "", a revision, or "last" (the state file's)
	zones     []string // --zone: exactly these zones
	apply     bool
	force     bool
	statePath string // where `--since last` state lives; "" for the default
}

// runOutcome is what a run found and did.
type runOutcome struct {
	loaded *loaded
	scope  incremental.Scope
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
	data, err := fs.ReadFile(fsys, schema.ConfigFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", schema.ConfigFile, err)
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
	return &runner{dir: abs, provider: prov, gh: gh}, nil
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
// desired state → scope → read provider → plan → apply → record state.
func (r *runner) run(ctx context.Context, o runOptions) (*runOutcome, error) {
	rev := o.rev
	if o.since != "" && rev == "" {
		rev = "HEAD" // incremental runs compare revisions, never a working tree
	}
	g := &globals{repo: r.dir, rev: rev}
	zones, err := zoneArgs(o.zones)
	if err != nil {
		return nil, err
	}
	out := &runOutcome{}
	var l *loaded
	var state incremental.State
	var statePath string
	switch {
	case len(zones) > 0:
		// Only these zones are planned, so only their files are parsed.
		if l, err = loadWith(ctx, g, r.access(), inSet(zones)); err != nil {
			return nil, err
		}
	case o.since != "":
		// Which zones a change affects depends only on paths, CODEOWNERS
		// and zoneward.yaml: find them without parsing a zone file, then
		// parse the files of those zones alone.
		light, err := loadWith(ctx, g, r.access(), func(string) bool { return false })
		if err != nil {
			return nil, err
		}
		defer light.close()
		if err := r.checkState(o, light); err != nil {
			return nil, err
		}
		statePath = r.statePath(o, light)
		if out.scope, state, err = r.scope(ctx, o, light, statePath); err != nil {
			return nil, err
		}
		sel := inSet(out.scope.Zones)
		if out.scope.Full {
			sel = nil
		}
		if l, err = loadWith(ctx, g, nil, sel); err != nil {
			return nil, err
		}
		l.grants = light.grants // the same paths, config and CODEOWNERS: no second access check
	default:
		if l, err = load(ctx, g, r.access()); err != nil {
			return nil, err
		}
		if err := r.checkState(o, l); err != nil {
			l.close()
			return nil, err
		}
		statePath = r.statePath(o, l)
		out.scope = incremental.Scope{Full: true, Reason: "no --since"}
		if state, err = incremental.LoadState(statePath); err != nil {
			return nil, err
		}
	}
	defer l.close()
	out.loaded = l
	desired := reconcile.NewDesired(l.repo, l.grants, l.rev)
	if len(zones) == 0 {
		if out.scope.Full {
			if zones, err = allZones(ctx, l, r.provider); err != nil {
				return nil, err
			}
		} else {
			zones = out.scope.Zones
		}
	}

	eng := &reconcile.Engine{Provider: r.provider, Policy: l.repo.Config.Policy, Workers: providerWorkers(r.provider)}
	if out.plan, err = eng.Plan(ctx, desired, zones); err != nil {
		return nil, err
	}
	if !o.apply {
		return out, nil
	}
	out.result = eng.Apply(ctx, out.plan, o.force)
	if l.rev != "" && len(o.zones) == 0 {
		failed := map[string]string{}
		for _, z := range out.result.Zones {
			switch {
			case z.Err != nil:
				failed[z.Zone] = z.Err.Error()
			case z.Unsafe != nil:
				failed[z.Zone] = z.Unsafe.Error()
			}
		}
		next := state.Advance(l.rev, zones, out.scope.Full, failed, time.Now())
		if err := next.Save(statePath); err != nil {
			return out, err
		}
	}
	return out, nil
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

// scope decides which zones to plan: all of them, or with --since those
// affected since a revision, plus those a previous run failed to apply.
func (r *runner) scope(ctx context.Context, o runOptions, l *loaded, statePath string) (incremental.Scope, incremental.State, error) {
	state, err := incremental.LoadState(statePath)
	if err != nil {
		return incremental.Scope{}, state, err
	}
	since := o.since
	switch {
	case since == "last" && state.Revision == "":
		return incremental.Scope{Full: true, Reason: "no previous run recorded in " + statePath}, state, nil
	case since == "last":
		since = state.Revision
	}
	s, err := incremental.Affected(ctx, l.dir, since, l.rev, l.repo)
	if err != nil {
		return s, state, fmt.Errorf("--since %s: %w", o.since, err)
	}
	if !s.Full {
		s.Zones = uniq(append(s.Zones, state.Retry()...))
	}
	return s, state, nil
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
	if zl, ok := p.(zoneLister); ok {
		more, err := zl.Zones(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing zones at the provider: %w", err)
		}
		zones = append(zones, more...)
	}
	return uniq(zones), nil
}

// zoneLister is implemented by providers that can list their zones cheaply.
type zoneLister interface {
	Zones(ctx context.Context) ([]string, error)
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
