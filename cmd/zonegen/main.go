// Command zonegen writes a synthetic zones repository, a real Git
// repository deterministic from a seed, for benchmarks and scale tests.
//
//	go run ./cmd/zonegen -dir /tmp/estate -zones 10000 -records 20 -tenants 2000 -seed 1
//
// It prints one line: zone and subtree files, record values, commits and
// the time taken.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zoneward/zoneward/cmd/zonegen/estate"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, apart from the exit. It uses the standard
// flag package rather than cobra because the documented invocation has
// single-dash long flags (-zones), which pflag would read as shorthands.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zonegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dir          = fs.String("dir", "", "directory to create the repository in (must not exist or be empty)")
		o            estate.Options
		changeZone   = fs.Int("change-zone", -1, "after generating, commit a change to one record of tenant zone `I` (0-based)")
		revokeTenant = fs.Int("revoke-tenant", 0, "after generating, commit the revocation of tenant `T` (1-based)")
		addZones     = fs.Int("add-zones", 0, "after generating, commit `N` more tenant zones")
	)
	fs.IntVar(&o.Zones, "zones", 100, "tenant zones")
	fs.IntVar(&o.Records, "records", 20, "record values per zone file")
	fs.IntVar(&o.Tenants, "tenants", 0, "tenants (default zones/5)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed; equal seeds and options give equal commits")
	fs.IntVar(&o.CompanyZones, "company-zones", 0, "Company-run zones, each with tenant subtree files")
	fs.IntVar(&o.Subtrees, "subtrees", 3, "tenant subtree files per Company zone")
	fs.IntVar(&o.RevokedTenants, "revoked-tenants", 0, "tenants whose CODEOWNERS lines are removed")
	fs.StringVar(&o.Provider, "provider", estate.ProviderZonefile, "zonefile or cloudflare")
	fs.StringVar(&o.AccountID, "account-id", "", "Cloudflare account ID written to zoneward.yaml")
	fs.StringVar(&o.BaseURL, "base-url", "", "Cloudflare API base URL written to zoneward.yaml (e.g. a cftest server)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "zonegen: -dir is required and there are no arguments")
		fs.Usage()
		return 1
	}
	start := time.Now()
	e, err := generate(*dir, o, *changeZone, *revokeTenant, *addZones)
	if err != nil {
		fmt.Fprintln(stderr, "zonegen:", err)
		return 1
	}
	fmt.Fprintf(stdout, "zonegen: %s: %d zone files, %d records, %d commits (head %s) in %s\n",
		e.Dir, len(e.Files()), e.Records(), len(e.Commits()), e.Head(), time.Since(start).Round(time.Millisecond))
	return 0
}

func generate(dir string, o estate.Options, changeZone, revokeTenant, addZones int) (*estate.Estate, error) {
	e, err := estate.Generate(dir, o)
	if err != nil {
		return nil, err
	}
	if changeZone >= 0 {
		if err := e.ChangeOneZone(changeZone); err != nil {
			return nil, err
		}
	}
	if revokeTenant > 0 {
		if err := e.RevokeTenant(revokeTenant); err != nil {
			return nil, err
		}
	}
	if addZones > 0 {
		if err := e.AddZones(addZones); err != nil {
			return nil, err
		}
	}
	return e, nil
}
