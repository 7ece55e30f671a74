package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/audit"
	"github.com/zoneward/zoneward/schema"
)

type statusOptions struct {
	format string
	audit  bool
}

func newStatusCmd(g *globals) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Per zone: provider state, delegation, nameservers and DS to set at the registrar, files, owners; --audit adds findings",
		Long: `status shows, per zone, what the provider reports (its state, the delegation seen at the
parent, the nameservers and DS records the Domain Owner must set at the registrar, whether the
parent's DS matches the zone's key) and the zone's files with their owners and state.

With --audit it also runs the takeover audit (see zoneward audit) and shows each zone's findings.
The audit resolves every target outside the Company's zones through audit.resolver, so it is
asked for rather than always done. status exits 1 when the provider or the audit could not be
read; findings alone do not fail it: zoneward audit is the check that does.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.format != "text" && o.format != "json" {
				return fmt.Errorf("--format %q: use text or json", o.format)
			}
			return runStatus(cmd, g, o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output `FORMAT`: text or json")
	cmd.Flags().BoolVar(&o.audit, "audit", false, "also run the takeover audit and show each zone's findings (resolves every outside target: takes time and DNS queries)")
	return cmd
}

// statusReport is what status shows. It is collected (collectStatus, then
// addAudit) apart from how it is written (writeStatusText,
// writeStatusJSON). Every string in it from a file or the provider is
// hostile: the writers escape it.
type statusReport struct {
	Provider string
	Zones    []zoneStatus
	// Audited is set when the audit was asked for; then Audit is its
	// report, or AuditErr says why there is none.
	Audited  bool
	Audit    *audit.Report
	AuditErr error
}

// zoneStatus is one zone's status.
type zoneStatus struct {
	Zone string
	// Status is what the provider reports, when it reports a lifecycle
	// (reconcile.Statuser) and answered; State is "unknown" otherwise.
	Status reconcile.ZoneStatus
	Err    error // why the provider gave no status
	Files  []reconcile.FileInfo
	// Audited is set when the audit read the zone's records; Findings
	// are then what it found.
	Audited  bool
	Findings []audit.Finding
}

// failed reports whether something status was to show could not be read.
func (r *statusReport) failed() bool {
	if r.AuditErr != nil {
		return true
	}
	for _, z := range r.Zones {
		if z.Err != nil {
			return true
		}
	}
	return false
}

// collectStatus asks prov for each zone's status and lists the zone's
// files of repo, as d judged them.
func collectStatus(ctx context.Context, repo *schema.Repo, d *reconcile.Desired, prov reconcile.Provider, zones []string) *statusReport {
	r := &statusReport{Provider: repo.Config.Provider.Type}
	st, _ := prov.(reconcile.Statuser)
	for _, z := range zones {
		zs := zoneStatus{Zone: z, Status: reconcile.ZoneStatus{State: reconcile.ZoneUnknown}}
		if st != nil {
			if s, err := st.ZoneStatus(ctx, z); err != nil {
				zs.Err = err
			} else {
				zs.Status = s
			}
		}
		for _, f := range repo.ZoneFiles(z) {
			fi := reconcile.FileInfo{Path: f.Path, Zone: f.Zone}
			if known := d.Files[f.Path]; known != nil {
				fi = *known
			}
			zs.Files = append(zs.Files, fi)
		}
		r.Zones = append(r.Zones, zs)
	}
	return r
}

// addAudit files the audit's findings under their zones; err is why the
// audit gave no report.
func (r *statusReport) addAudit(rep *audit.Report, err error) {
	r.Audited, r.Audit, r.AuditErr = true, rep, err
	if rep == nil {
		return
	}
	for i := range r.Zones {
		z := &r.Zones[i]
		z.Audited = rep.Audited(z.Zone)
		z.Findings = rep.Zone(z.Zone)
	}
}

// writeStatusText writes r for a terminal. Every string from a file or the
// provider goes through reconcile.Graphic, so none can move the cursor,
// forge a line or a column, or hide text.
func writeStatusText(w io.Writer, r *statusReport) error {
	g := reconcile.Graphic
	join := func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = g(s)
		}
		return strings.Join(out, " ")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, z := range r.Zones {
		s := z.Status
		fmt.Fprintf(tw, "%s\t%s", g(z.Zone), g(string(s.State)))
		if s.Detail != "" && s.Detail != string(s.State) {
			fmt.Fprintf(tw, " (%s)", g(s.Detail))
		}
		fmt.Fprintln(tw)
		if z.Err != nil {
			fmt.Fprintf(tw, "  error:\t%s\n", g(z.Err.Error()))
		}
		if len(s.Delegation) > 0 {
			fmt.Fprintf(tw, "  delegation:\t%s\n", join(s.Delegation))
		}
		if len(s.Nameservers) > 0 {
			fmt.Fprintf(tw, "  nameservers:\t%s\n", join(s.Nameservers))
		}
		for _, ds := range s.DS {
			fmt.Fprintf(tw, "  DS:\t%s\n", g(ds))
		}
		for _, ds := range s.ParentDS {
			fmt.Fprintf(tw, "  parent DS:\t%s\n", g(ds))
		}
		switch s.DSMatch {
		case "":
		case "match":
			fmt.Fprintf(tw, "  DS check:\tmatch: the parent's DS matches the zone's key\n")
		case "mismatch":
			fmt.Fprintf(tw, "  DS check:\tmismatch: no DS at the parent matches the zone's key; validating resolvers fail the zone until the DS above is set at the registrar\n")
		default:
			fmt.Fprintf(tw, "  DS check:\t%s\n", g(s.DSMatch))
		}
		for _, f := range z.Files {
			state := f.State.String()
			if f.Company {
				state += " (company)"
			}
			if f.Reason != "" {
				state += ": " + g(f.Reason)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d records\t%s\n", g(f.Path), join(f.Owners), f.Records, state)
		}
		switch {
		case !z.Audited:
		case len(z.Findings) == 0:
			fmt.Fprintf(tw, "  audit:\tno findings\n")
		default:
			for _, f := range z.Findings {
				fmt.Fprintf(tw, "  finding:\t%s\n", g(f.String()))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var err error
	switch {
	case !r.Audited:
	case r.AuditErr != nil:
		_, err = fmt.Fprintf(w, "Audit failed, no findings are known: %s\n", g(r.AuditErr.Error()))
	default:
		_, err = fmt.Fprintf(w, "Audit: %s\n", r.Audit.Totals())
	}
	return err
}

// statusJSON is `status --format json`. Fields are only ever added.
type statusJSON struct {
	Provider string           `json:"provider"`
	Zones    []statusZoneJSON `json:"zones"`
	Audit    *statusAuditJSON `json:"audit,omitempty"` // with --audit
}

type statusZoneJSON struct {
	Zone        string               `json:"zone"`
	State       string               `json:"state"`
	Detail      string               `json:"detail,omitempty"`
	Nameservers []string             `json:"nameservers"`
	DS          []string             `json:"ds,omitempty"`
	Files       []reconcile.JSONFile `json:"files"`
	Error       string               `json:"error,omitempty"`
	Delegation  []string             `json:"delegation,omitempty"`
	ParentDS    []string             `json:"parent_ds,omitempty"`
	DSMatch     string               `json:"ds_match,omitempty"`
	// Findings is present when the audit read the zone's records, and
	// then a list, empty when there are none: absent means not audited.
	Findings *[]audit.JSONFinding `json:"findings,omitempty"`
}

type statusAuditJSON struct {
	Summary *audit.JSONSummary `json:"summary,omitempty"`
	Error   string             `json:"error,omitempty"` // why the audit gave no report
}

// writeStatusJSON writes r as one JSON document, every rune that is not
// graphic escaped (reconcile.EncodeJSON).
func writeStatusJSON(w io.Writer, r *statusReport) error {
	out := statusJSON{Provider: r.Provider, Zones: []statusZoneJSON{}}
	for _, z := range r.Zones {
		s := z.Status
		jz := statusZoneJSON{Zone: z.Zone, State: string(s.State), Detail: s.Detail, Nameservers: s.Nameservers, DS: s.DS,
			Files: []reconcile.JSONFile{}, Delegation: s.Delegation, ParentDS: s.ParentDS, DSMatch: s.DSMatch}
		if jz.Nameservers == nil {
			jz.Nameservers = []string{}
		}
		if z.Err != nil {
			jz.Error = z.Err.Error()
		}
		for _, f := range z.Files {
			owners := f.Owners
			if owners == nil {
				owners = []string{}
			}
			jz.Files = append(jz.Files, reconcile.JSONFile{Path: f.Path, Zone: f.Zone, State: f.State.String(), Company: f.Company,
				Owners: owners, Reason: f.Reason, Records: f.Records})
		}
		if z.Audited {
			fs := []audit.JSONFinding{}
			for _, f := range z.Findings {
				fs = append(fs, f.JSON())
			}
			jz.Findings = &fs
		}
		out.Zones = append(out.Zones, jz)
	}
	if r.Audited {
		out.Audit = &statusAuditJSON{}
		if r.AuditErr != nil {
			out.Audit.Error = r.AuditErr.Error()
		} else {
			sum := r.Audit.Summary()
			out.Audit.Summary = &sum
		}
	}
	return reconcile.EncodeJSON(w, out)
}

func runStatus(cmd *cobra.Command, g *globals, o *statusOptions) error {
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
	zones := l.repo.Zones()
	var sel func(string) bool
	if len(g.zones) > 0 {
		if zones, err = zoneArgs(g.zones); err != nil {
			return err
		}
		sel = inSet(zones)
	}
	d := reconcile.NewDesired(l.repo, l.grants, l.rev)
	st := collectStatus(ctx, l.repo, d, r.provider, zones)
	if o.audit {
		st.addAudit(auditDesired(ctx, l.repo.Config, d, sel))
	}
	w := cmd.OutOrStdout()
	if o.format == "json" {
		err = writeStatusJSON(w, st)
	} else {
		err = writeStatusText(w, st)
	}
	if err != nil {
		return err
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
	if st.failed() {
		return &exitCodeError{code: exitError}
	}
	return nil
}
