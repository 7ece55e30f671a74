package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/reconcile"
)

type planOptions struct {
	format       string
	detailedExit bool
	force        bool
	stats        bool
	apply        bool
}

func newPlanCmd(g *globals, apply bool) *cobra.Command {
	o := &planOptions{apply: apply}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Read the provider and print what apply would do, per zone and per file, with owners",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runPlan(cmd, g, o) },
	}
	f := cmd.Flags()
	if apply {
		cmd.Use = "apply"
		cmd.Short = "Apply the plan: zone by zone, refusing zones over the safety thresholds unless --force"
		f.BoolVar(&o.force, "force", false, "apply zones refused by the safety thresholds too")
	} else {
		f.BoolVar(&o.detailedExit, "detailed-exitcode", false, "exit 2 when the plan has changes")
	}
	f.StringVar(&o.format, "format", "text", "output `FORMAT`: text, markdown or json")
	f.BoolVar(&o.stats, "stats", false, "print the provider requests used, by kind")
	return cmd
}

// statser is implemented by providers that count their API requests.
type statser interface {
	Stats() map[string]int
}

func runPlan(cmd *cobra.Command, g *globals, o *planOptions) error {
	switch o.format {
	case "text", "markdown", "json":
	default:
		return fmt.Errorf("--format %q: use text, markdown or json", o.format)
	}
	ctx := cmd.Context()
	// load repository → validate → grants
	l, err := load(ctx, g)
	if err != nil {
		return err
	}
	// build desired state
	desired := reconcile.NewDesired(l.repo, l.grants, l.rev)
	// read provider → plan
	prov, err := newProvider(l.repo.Config, l.dir)
	if err != nil {
		return err
	}
	zones, err := zonesToPlan(ctx, g, l, prov)
	if err != nil {
		return err
	}
	eng := &reconcile.Engine{Provider: prov, Policy: l.repo.Config.Policy}
	p, err := eng.Plan(ctx, desired, zones)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	var stats map[string]int
	if s, ok := prov.(statser); ok && (o.stats || o.format == "json") {
		stats = s.Stats()
	}
	if !o.apply {
		if err := writePlan(out, o.format, p, stats); err != nil {
			return err
		}
		if o.stats && o.format != "json" {
			writeStats(out, stats)
		}
		return planExit(p, o.detailedExit)
	}
	// apply
	if o.format != "json" {
		if err := writePlan(out, o.format, p, nil); err != nil {
			return err
		}
	}
	res := eng.Apply(ctx, p, o.force)
	if s, ok := prov.(statser); ok && (o.stats || o.format == "json") {
		stats = s.Stats()
	}
	if o.format == "json" {
		if err := reconcile.WriteJSON(out, p, stats); err != nil {
			return err
		}
	} else {
		writeResult(out, res)
		if o.stats {
			writeStats(out, stats)
		}
	}
	switch {
	case res.Err() != nil:
		return &exitCodeError{code: exitError, err: res.Err()}
	case res.Refused():
		return &exitCodeError{code: exitRefused, err: fmt.Errorf("some zones were refused by the safety thresholds; review them and apply with --force")}
	}
	return nil
}

func writePlan(w io.Writer, format string, p *reconcile.Plan, stats map[string]int) error {
	switch format {
	case "json":
		return reconcile.WriteJSON(w, p, stats)
	case "markdown":
		return reconcile.WriteMarkdown(w, p)
	}
	return reconcile.WriteText(w, p, reconcile.TextOptions{Color: colorful(w)})
}

// planExit maps a plan to PRODUCT.md's exit statuses: blocked zones are
// errors (1), refusals 3, and with --detailed-exitcode changes are 2.
func planExit(p *reconcile.Plan, detailed bool) error {
	refused := false
	for _, zp := range p.Zones {
		if zp.Err != nil || len(zp.Invalid) > 0 || len(zp.Conflicts) > 0 {
			return &exitCodeError{code: exitError, err: fmt.Errorf("zone %s: %s", zp.Zone, zp.Blocked())}
		}
		if zp.Unsafe != nil {
			refused = true
		}
	}
	if refused {
		return &exitCodeError{code: exitRefused}
	}
	if detailed && p.HasChanges() {
		return &exitCodeError{code: exitChanges}
	}
	return nil
}

func writeResult(w io.Writer, res *reconcile.Result) {
	applied, zones := 0, 0
	for _, z := range res.Zones {
		if z.Applied > 0 {
			applied += z.Applied
			zones++
		}
		if z.Err != nil {
			fmt.Fprintf(w, "error: %v\n", z.Err)
		}
		if z.Unsafe != nil {
			fmt.Fprintf(w, "refused: %v\n", z.Unsafe)
		}
	}
	fmt.Fprintf(w, "Applied %d change(s) in %d zone(s).\n", applied, zones)
}

func writeStats(w io.Writer, stats map[string]int) {
	if len(stats) == 0 {
		fmt.Fprintln(w, "Provider requests: none counted.")
		return
	}
	keys := make([]string, 0, len(stats))
	total := 0
	for k, v := range stats {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "Provider requests: %d", total)
	for _, k := range keys {
		fmt.Fprintf(w, ", %s %d", k, stats[k])
	}
	fmt.Fprintln(w)
}
