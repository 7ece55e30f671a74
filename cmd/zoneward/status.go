package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/reconcile"
)

func newStatusCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Per zone: provider state, nameservers and DS to set at the registrar, files, owners, revoked files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: use text or json", format)
			}
			return runStatus(cmd, g, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output `FORMAT`: text or json")
	return cmd
}

type statusZone struct {
	Zone        string               `json:"zone"`
	State       string               `json:"state"`
	Detail      string               `json:"detail,omitempty"`
	Nameservers []string             `json:"nameservers"`
	DS          []string             `json:"ds,omitempty"`
	Files       []reconcile.JSONFile `json:"files"`
	Error       string               `json:"error,omitempty"`
}

func runStatus(cmd *cobra.Command, g *globals, format string) error {
	ctx := cmd.Context()
	r, err := newRunner(g.repo, g.rev)
	if err != nil {
		return err
	}
	l, err := load(ctx, g, r.access())
	if err != nil {
		return err
	}
	defer l.close()
	prov := r.provider
	d := reconcile.NewDesired(l.repo, l.grants, l.rev)
	zones := l.repo.Zones()
	if len(g.zones) > 0 {
		if zones, err = zoneArgs(g.zones); err != nil {
			return err
		}
	}
	st, _ := prov.(reconcile.Statuser)
	var out []statusZone
	failed := false
	for _, z := range zones {
		sz := statusZone{Zone: z, State: "unknown", Nameservers: []string{}, Files: []reconcile.JSONFile{}}
		if st != nil {
			s, err := st.ZoneStatus(ctx, z)
			if err != nil {
				sz.Error = err.Error()
				failed = true
			} else {
				sz.State, sz.Detail, sz.DS = string(s.State), s.Detail, s.DS
				if s.Nameservers != nil {
					sz.Nameservers = s.Nameservers
				}
			}
		}
		for _, f := range l.repo.ZoneFiles(z) {
			fi := d.Files[f.Path]
			owners := fi.Owners
			if owners == nil {
				owners = []string{}
			}
			sz.Files = append(sz.Files, reconcile.JSONFile{Path: f.Path, Zone: f.Zone, State: fi.State.String(), Company: fi.Company,
				Owners: owners, Reason: fi.Reason, Records: fi.Records})
		}
		out = append(out, sz)
	}
	w := cmd.OutOrStdout()
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Provider string       `json:"provider"`
			Zones    []statusZone `json:"zones"`
		}{l.repo.Config.Provider.Type, out}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, z := range out {
			fmt.Fprintf(tw, "%s\t%s", z.Zone, z.State)
			if z.Detail != "" && z.Detail != z.State {
				fmt.Fprintf(tw, " (%s)", z.Detail)
			}
			fmt.Fprintln(tw)
			if z.Error != "" {
				fmt.Fprintf(tw, "  error:\t%s\n", z.Error)
			}
			if len(z.Nameservers) > 0 {
				fmt.Fprintf(tw, "  nameservers:\t%s\n", strings.Join(z.Nameservers, " "))
			}
			for _, ds := range z.DS {
				fmt.Fprintf(tw, "  DS:\t%s\n", ds)
			}
			for _, f := range z.Files {
				state := f.State
				if f.Company {
					state += " (company)"
				}
				if f.Reason != "" {
					state += ": " + f.Reason
				}
				fmt.Fprintf(tw, "  %s\t%s\t%d records\t%s\n", f.Path, strings.Join(f.Owners, " "), f.Records, state)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(l.repo.Errs) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%d validation problem(s); run zoneward check\n", len(l.repo.Errs))
	}
	if r.gh != nil {
		paths := make([]string, 0, len(l.repo.Files))
		for _, f := range l.repo.Files {
			paths = append(paths, f.Path)
		}
		// The listings were just read for the grants: asking again costs
		// conditional requests, which GitHub does not count.
		warnWriters(ctx, cmd, "text", r.gh, tenantOwners(l.repo, paths))
	}
	if failed {
		return &exitCodeError{code: exitError}
	}
	return nil
}
