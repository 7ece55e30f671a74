package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/net/idna"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare"
	"github.com/zoneward/zoneward/reconcile/delegation"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
	"github.com/zoneward/zoneward/reconcile/zonefile"
	"github.com/zoneward/zoneward/schema"
	"github.com/zoneward/zoneward/schema/gitfs"
)

// loaded is a zones repository read and validated, with its grants.
type loaded struct {
	dir    string // repository directory, absolute
	rev    string // commit hash when read at a revision
	fsys   fs.FS
	repo   *schema.Repo
	grants map[string]schema.Grant
}

// openRepo reads the repository at g.repo, from the working tree or, with
// --rev, from that Git revision.
func openRepo(g *globals) (fs.FS, string, string, error) {
	dir, err := filepath.Abs(g.repo)
	if err != nil {
		return nil, "", "", err
	}
	if g.rev == "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, "", "", fmt.Errorf("--repo %s: %w", g.repo, err)
		}
		return os.DirFS(dir), dir, "", nil
	}
	fsys, hash, err := gitfs.Open(dir, g.rev)
	if err != nil {
		return nil, "", "", err
	}
	return fsys, dir, hash, nil
}

// load runs the first steps of every command: load the repository,
// validate it, and decide every file's grant.
// acc, when not nil, checks owners' repository access (GitHub).
func load(ctx context.Context, g *globals, acc schema.Access) (*loaded, error) {
	return loadWith(ctx, g, acc, nil)
}

// loadWith is load parsing only the files of the zones sel selects (all
// when sel is nil); the others are listed, for grants and authority.
func loadWith(ctx context.Context, g *globals, acc schema.Access, sel func(zone string) bool) (*loaded, error) {
	fsys, dir, rev, err := openRepo(g)
	if err != nil {
		return nil, err
	}
	repo, err := schema.Load(fsys, schema.LoadOptions{ProviderTypes: providerTypes, ProviderLimits: providerLimits, Zones: sel})
	if err != nil {
		closeFS(fsys)
		return nil, err
	}
	grants, err := repo.Grants(ctx, acc)
	if err != nil {
		closeFS(fsys)
		return nil, fmt.Errorf("%w: %w", errAccess, err)
	}
	return &loaded{dir: dir, rev: rev, fsys: fsys, repo: repo, grants: grants}, nil
}

// close releases the repository's open files (a Git revision's packs).
func (l *loaded) close() { closeFS(l.fsys) }

func closeFS(fsys fs.FS) {
	if c, ok := fsys.(io.Closer); ok {
		c.Close()
	}
}

// providerTypes is the record types each provider can hold, for validation.
func providerTypes(provider string) []string {
	switch provider {
	case "zonefile":
		return zonefile.Types
	case "cloudflare":
		return cloudflare.Types()
	case "rfc2136":
		return rfc2136.Types
	}
	return nil
}

// providerLimits is the record limits each provider really has, for
// validation. A Cloudflare block that does not decode is reported by
// checkProviderConfig; its limits are then the free plan's, the smaller.
func providerLimits(p schema.ProviderConfig) schema.RecordLimits {
	switch p.Type {
	case "zonefile":
		return zonefile.Limits
	case "cloudflare":
		var o cloudflare.Options
		_ = p.Decode(&o)
		return o.WithDefaults().RecordLimits()
	}
	return schema.RecordLimits{}
}

// checkProviderConfig decodes the provider block without contacting the
// provider, so `check` reports its mistakes offline.
func checkProviderConfig(cfg schema.Config) error {
	switch cfg.Provider.Type {
	case "zonefile":
		var o zonefile.Options
		return cfg.Provider.Decode(&o)
	case "cloudflare":
		var o cloudflare.Options
		return cfg.Provider.Decode(&o)
	case "rfc2136":
		var o rfc2136Config
		if err := cfg.Provider.Decode(&o); err != nil {
			return err
		}
		return errors.Join(o.Options.WithDefaults().Validate(), o.Delegation.Validate())
	}
	return nil
}

