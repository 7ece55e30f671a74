package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
	"github.com/zoneward/zoneward/reconcile/zonefile"
	"github.com/zoneward/zoneward/schema"
)

func newImportCmd(g *globals) *cobra.Command {
	var from, out string
	var live rfc2136.Options
	cmd := &cobra.Command{
		Use:   "import ZONE",
		Short: "Write an existing zone (from the provider, a live server, or a BIND zone file) as a zone file",
		Long: `import reads ZONE from the configured provider, or with --from from a BIND zone
file, and writes it in zoneward's (octoDNS's) YAML format: to standard output, or with
-o to a file. The SOA and the apex NS records are left out: they belong to the provider.

With --from rfc2136 the zone is read from a live server by a TSIG-signed AXFR: the
server and key of zoneward.yaml's rfc2136 provider, or those of --server and
--tsig-name (the secret is read from --tsig-secret-env). A file named rfc2136 is
read as ./rfc2136. ZONE may also be given as --zone.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = g.zones
			}
			if len(args) != 1 {
				return fmt.Errorf("import: name one zone, as ZONE or --zone")
			}
			zs, err := zoneArgs(args)
			if err != nil {
				return err
			}
			zone := zs[0]
			var rs []reconcile.Record
			if from == "rfc2136" {
				if rs, err = importLive(cmd, g, live, zone); err != nil {
					return err
				}
			} else if from != "" {
				f, err := os.Open(from)
				if err != nil {
					return err
				}
				defer f.Close()
				if rs, err = zonefile.ReadZone(f, zone, from); err != nil {
					return err
				}
			} else {
				l, err := load(cmd.Context(), g, nil)
				if err != nil {
					return err
				}
				defer l.close()
				prov, err := newProvider(l.repo.Config, l.dir)
				if err != nil {
					return err
				}
				if rs, err = prov.Records(cmd.Context(), zone); err != nil {
					return fmt.Errorf("reading %s from the %s provider: %w", zone, l.repo.Config.Provider.Type, err)
				}
			}
			var recs []schema.Record
			for _, r := range rs {
				recs = append(recs, schema.Record{Name: r.Name, Type: r.Type, TTL: r.TTL, Value: r.Value,
					Proxied: r.Proxied, AutoTTL: r.AutoTTL, Comment: r.Comment, Tags: r.Tags})
			}
			data, err := schema.Encode(zone, recs)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d records of %s to %s\n", len(recs), strings.TrimSuffix(zone, "."), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "read a BIND zone `FILE`, or \"rfc2136\" a live server, instead of the provider")
	cmd.Flags().StringVar(&live.Server, "server", "", "with --from rfc2136: the server's `HOST:PORT` (default: zoneward.yaml's)")
	cmd.Flags().StringVar(&live.TSIG.Name, "tsig-name", "", "with --from rfc2136 --server: the TSIG key's `NAME`")
	cmd.Flags().StringVar(&live.TSIG.Algorithm, "tsig-algorithm", "hmac-sha256", "with --from rfc2136 --server: the key's `ALGORITHM`")
	cmd.Flags().StringVar(&live.TSIG.SecretEnv, "tsig-secret-env", rfc2136.DefaultSecretEnv, "with --from rfc2136 --server: the environment `VARIABLE` holding the key's secret")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` instead of standard output")
	return cmd
}

// importLive reads zone by AXFR from the server given by flags, or from
// zoneward.yaml's rfc2136 provider.
func importLive(cmd *cobra.Command, g *globals, o rfc2136.Options, zone string) ([]reconcile.Record, error) {
	if o.Server == "" {
		l, err := load(cmd.Context(), g, nil)
		if err != nil {
			return nil, err
		}
		defer l.close()
		cfg := l.repo.Config
		if cfg.Provider.Type != "rfc2136" {
			return nil, fmt.Errorf("import --from rfc2136: %s's provider is %q, not rfc2136: give the server with --server and --tsig-name", schema.ConfigFile, cfg.Provider.Type)
		}
		var c rfc2136Config
		if err := cfg.Provider.Decode(&c); err != nil {
			return nil, err
		}
		o = c.Options
	}
	if o.TSIG.Name == "" {
		return nil, fmt.Errorf("import --from rfc2136 --server %s: --tsig-name is required: transfers are signed", o.Server)
	}
	if len(o.Nameservers) == 0 {
		// Only status uses them; a transfer needs none.
		o.Nameservers = []string{"import.invalid."}
	}
	o = o.WithDefaults()
	secret := os.Getenv(o.TSIG.SecretEnv)
	if secret == "" {
		return nil, fmt.Errorf("import --from rfc2136: %s is not set: export the TSIG key's secret (base64) there", o.TSIG.SecretEnv)
	}
	p, err := rfc2136.New(o, secret)
	if err != nil {
		return nil, err
	}
	rs, err := p.Records(cmd.Context(), zone)
	if err != nil {
		return nil, fmt.Errorf("reading %s from %s: %w", zone, o.Server, err)
	}
	return rs, nil
}
