package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

type checkOptions struct {
	format string
	base   string
	author string
}

func newCheckCmd(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate every file offline; with --base and --author, also who may change what",
		Long: `check validates zoneward.yaml, CODEOWNERS and every zone file, offline, and reports
every problem at once as file:line:col: message.

With --base REV --author LOGIN it also enforces the pull-request rule: every path the
revision read adds, changes, deletes or renames since its merge base with REV must be a
zone or subtree file that REV's CODEOWNERS gives to LOGIN (a rename is a delete and an
add: both paths must be theirs), or LOGIN must be a Company admin; any other path
(zoneward.yaml, CODEOWNERS, .github/, README, docs/, ...) needs a Company admin. A
symbolic link or submodule anywhere is refused for everyone. Files are read up to the
limits of REV's zoneward.yaml, so a pull request cannot raise its own.

In a GitHub Actions pull_request or pull_request_target run, the event names the pull
request: its base commit and author are used, --rev must be its head commit (the
working tree is never trusted there), and, with zoneward.yaml's github block, the
rule applies to every login that authored or committed one of its commits too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output `FORMAT`: text, github or json")
	f.StringVar(&o.base, "base", "", "the pull request's base revision `REV`")
	f.StringVar(&o.author, "author", "", "the pull request's author `LOGIN`")
	return cmd
}

func runCheck(cmd *cobra.Command, g *globals, o *checkOptions) error {
	// In a GitHub Actions pull_request run, the event says who asks to
	// change what, and annotations are the format GitHub shows on the lines.
	if os.Getenv("GITHUB_ACTIONS") == "true" && !cmd.Flags().Changed("format") {
		o.format = "github"
	}
	switch o.format {
	case "text", "github", "json":
	default:
		return fmt.Errorf("--format %q: use text, github or json", o.format)
	}
	var ev *github.Event
	if name := os.Getenv("GITHUB_EVENT_NAME"); strings.HasPrefix(name, "pull_request") {
		var err error
		if ev, err = github.ReadEvent(os.Getenv("GITHUB_EVENT_PATH")); err != nil {
			return err
		}
		if err := eventRevisions(g, o, ev, name); err != nil {
			return err
		}
	}
	if (o.base == "") != (o.author == "") {
		return fmt.Errorf("--base and --author go together")
	}
	// With a base, the base's limits bound the work: a pull request that
	// raises policy.limits in its own zoneward.yaml (refused below, as
	// every such change by a tenant is) must not get to use them first.
	var opts schema.LoadOptions
	if o.base != "" {
		limits, err := baseLimits(g, o.base)
		if err != nil {
			return err
		}
		opts.Limits = &limits
	}
	l, err := loadOpts(cmd.Context(), g, nil, opts)
	if err != nil {
		return err
	}
	defer l.close()
	errs := append(schema.ErrorList(nil), l.repo.Errs...)
	if err := checkProviderConfig(l.repo.Config); err != nil {
		if el, ok := err.(schema.ErrorList); ok {
			errs = append(errs, el...)
		} else {
			errs.Add(schema.Pos{File: schema.ConfigFile, Line: 1}, "%v", err)
		}
	}
	if o.base != "" {
		aerrs, err := checkPullRequest(cmd, g, o, l, ev)
		if err != nil {
			return err
		}
		errs = append(errs, aerrs...)
	}
	errs.Sort()
	if err := writeWarnings(cmd.OutOrStdout(), cmd.ErrOrStderr(), o.format, l.repo.Warnings); err != nil {
		return err
	}
	if err := writeErrors(cmd.OutOrStdout(), o.format, errs, len(l.repo.Files)); err != nil {
		return err
	}
	if len(errs) > 0 {
		return &exitCodeError{code: exitError}
	}
	return nil
}

// eventRevisions makes check judge what the pull_request event names: the
// head commit, read from Git, against the event's base, for the event's
// author. Under pull_request_target the working tree is the base branch
// (or whatever a step left there), and under pull_request it is a merge
// the pull request's own workflow could have altered, so neither is
// read; and flags that name another commit or author are refused rather
// than obeyed, so that a mistaken workflow cannot pass a pull request on
// a judgement of something else.
func eventRevisions(g *globals, o *checkOptions, ev *github.Event, eventName string) error {
	if g.rev == "" {
		return fmt.Errorf("in a %s run the working tree is not trusted: pass --rev %s, the pull request's head commit, which check reads from Git", eventName, ev.HeadSHA)
	}
	head, err := resolveRev(g.repo, g.rev)
	if err != nil {
		return fmt.Errorf("--rev: %w (fetch the pull request's head commit %s first)", err, ev.HeadSHA)
	}
	if !strings.EqualFold(head, ev.HeadSHA) {
		return fmt.Errorf("--rev %s is commit %s, not the head commit of pull request #%d (%s, from the event): check judges the commit the event names", g.rev, head, ev.Number, ev.HeadSHA)
	}
	if o.base != "" {
		base, err := resolveRev(g.repo, o.base)
		if err != nil {
			return fmt.Errorf("--base: %w", err)
		}
		if !strings.EqualFold(base, ev.BaseSHA) {
			return fmt.Errorf("--base %s is commit %s, not the base of pull request #%d (%s, from the event); leave --base out", o.base, base, ev.Number, ev.BaseSHA)
		}
	}
	if o.author != "" && !strings.EqualFold(strings.TrimPrefix(o.author, "@"), ev.Author) {
		return fmt.Errorf("--author %s is not the author of pull request #%d (@%s, from the event); leave --author out", o.author, ev.Number, ev.Author)
	}
	o.base, o.author = ev.BaseSHA, ev.Author
	return nil
}

// baseLimits reads policy.limits of zoneward.yaml at the base revision.
func baseLimits(g *globals, base string) (schema.Limits, error) {
	fsys, _, _, err := openRepo(&globals{repo: g.repo, rev: base})
	if err != nil {
		return schema.Limits{}, fmt.Errorf("--base: %w", err)
	}
	defer closeFS(fsys)
	data, err := schema.ReadConfigFile(fsys)
	if err != nil {
		return schema.Limits{}, fmt.Errorf("--base %s: %w", base, err)
	}
	cfg, _ := schema.ParseConfig(data) // its errors are the base's, not this pull request's
	return cfg.Policy.Limits, nil
}

// resolveRev returns the commit hash rev names in the repository at dir.
func resolveRev(dir, rev string) (string, error) {
	fsys, _, hash, err := openRepo(&globals{repo: dir, rev: rev})
	if err != nil {
		return "", err
	}
	closeFS(fsys)
	return hash, nil
}

// checkPullRequest applies the pull-request rule to what l read against
// o.base: for the author, and under an event for every other login that
// authored or committed one of the pull request's commits.
func checkPullRequest(cmd *cobra.Command, g *globals, o *checkOptions, l *loaded, ev *github.Event) (schema.ErrorList, error) {
	ctx := cmd.Context()
	base, _, baseHash, err := openRepo(&globals{repo: g.repo, rev: o.base})
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	defer closeFS(base)
	// The base's configuration and grants are what is needed of it: its
	// zone files are listed (for paths), not parsed.
	baseRepo, err := schema.Load(base, schema.LoadOptions{Zones: func(string) bool { return false }})
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", o.base, err)
	}
	// What the pull request changes is the difference from where it left
	// the base branch, as GitHub shows it: files the base branch changed
	// since are not the pull request's. Ownership is judged by the base.
	from := base
	if l.rev != "" {
		mb, err := mergeBase(l.dir, baseHash, l.rev)
		if err != nil {
			return nil, err
		}
		if mb != baseHash {
			fsys, _, _, err := openRepo(&globals{repo: g.repo, rev: mb})
			if err != nil {
				return nil, fmt.Errorf("the merge base %s: %w", mb, err)
			}
			defer closeFS(fsys)
			from = fsys
		}
	}
	changed, err := schema.ChangedFiles(from, l.fsys)
	if err != nil {
		return nil, err
	}
	if l.rev == "" {
		// A working tree also holds the reconciler's own output (a local
		// apply's zone files and state), which Git does not track and a
		// pull request cannot carry; it is no change of the author's.
		changed = slices.DeleteFunc(changed, func(p string) bool { return inOutputs(l, p) })
	}
	stderr := cmd.ErrOrStderr()
	ghCfg := baseRepo.Config.GitHub
	gh, ghErr := newGitHub(ghCfg)
	var teams schema.Teams
	if ghErr != nil {
		fmt.Fprintf(stderr, "zoneward: team membership not checked (%v); only owners named as users count\n", ghErr)
	} else if gh != nil {
		teams = gh
	}
	logins := []string{strings.ToLower(strings.TrimPrefix(o.author, "@"))}
	by := map[string]string{} // login → a commit of theirs, for the message
	var unlinked []string     // "commit's author" for commits nobody can be named for
	if ev != nil {
		switch {
		case ghErr != nil:
			return nil, fmt.Errorf("the commits of pull request #%d cannot be read, so who wrote them cannot be checked: %w", ev.Number, ghErr)
		case gh == nil:
			fmt.Fprintf(stderr, "zoneward: warning: zoneward.yaml has no github block, so the authors of pull request #%d's commits are not checked, only its author\n", ev.Number)
		default:
			commits, err := gh.PullCommits(ctx, ev.Number)
			if err != nil {
				return nil, err
			}
			// The list is the pull request's now; a push since the event
			// would make it another's than the head judged.
			if n := len(commits); n == 0 || !strings.EqualFold(commits[n-1].SHA, ev.HeadSHA) {
				return nil, fmt.Errorf("the commits of pull request #%d do not end at the head commit %s of the event (pushed to since?); run the check again", ev.Number, ev.HeadSHA)
			}
			for _, c := range commits {
				for _, who := range []struct{ role, login string }{{"author", c.Author}, {"committer", c.Committer}} {
					switch {
					case who.role == "committer" && who.login == github.WebFlow:
					case who.login == "":
						unlinked = append(unlinked, fmt.Sprintf("%s's %s", shortHash(c.SHA), who.role))
					case !slices.Contains(logins, who.login):
						logins = append(logins, who.login)
						by[who.login] = c.SHA
					}
				}
			}
		}
	}
	var errs schema.ErrorList
	if len(unlinked) > 0 {
		// Someone who cannot be named owns nothing.
		for _, p := range changed {
			errs.Add(schema.Pos{File: p}, "the email of commit %s is linked to no GitHub account, so whether they may change this file cannot be checked; commit with an email of your GitHub account (or its noreply address)", strings.Join(unlinked, ", commit "))
		}
	}
	for _, login := range logins {
		aerrs, err := schema.CheckAuthor(ctx, baseRepo, changed, login, teams)
		if err != nil {
			return nil, err
		}
		for i := range aerrs {
			if sha, ok := by[login]; ok {
				aerrs[i].Msg += fmt.Sprintf(" (@%s authored or committed %s in this pull request, and every contributor must own what it changes)", login, shortHash(sha))
			}
		}
		errs = append(errs, aerrs...)
	}
	if gh != nil {
		owners := tenantOwners(baseRepo, changed)
		for _, login := range logins {
			if !isCompany(ctx, gh, baseRepo.Config.Company, login) && !slices.Contains(owners, "@"+login) {
				owners = append(owners, "@"+login)
			}
		}
		warnWriters(ctx, cmd, o.format, gh, owners)
	}
	return errs, nil
}

// inOutputs reports whether p, a slash-separated path of the repository
// l read, lies in one of the reconciler's directories.
func inOutputs(l *loaded, p string) bool {
	abs := filepath.Join(l.dir, filepath.FromSlash(p))
	for _, o := range outputs(l.repo.Config, l.dir) {
		if rel, err := filepath.Rel(o.dir, abs); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	return false
}

// isCompany reports whether login is a Company admin, by name or through
// an admin team, as the author rule decides it. A failure to ask counts
// as no: the warning it feeds is advice.
func isCompany(ctx context.Context, gh *github.Client, c schema.Company, login string) bool {
	if c.IsAdmin(login) {
		return true
	}
	var teams []string
	for _, a := range c.Admins {
		if strings.Contains(a, "/") {
			teams = append(teams, a)
		}
	}
	if len(teams) == 0 {
		return false
	}
	ok, err := gh.IsMember(ctx, login, teams)
	return err == nil && ok
}

// mergeBase returns the best common ancestor of commits a and b.
func mergeBase(dir, a, b string) (string, error) {
	repo, err := gogit.PlainOpenWithOptions(dir, &gogit.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return "", err
	}
	ca, err := repo.CommitObject(plumbing.NewHash(a))
	if err != nil {
		return "", fmt.Errorf("reading commit %s: %w", a, err)
	}
	cb, err := repo.CommitObject(plumbing.NewHash(b))
	if err != nil {
		return "", fmt.Errorf("reading commit %s: %w", b, err)
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return "", fmt.Errorf("finding the merge base of %s and %s: %w", a, b, err)
	}
	if len(bases) == 0 {
		return "", fmt.Errorf("commits %s and %s have no common ancestor: the pull request does not start from the base branch's history", a, b)
	}
	return bases[0].Hash.String(), nil
}

// tenantOwners lists the CODEOWNERS owners of paths that company.admins
// does not list: tenants, as grants count them.
func tenantOwners(repo *schema.Repo, paths []string) []string {
	var out []string
	if repo.Owners == nil {
		return nil
	}
	for _, p := range paths {
		for _, o := range repo.Owners.Owners(p) {
			if !repo.Config.Company.IsAdmin(o) && !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// warnWriters warns about the tenant owners among owners that hold write
// access or more to the repository: they can push commits onto other
// people's pull-request branches, so tenants should be read collaborators
// who open pull requests from forks. The warning is advice, so a failure
// to ask is a note, not an error.
func warnWriters(ctx context.Context, cmd *cobra.Command, format string, gh *github.Client, owners []string) {
	if len(owners) == 0 {
		return
	}
	roles, err := gh.Roles(ctx, owners)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "zoneward: could not check tenants for write access: %v\n", err)
		return
	}
	var writers []string
	for _, o := range owners {
		if r := roles[o]; r >= github.Write {
			writers = append(writers, fmt.Sprintf("%s (%s)", o, r))
		}
	}
	if len(writers) == 0 {
		return
	}
	sort.Strings(writers)
	msg := fmt.Sprintf("tenant owners with write access or more to %s: %s; they can push commits onto other people's pull-request branches: give tenants read access and let them open pull requests from forks",
		gh.Repository(), strings.Join(writers, ", "))
	if format == "github" {
		fmt.Fprintf(cmd.OutOrStdout(), "::warning::%s\n", ghData(msg))
		return
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "zoneward: warning: %s\n", msg)
}

// writeErrors prints check's verdict. File paths and messages may carry a
// pull request's bytes (a file named with a terminal escape, say), so text
// goes through reconcile.Graphic and JSON through reconcile.EncodeJSON.
func writeErrors(w io.Writer, format string, errs schema.ErrorList, files int) error {
	switch format {
	case "json":
		type jerr struct {
			File    string `json:"file"`
			Line    int    `json:"line,omitempty"`
			Col     int    `json:"col,omitempty"`
			Message string `json:"message"`
		}
		out := struct {
			Files  int    `json:"files"`
			Errors []jerr `json:"errors"`
		}{Files: files, Errors: []jerr{}}
		for _, e := range errs {
			out.Errors = append(out.Errors, jerr{e.File, e.Line, e.Col, e.Msg})
		}
		return reconcile.EncodeJSON(w, out)
	case "github":
		for _, e := range errs {
			if err := ghAnnotation(w, "error", e); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range errs {
		if _, err := fmt.Fprintln(w, reconcile.Graphic(e.Error())); err != nil {
			return err
		}
	}
	if len(errs) == 0 {
		_, err := fmt.Fprintf(w, "ok: %d zone files valid\n", files)
		return err
	}
	_, err := fmt.Fprintf(w, "%d problem(s) found\n", len(errs))
	return err
}

// ghAnnotation writes e as a workflow command of level ("error",
// "warning") on its file, line and column, which GitHub shows on the pull
// request's lines.
func ghAnnotation(w io.Writer, level string, e *schema.Error) error {
	props := "file=" + ghProp(e.File)
	if e.Line > 0 {
		props += fmt.Sprintf(",line=%d", e.Line)
	}
	if e.Col > 0 {
		props += fmt.Sprintf(",col=%d", e.Col)
	}
	_, err := fmt.Fprintf(w, "::%s %s::%s\n", level, props, ghData(e.Msg))
	return err
}

// ghData escapes a workflow command's message as GitHub's toolkit does
// (core/command.ts escapeData), so file text cannot end the command early,
// and what remains non-graphic (terminal escapes) as reconcile.Graphic
// does, since the same text reaches the job's log.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(reconcile.Graphic(s))
}

// ghProp escapes a workflow command property (escapeProperty).
func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(reconcile.Graphic(s))
}