// rfc2136Config is the rfc2136 provider block: the provider's own keys and
// the delegation check's, which the CLI wires around it.
type rfc2136Config struct {
	rfc2136.Options `yaml:",inline"`
	Delegation      delegation.Options `yaml:"delegation"`
}

// newProvider builds the provider zoneward.yaml names. Paths in its
// configuration are relative to the repository directory.
func newProvider(cfg schema.Config, dir string) (reconcile.Provider, error) {
	switch cfg.Provider.Type {
	case "zonefile":
		var o zonefile.Options
		if err := cfg.Provider.Decode(&o); err != nil {
			return nil, err
		}
		if o.Dir != "" && !filepath.IsAbs(o.Dir) {
			o.Dir = filepath.Join(dir, o.Dir)
		}
		return zonefile.New(o)
	case "cloudflare":
		var o cloudflare.Options
		if err := cfg.Provider.Decode(&o); err != nil {
			return nil, err
		}
		o = o.WithDefaults()
		token := os.Getenv(o.TokenEnv)
		if token == "" {
			return nil, fmt.Errorf("%s: provider.token_env names %s, which is not set: export the Cloudflare API token there", schema.ConfigFile, o.TokenEnv)
		}
		return cloudflare.New(o, token)
	case "rfc2136":
		var o rfc2136Config
		if err := cfg.Provider.Decode(&o); err != nil {
			return nil, err
		}
		ro := o.Options.WithDefaults()
		secret := os.Getenv(ro.TSIG.SecretEnv)
		if secret == "" {
			return nil, fmt.Errorf("%s: provider.tsig.secret_env names %s, which is not set: export the TSIG key's secret (base64) there", schema.ConfigFile, ro.TSIG.SecretEnv)
		}
		if err := o.Delegation.Validate(); err != nil {
			return nil, err
		}
		p, err := rfc2136.New(ro, secret)
		if err != nil {
			return nil, err
		}
		// One Checker per provider, and a provider per run: delegations
		// are looked up once per run. History is in memory until the
		// state file keeps it (withdrawal needs "was active" across runs).
		return &delegation.Provider{Provider: p, Checker: &delegation.Checker{
			Nameservers: p.Nameservers(), Options: o.Delegation, Primary: p.Server(),
			History: delegation.NewMemoryHistory()}}, nil
	}
	return nil, fmt.Errorf("%s: unknown provider type %q (use zonefile, cloudflare or rfc2136)", schema.ConfigFile, cfg.Provider.Type)
}

// providerStats returns the provider's request counts by kind, or nil for
// providers that do not count.
func providerStats(p reconcile.Provider) map[string]int {
	if d, ok := p.(*delegation.Provider); ok {
		if r, ok := d.Unwrap().(*rfc2136.Provider); ok {
			return map[string]int{"dns_messages": int(r.Messages())}
		}
	}
	cf, ok := p.(*cloudflare.Provider)
	if !ok {
		return nil
	}
	data, _ := json.Marshal(cf.Stats())
	var m map[string]int
	json.Unmarshal(data, &m)
	return m
}

// providerWorkers is how many zones the provider wants worked on at once;
// 0 lets the engine choose.
func providerWorkers(p reconcile.Provider) int {
	if w, ok := p.(interface{ Workers() int }); ok {
		return w.Workers()
	}
	return 0
}

// zoneArgs normalises --zone values: trailing dot, lower case, punycode.
func zoneArgs(zs []string) ([]string, error) {
	var out []string
	for _, z := range zs {
		a, err := idna.Lookup.ToASCII(strings.TrimSuffix(strings.TrimSpace(z), "."))
		if err != nil || a == "" {
			return nil, fmt.Errorf("--zone %q is not a domain name", z)
		}
		out = append(out, strings.ToLower(a)+".")
	}
	return out, nil
}
