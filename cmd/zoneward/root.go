package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit statuses, as docs/product.md specifies them.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan --detailed-exitcode: the plan has changes
	exitRefused = 3 // a safety threshold refused the plan
)

// exitCodeError carries an exit status other than 1 through cobra.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// run is main without the process: tests call it with buffers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintln(stderr, "zoneward:", ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(stderr, "zoneward:", err)
	return exitError
}

// globals are the flags every command takes.
type globals struct {
	repo  string
	rev   string
	zones []string
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "zoneward",
		Short:         "DNS for domains you don't own, from a Git repository of tenant-owned zone files",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.repo, "repo", ".", "the zones repository `DIR`")
	pf.StringVar(&g.rev, "rev", "", "read the repository at Git revision `REV` rather than the working tree")
	pf.StringArrayVar(&g.zones, "zone", nil, "limit to `ZONE` (repeatable)")
	root.AddCommand(
		newCheckCmd(g),
		newPlanCmd(g, false),
		newPlanCmd(g, true),
		newStatusCmd(g),
		newImportCmd(g),
		newServeCmd(g),
		newAuditCmd(g),
		newVersionCmd(),
	)
	return root
}

// colorful reports whether w is a terminal that wants colour.
func colorful(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
