package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/audit"
	"github.com/zoneward/zoneward/reconcile/dnsquery"
	"github.com/zoneward/zoneward/schema"
)

type auditOptions struct {
	format string
	issues bool
}

func newAuditCmd(g *globals) *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Resolve every target outside the Company's zones: dangling records, lame delegations, claimable names",
		Long: `audit resolves the target of every CNAME, ALIAS, MX, NS, SRV, HTTPS and SVCB record of
the active files whose target lies outside the Company's zones, through audit.resolver
(default: the system's resolvers), and reports each finding with its file:line and owners:

  dangling         the target, or the end of its CNAME chain, does not exist or has no address
  lame delegation  a delegation's nameserver does not answer authoritatively for it, or does not exist
  claimable        the target is below a policy.claimable_suffixes service and does not exist
  unknown          no answer came in time: nothing is claimed

It exits 1 when a finding has severity error: a name someone else can take (claimable, an
unregistered domain, a lame delegation) or a dangling CNAME or ALIAS.

With --issues and the github block, it keeps one GitHub issue per finding (labelled
audit.issue_label), mentioning the file's owners, and closes it when the finding is gone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAudit(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output `FORMAT`: text, json or github")
	f.BoolVar(&o.issues, "issues", false, "keep one GitHub issue per finding (needs the github block of zoneward.yaml)")
	return cmd
}

func runAudit(cmd *cobra.Command, g *globals, o *auditOptions) error {
	if os.Getenv("GITHUB_ACTIONS") == "true" && !cmd.Flags().Changed("format") {
		o.format = "github"
	}
	switch o.format {
	case "text", "json", "github":
	default:
		return fmt.Errorf("--format %q: use text, json or github", o.format)
	}
	ctx := cmd.Context()
	zones, err := zoneArgs(g.zones)
	if err != nil {
		return err
	}
	var sel func(string) bool
	if len(zones) > 0 {
		sel = inSet(zones)
	}
	l, err := loadWith(ctx, g, nil, sel)
	if err != nil {
		return err
	}
	defer l.close()
	cfg := l.repo.Config
	gh, err := newGitHub(cfg.GitHub)
	switch {
	case err != nil && o.issues:
		return err
	case err != nil:
		fmt.Fprintf(cmd.ErrOrStderr(), "zoneward: repository access not checked (%v); files are active by CODEOWNERS alone\n", err)
	case gh != nil:
		// The files audited are those a run would apply: repository
		// access counts, as in plan.
		if l.grants, err = l.repo.Grants(ctx, gh); err != nil {
			return fmt.Errorf("%w: %w", errAccess, err)
		}
	case o.issues:
		return fmt.Errorf("--issues needs the github block in %s (repository, token_env)", schema.ConfigFile)
	}
	d := reconcile.NewDesired(l.repo, l.grants, l.rev)
	rep, err := auditDesired(ctx, cfg, d, sel)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	switch o.format {
	case "json":
		err = audit.JSON(w, rep)
	case "github":
		err = writeAuditAnnotations(w, rep)
	default:
		err = audit.Text(w, rep)
	}
	if err != nil {
		return err
	}
	if n := len(l.repo.Errs); n > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%d validation problem(s): invalid files were not audited; run zoneward check\n", n)
	}
	if o.issues {
		res, err := syncAuditIssues(ctx, gh, cfg.Audit.IssueLabel, rep, l.rev)
		if err != nil {
			return fmt.Errorf("keeping the audit's issues on %s: %w", gh.Repository(), err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "Issues on %s: %d opened, %d edited, %d reopened, %d closed, %d unchanged, %d left closed as not planned",
			gh.Repository(), len(res.Opened), len(res.Edited), len(res.Reopened), len(res.Closed), len(res.Unchanged), len(res.Silenced))
		if res.Deferred > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "; %d left for the next run (GitHub's content rate limit)", res.Deferred)
		}
		fmt.Fprintln(cmd.ErrOrStderr(), ".")
	}
	if n := rep.Count(audit.Error); n > 0 {
		return &exitCodeError{code: exitError, err: fmt.Errorf("%d finding(s) of severity error", n)}
	}
	return nil
}

// auditDesired runs the takeover audit over d with zoneward.yaml's audit
// block and claimable list; sel, when not nil, selects the zones audited.
// The daemon's scheduled audit calls it too.
func auditDesired(ctx context.Context, cfg schema.Config, d *reconcile.Desired, sel func(string) bool) (*audit.Report, error) {
	resolvers := cfg.Audit.Resolver
	if len(resolvers) == 0 {
		var err error
		if resolvers, err = dnsquery.SystemResolvers(); err != nil {
			return nil, fmt.Errorf("%w; or set audit.resolver in %s", err, schema.ConfigFile)
		}
	}
	return audit.Run(ctx, d, audit.Options{
		Resolvers:   resolvers,
		Claimable:   cfg.Policy.ClaimableSuffixes,
		Timeout:     cfg.Audit.Timeout,
		Concurrency: cfg.Audit.Concurrency,
		Zones:       sel,
	})
}

// syncAuditIssues keeps one issue per finding of rep on GitHub, errors
// first. Only a finding known to be gone closes its issue: an unknown
// finding opens and closes nothing, and the issues of zones rep did not
// audit, and of files it held (revoked or invalid, whose records may still
// be served as last applied), stay as they are.
// rev, when set, is named in the note of an issue closed as fixed.
func syncAuditIssues(ctx context.Context, gh *github.Client, label string, rep *audit.Report, rev string) (github.IssueSync, error) {
	findings := append([]audit.Finding(nil), rep.Findings...)
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Severity > findings[j].Severity })
	unknown := map[string]bool{}
	seen := map[string]bool{}
	var want []github.Issue
	for _, f := range findings {
		m := f.Marker()
		switch {
		case f.Kind == audit.Unknown:
			unknown[m] = true
		case !seen[m]:
			seen[m] = true
			want = append(want, github.Issue{Marker: m, Title: f.IssueTitle(), Body: f.IssueBody()})
		}
	}
	closing := "**Resolved:** `zoneward audit` no longer finds this."
	if rev != "" {
		closing = fmt.Sprintf("**Resolved:** `zoneward audit` no longer finds this at revision `%s`.", rev)
	}
	return gh.SyncIssues(ctx, github.IssueSet{
		Label:   label,
		Prefix:  audit.MarkerPrefix,
		Closing: closing,
		Keep: func(m string) bool {
			mk, ok := audit.ParseMarker(m)
			return !ok || !rep.Audited(mk.Zone) || rep.IsHeld(mk.File) || unknown[m]
		},
	}, want)
}

// writeAuditAnnotations prints findings as GitHub workflow annotations on
// their files and lines, at the level of their severity.
func writeAuditAnnotations(w io.Writer, rep *audit.Report) error {
	for _, f := range rep.Findings {
		props := "file=" + ghProp(f.File)
		if f.Line > 0 {
			props += fmt.Sprintf(",line=%d", f.Line)
		}
		props += ",title=" + ghProp("zoneward audit: "+string(f.Kind))
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", f.Severity, props, ghData(f.Record()+": "+f.Message())); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d finding(s): %d error, %d warning, %d notice; %d record(s) checked with %d DNS queries.\n",
		len(rep.Findings), rep.Count(audit.Error), rep.Count(audit.Warning), rep.Count(audit.Notice), rep.Records, rep.Queries)
	return err
}
