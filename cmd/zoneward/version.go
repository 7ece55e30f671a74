package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is the version of a build that Go's module system cannot name:
// the composite action and the Dockerfile build from a source tree
// without Git and set it with -ldflags "-X main.version=REF".
var version string

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print zoneward's version, the VCS revision it was built from and its Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText(bi, version))
			return err
		},
	}
}

// versionText renders what a build knows about itself: the module version
// (v1.2.3 from `go install …@v1.2.3`, a pseudo-version or tag from a Git
// checkout, "(devel)" otherwise) unless linked says better, and the VCS
// revision, time and whether the tree had uncommitted changes, which Go
// stamps into builds made in a checkout
// (https://pkg.go.dev/runtime/debug#BuildSetting).
func versionText(bi *debug.BuildInfo, linked string) string {
	v, rev, at, goVersion := "(devel)", "unknown", "", "unknown"
	dirty := false
	if bi != nil {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if linked != "" && (v == "(devel)" || v == "") {
		v = linked
	}
	var b strings.Builder
	fmt.Fprintf(&b, "zoneward %s\n", v)
	fmt.Fprintf(&b, "revision %s", rev)
	if dirty {
		b.WriteString(" (with uncommitted changes)")
	}
	if at != "" {
		fmt.Fprintf(&b, " of %s", at)
	}
	fmt.Fprintf(&b, "\n%s\n", goVersion)
	return b.String()
}
