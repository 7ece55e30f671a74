package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/reconcile"
)

type planOptions struct {
	format       string
	detailedExit bool
	force        bool
	stats        bool
	apply        bool
	since        string
	state        string
	comment      bool
}

// commentMarker finds zoneward's sticky comment on a pull request.
const commentMarker = "<!-- zoneward:plan -->"

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
		f.BoolVar(&o.comment, "comment", false, "in a GitHub Actions pull_request run, keep one sticky comment on the pull request with the plan (Markdown)")
	}
	f.StringVar(&o.format, "format", "text", "output `FORMAT`: text, markdown or json")
	f.BoolVar(&o.stats, "stats", false, "print the provider requests used, by kind")
	f.StringVar(&o.since, "since", "", "only zones affected since Git revision `REV` (\"last\": the last applied revision in the state file); reads --rev, default HEAD")
	f.StringVar(&o.state, "state", "", "the state `FILE` of --since last (default: serve.state_file, .zoneward/state.json)")
	return cmd
}

func runPlan(cmd *cobra.Command, g *globals, o *planOptions) error {
	switch o.format {
	case "text", "markdown", "json":
	default:
		return fmt.Errorf("--format %q: use text, markdown or json", o.format)
	}
	ctx := cmd.Context()
	var ev *github.Event
	if o.comment {
		path := os.Getenv("GITHUB_EVENT_PATH")
		if path == "" {
			return fmt.Errorf("--comment works in a GitHub Actions pull_request run (GITHUB_EVENT_PATH is not set)")
		}
		var err error
		if ev, err = github.ReadEvent(path); err != nil {
			return err
		}
		if o.since == "" {
			o.since = ev.BaseSHA // the zones the pull request touches
		}
	}
	r, err := newRunner(g.repo, g.rev)
	if err != nil {
		return err
	}
	res, err := r.run(ctx, runOptions{rev: g.rev, since: o.since, zones: g.zones, apply: o.apply, force: o.force, statePath: o.state})
	if err != nil {
		return err
	}
	p := res.plan
	out := cmd.OutOrStdout()
	stats := func() map[string]int {
		if o.stats || o.format == "json" {
			return providerStats(r.provider)
		}
		return nil
	}
	if !res.scope.Full && o.since != "" && o.format == "text" {
		fmt.Fprintf(out, "Since %s: %d zone(s) affected.\n\n", o.since, len(res.scope.Zones))
	}
	if ev != nil {
		if r.gh == nil {
			return fmt.Errorf("--comment needs the github block in zoneward.yaml (repository, token_env)")
		}
		var md bytes.Buffer
		if err := reconcile.WriteMarkdown(&md, p); err != nil {
			return err
		}
		if _, err := r.gh.UpsertComment(ctx, ev.Number, commentMarker, md.String()); err != nil {
			return fmt.Errorf("updating the plan comment on pull request #%d: %w", ev.Number, err)
		}
	}
	if !o.apply {
		if err := writePlan(out, o.format, p, stats()); err != nil {
			return err
		}
		if o.stats && o.format != "json" {
			writeStats(out, stats())
		}
		return planExit(p, o.detailedExit)
	}
	if o.format == "json" {
		if err := reconcile.WriteJSON(out, p, stats()); err != nil {
			return err
		}
	} else {
		if err := writePlan(out, o.format, p, nil); err != nil {
			return err
		}
		writeResult(out, res.result)
		if o.stats {
			writeStats(out, stats())
		}
	}
	switch {
	case res.result.Err() != nil:
		return &exitCodeError{code: exitError, err: res.result.Err()}
	case res.result.Refused():
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

// planExit maps a plan to the exit statuses of docs/product.md: a zone
// that cannot be read or has files held back is an error (1), refusals 3,
// and with --detailed-exitcode changes are 2.
func planExit(p *reconcile.Plan, detailed bool) error {
	refused := false
	for _, zp := range p.Zones {
		if problem := zp.Problem(); problem != "" {
			return &exitCodeError{code: exitError, err: fmt.Errorf("zone %s: %s", zp.Zone, problem)}
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
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprint(w, "Provider requests:")
	for i, k := range keys {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %s %d", sep, k, stats[k])
	}
	fmt.Fprintln(w)
}
