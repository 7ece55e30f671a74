package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare"
	"github.com/zoneward/zoneward/reconcile/delegation"
	"github.com/zoneward/zoneward/reconcile/outdir"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
	"github.com/zoneward/zoneward/reconcile/zonefile"
	"github.com/zoneward/zoneward/schema"
	"github.com/zoneward/zoneward/schema/dirfs"
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
// --rev, from that Git revision. Either way no symbolic link in it is
// followed (schema/dirfs, schema/gitfs): what zoneward reads of it,
// zoneward.yaml, CODEOWNERS and zones/, is the repository's own files.
//
// The directory itself is resolved: --repo is the operator's choice, and
// what lies below it is then checked from its real path (see
// checkOutputs).
func openRepo(g *globals) (fs.FS, string, string, error) {
	dir, err := filepath.Abs(g.repo)
	if err != nil {
		return nil, "", "", err
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	var fsys fs.FS
	hash := ""
	if g.rev == "" {
		if fsys, err = dirfs.Open(dir); err != nil {
			return nil, "", "", fmt.Errorf("--repo %s: %w", g.repo, err)
		}
	} else if fsys, hash, err = gitfs.Open(dir, g.rev); err != nil {
		return nil, "", "", err
	}
	// A zones/ that is a link would be listed as a file: no zone files at
	// all, and a plan that deletes every record zoneward placed.
	if fi, err := fs.Stat(fsys, schema.ZonesDir); err == nil && !fi.IsDir() {
		closeFS(fsys)
		return nil, "", "", fmt.Errorf("%s/ is not a directory but %s: zoneward reads only the repository's own files and never follows a link; commit the directory itself",
			schema.ZonesDir, kindOf(fi.Mode()))
	}
	return fsys, dir, hash, nil
}

// kindOf names the type of a tree entry that is not a directory.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a file"
	}
	return "a submodule or special file"
}

// output is a directory that belongs to the reconciler: the zonefile
// provider's, or the state file's.
type output struct {
	key string // the setting that names it, for messages
	dir string // absolute
}

// outputs are the reconciler's directories under cfg, whose paths are
// relative to the repository directory dir: provider.dir of a zonefile
// provider, and the directory of serve.state_file (a --state flag is
// checked by the run that uses it).
func outputs(cfg schema.Config, dir string) []output {
	var outs []output
	if cfg.Provider.Type == "zonefile" {
		if o, err := zonefileOptions(cfg, dir); err == nil && o.Dir != "" {
			outs = append(outs, output{"provider.dir", o.Dir})
		}
	}
	if p := cfg.Serve.StateFile; p != "" {
		outs = append(outs, output{"serve.state_file", filepath.Dir(inRepo(dir, p))})
	}
	return outs
}

