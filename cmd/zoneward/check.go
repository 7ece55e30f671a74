package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoneward/zoneward/github"
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

With --base REV --author LOGIN it also enforces the pull-request rule: every zone file
added, changed or deleted since REV must be owned by LOGIN in REV's CODEOWNERS, or
LOGIN must be a Company admin; changes to zoneward.yaml, CODEOWNERS or .github/ need
a Company admin.`,
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
	if o.base == "" && o.author == "" && strings.HasPrefix(os.Getenv("GITHUB_EVENT_NAME"), "pull_request") {
		ev, err := github.ReadEvent(os.Getenv("GITHUB_EVENT_PATH"))
		if err != nil {
			return err
		}
		o.base, o.author = ev.BaseSHA, ev.Author
	}
	switch o.format {
	case "text", "github", "json":
	default:
		return fmt.Errorf("--format %q: use text, github or json", o.format)
	}
	if (o.base == "") != (o.author == "") {
		return fmt.Errorf("--base and --author go together")
	}
	l, err := load(cmd.Context(), g, nil)
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
		base, _, _, err := openRepo(&globals{repo: g.repo, rev: o.base})
		if err != nil {
			return fmt.Errorf("--base: %w", err)
		}
		defer closeFS(base)
		baseRepo, err := schema.Load(base, schema.LoadOptions{})
		if err != nil {
			return fmt.Errorf("--base %s: %w", o.base, err)
		}
		changed, err := schema.ChangedFiles(base, l.fsys)
		if err != nil {
			return err
		}
		var teams schema.Teams
		if gh, err := newGitHub(baseRepo.Config.GitHub); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "zoneward: team membership not checked (%v); only owners named as users count\n", err)
		} else if gh != nil {
			teams = gh
		}
		aerrs, err := schema.CheckAuthor(cmd.Context(), baseRepo, changed, o.author, teams)
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
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "github":
		for _, e := range errs {
			props := "file=" + ghProp(e.File)
			if e.Line > 0 {
				props += fmt.Sprintf(",line=%d", e.Line)
			}
			if e.Col > 0 {
				props += fmt.Sprintf(",col=%d", e.Col)
			}
			if _, err := fmt.Fprintf(w, "::error %s::%s\n", props, ghData(e.Msg)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range errs {
		if _, err := fmt.Fprintln(w, e); err != nil {
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

// ghData escapes a workflow command's message as GitHub's toolkit does
// (core/command.ts escapeData), so file text cannot end the command early.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProp escapes a workflow command property (escapeProperty).
func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
