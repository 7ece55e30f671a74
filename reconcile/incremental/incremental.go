// Package incremental decides which zones a run must read, from the Git
// history of the zones repository and the reconciler's own state, so that
// the provider's request budget is spent only where something changed.
package incremental

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/zoneward/zoneward/schema"
	"github.com/zoneward/zoneward/schema/gitfs"
)

// Scope is the set of zones a run must plan.
type Scope struct {
	Full   bool     // every zone: the history could not be trusted or policy changed
	Zones  []string // the affected zones, sorted, when not Full
	Reason string   // why Full
}

// Affected returns the zones affected between revision from and revision
// to of the repository in repoDir; head is the repository loaded at to.
// It diffs trees, never commit messages or webhook file lists (those are
// empty for large pushes). A zone is affected when one of its files was
// added, changed, deleted or renamed, or when a file of it turned active
// or revoked through an edit of CODEOWNERS or company in zoneward.yaml.
// Any other edit of zoneward.yaml (provider, policy) can change every zone,
// and a from that is not an ancestor of to (a force-push) leaves the
// history unknown: both give a full scope.
func Affected(ctx context.Context, repoDir, from, to string, head *schema.Repo) (Scope, error) {
	ok, err := gitfs.IsAncestor(repoDir, from, to)
	if err != nil {
		return Scope{}, err
	}
	if !ok {
		return Scope{Full: true, Reason: fmt.Sprintf("%s is not an ancestor of %s (force-push?)", short(from), short(to))}, nil
	}
	changes, err := gitfs.Changed(repoDir, from, to)
	if err != nil {
		return Scope{}, err
	}
	zones := map[string]bool{}
	grantsChanged := false
	for _, c := range changes {
		for _, p := range []string{c.From, c.To} {
			switch {
			case p == "":
			case strings.HasPrefix(p, schema.ZonesDir+"/"):
				if zone, _, err := schema.ParsePath(p); err == nil {
					zones[zone] = true
				}
			case p == schema.ConfigFile:
				full, err := configChanged(repoDir, from, to)
				if err != nil {
					return Scope{}, err
				}
				if full {
					return Scope{Full: true, Reason: "zoneward.yaml changed beyond company"}, nil
				}
				grantsChanged = true
			case path.Base(p) == "CODEOWNERS":
				grantsChanged = true
			}
		}
	}
	if grantsChanged {
		flipped, err := flippedGrants(ctx, repoDir, from, head)
		if err != nil {
			return Scope{}, err
		}
		for _, z := range flipped {
			zones[z] = true
		}
	}
	out := make([]string, 0, len(zones))
	for z := range zones {
		out = append(out, z)
	}
	sort.Strings(out)
	return Scope{Zones: out}, nil
}

// configChanged reports whether zoneward.yaml differs between the two
// revisions in anything but its company block.
func configChanged(repoDir, from, to string) (bool, error) {
	a, err := configSansCompany(repoDir, from)
	if err != nil {
		return false, err
	}
	b, err := configSansCompany(repoDir, to)
	if err != nil {
		return false, err
	}
	return !reflect.DeepEqual(a, b), nil
}

func configSansCompany(repoDir, rev string) (map[string]any, error) {
	fsys, _, err := gitfs.Open(repoDir, rev)
	if err != nil {
		return nil, err
	}
	defer closeFS(fsys)
	data, err := schema.ReadConfigFile(fsys)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]any{}, nil // absent at one side: compared as empty
	}
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return map[string]any{"unparsable": string(data)}, nil
	}
	delete(m, "company")
	return m, nil
}

// flippedGrants returns the zones of head's files whose active/revoked
// state differs under the grants (config and CODEOWNERS) of from. Grants
// depend only on paths, config and CODEOWNERS, so from's zone files need
// not be parsed.
func flippedGrants(ctx context.Context, repoDir, from string, head *schema.Repo) ([]string, error) {
	fsys, _, err := gitfs.Open(repoDir, from)
	if err != nil {
		return nil, err
	}
	defer closeFS(fsys)
	base := &schema.Repo{Config: schema.DefaultConfig(), Files: head.Files}
	if data, err := schema.ReadConfigFile(fsys); err == nil {
		base.Config, _ = schema.ParseConfig(data)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if base.Owners, err = schema.LoadCodeowners(fsys); err != nil {
		return nil, err
	}
	was, err := base.Grants(ctx, nil)
	if err != nil {
		return nil, err
	}
	is, err := head.Grants(ctx, nil)
	if err != nil {
		return nil, err
	}
	var zones []string
	for _, f := range head.Files {
		if was[f.Path].Active != is[f.Path].Active {
			zones = append(zones, f.Zone)
		}
	}
	return zones, nil
}

// closeFS releases what a gitfs FS holds open (its packfiles).
func closeFS(fsys fs.FS) {
	if c, ok := fsys.(io.Closer); ok {
		c.Close()
	}
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