// inRepo makes p, a path of zoneward.yaml or a flag, absolute: relative
// paths are relative to the repository directory.
func inRepo(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// checkOutputs refuses to run when one of the reconciler's directories is
// the repository's: when Git tracks a path inside it or in its way (at
// rev, and in the index of a checkout), or when it is, or passes
// through, a symbolic link. Otherwise a pull request could plant records
// the reconciler would read back as its own (a committed
// .zoneward/zones/example.com.zone), or send its writes wherever a
// committed link points (.zoneward -> /some/dir).
func checkOutputs(dir, rev string, outs []output) error {
	for _, o := range outs {
		shown := o.dir
		if rel, err := filepath.Rel(dir, o.dir); err == nil && filepath.IsLocal(rel) {
			shown = filepath.ToSlash(rel)
		}
		tracked, err := gitfs.Tracked(dir, rev, o.dir)
		if err != nil {
			return fmt.Errorf("%s %s: %w", o.key, shown, err)
		}
		if len(tracked) > 0 {
			const most = 3
			list := make([]string, 0, most)
			for _, p := range tracked[:min(most, len(tracked))] {
				list = append(list, strconv.Quote(p))
			}
			more := ""
			if len(tracked) > most {
				more = fmt.Sprintf(" and %d more", len(tracked)-most)
			}
			where := "in the index"
			if rev != "" {
				where = "at revision " + shortHash(rev) + " or in the index"
			}
			return fmt.Errorf("%s %s belongs to the reconciler, but Git tracks %s%s in it or in its way (%s): "+
				"the repository must never supply the reconciler's output or state; remove them from the repository "+
				"(git rm -r --cached) and keep %s outside the checkout", o.key, shown, strings.Join(list, ", "), more, where, o.key)
		}
		if err := outdir.Check(o.dir); err != nil {
			return fmt.Errorf("%s %s: %w", o.key, shown, err)
		}
	}
	return nil
}

func shortHash(h string) string { return h[:min(len(h), 12)] }

// load runs the first steps of every command: load the repository,
// validate it, and decide every file's grant.
// acc, when not nil, checks owners' repository access (GitHub).
func load(ctx context.Context, g *globals, acc schema.Access) (*loaded, error) {
	return loadWith(ctx, g, acc, nil)
}

// loadWith is load parsing only the files of the zones sel selects (all
// when sel is nil); the others are listed, for grants and authority.
func loadWith(ctx context.Context, g *globals, acc schema.Access, sel func(zone string) bool) (*loaded, error) {
	return loadOpts(ctx, g, acc, schema.LoadOptions{Zones: sel})
}

// loadOpts is loadWith with schema's options (Zones, Limits); the
// providers' types and limits are always the CLI's.
func loadOpts(ctx context.Context, g *globals, acc schema.Access, opts schema.LoadOptions) (*loaded, error) {
	fsys, dir, rev, err := openRepo(g)
	if err != nil {
		return nil, err
	}
	opts.ProviderTypes, opts.ProviderLimits = providerTypes, providerLimits
	repo, err := schema.Load(fsys, opts)
	if err != nil {
		closeFS(fsys)
		return nil, err
	}
	if err := checkOutputs(dir, rev, outputs(repo.Config, dir)); err != nil {
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
		var o zonefileConfig
		if err := cfg.Provider.Decode(&o); err != nil {
			return err
		}
		errs := []error{o.Options.Validate()}
		if o.Delegation != nil {
			errs = append(errs, o.Delegation.Validate())
		}
		return errors.Join(errs...)
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

// zonefileConfig is the zonefile provider block: the provider's own keys
// and, optionally, the delegation check's. Zone files have no lifecycle of
// their own; with a delegation block, the parent's delegation tells
// pending, active and withdrawn zones apart. Without one every zone is
// active, and a run sends no DNS query anywhere (as `make demo` needs).
type zonefileConfig struct {
	zonefile.Options `yaml:",inline"`
	Delegation       *delegation.Options `yaml:"delegation"`
}

// zonefileOptions decodes the zonefile provider's block, with Dir made
// absolute (relative to the repository directory dir).
func zonefileOptions(cfg schema.Config, dir string) (zonefileConfig, error) {
	var o zonefileConfig
	if err := cfg.Provider.Decode(&o); err != nil {
		return o, err
	}
	if o.Dir != "" {
		o.Dir = inRepo(dir, o.Dir)
	}
	return o, nil
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
		o, err := zonefileOptions(cfg, dir)
		if err != nil {
			return nil, err
		}
		p, err := zonefile.New(o.Options)
		if err != nil {
			return nil, err
		}
		if o.Delegation == nil || o.Delegation.Disabled {
			return p, nil
		}
		if err := o.Delegation.Validate(); err != nil {
			return nil, err
		}
		if o.Delegation.DNSSEC {
			// The zone's DNSKEY is read from a server that serves it;
			// the zonefile provider only writes the files.
			return nil, fmt.Errorf("%s: provider.delegation.dnssec: the zonefile provider serves no zone to compare the parent's DS with; remove the key", schema.ConfigFile)
		}
		return &delegation.Provider{Provider: p, Checker: &delegation.Checker{
			Nameservers: o.Nameservers, Options: *o.Delegation, History: delegation.NewMemoryHistory()}}, nil
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
		// The runner resets the Checker at the start of every run and
		// keeps its History in the state file (withdrawal needs "was
		// active" across runs).
		return &delegation.Provider{Provider: p, Checker: &delegation.Checker{
			Nameservers: p.Nameservers(), Options: o.Delegation, Primary: p.Server(),
			History: delegation.NewMemoryHistory()}}, nil
	}
	return nil, fmt.Errorf("%s: unknown provider type %q (use zonefile, cloudflare or rfc2136)", schema.ConfigFile, cfg.Provider.Type)
}

// providerStats returns the provider's request counts by kind, or nil for
// providers that do not count.
func providerStats(p reconcile.Provider) map[string]int {
	if rc, ok := p.(reconcile.RequestCounter); ok {
		return rc.Requests()
	}
	return nil
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
