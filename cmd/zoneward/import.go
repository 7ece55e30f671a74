package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/zonefile"
	"github.com/zoneward/zoneward/schema"
)

func newImportCmd(g *globals) *cobra.Command {
	var from, out string
	cmd := &cobra.Command{
		Use:   "import ZONE",
		Short: "Write an existing zone (from the provider, or a BIND zone file) as a zone file",
		Long: `import reads ZONE from the configured provider, or with --from from a BIND zone
file, and writes it in zoneward's (octoDNS's) YAML format: to standard output, or with
-o to a file. The SOA and the apex NS records are left out: they belong to the provider.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			zs, err := zoneArgs(args)
			if err != nil {
				return err
			}
			zone := zs[0]
			var rs []reconcile.Record
			if from != "" {
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
					Proxied: r.Proxied, AutoTTL: r.AutoTTL, Comment: r.Comment})
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
	cmd.Flags().StringVar(&from, "from", "", "read a BIND zone `FILE` instead of the provider")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` instead of standard output")
	return cmd
}
