package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bi     *debug.BuildInfo
		linked string
		want   string
	}{
		{"go install @version", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			"", "zoneward v1.4.0\nrevision unknown\ngo1.26.8\n"},
		{"a checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20260102030405-0123456789ab+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}},
			"v9", "zoneward v0.0.0-20260102030405-0123456789ab+dirty\nrevision 0123456789abcdef (with uncommitted changes) of 2026-01-02T03:04:05Z\ngo1.26.8\n"},
		{"the action's build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"v1.4.0", "zoneward v1.4.0\nrevision unknown\ngo1.26.8\n"},
		{"no build info", nil, "", "zoneward (devel)\nrevision unknown\nunknown\n"},
	} {
		if got := versionText(tc.bi, tc.linked); got != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.name, got, tc.want)
		}
	}
}

// TestVersionOfBuild builds zoneward from a Git repository holding this
// module's files, as `go install` and the composite action build it, and
// runs `zoneward version`. It copies the files into a repository of its
// own because Go stamps VCS information only where .git is a directory,
// which a `git worktree` checkout's is not, and so that what is built is
// the code under test, committed or not.
func TestVersionOfBuild(t *testing.T) {
	t.Parallel() // it waits on the go command
	if testing.Short() {
		t.Skip("builds zoneward; skipped with -short")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for _, f := range strings.Split(git(t, root, "ls-files", "--cached", "--others", "--exclude-standard"), "\n") {
		data, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		write(t, src, f, string(data))
	}
	git(t, src, "init", "-q")
	commitAll(t, src, "the tree under test")
	head := git(t, src, "rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "zoneward")
	build := func(args ...string) string {
		t.Helper()
		// -trimpath keeps the copy's directory out of the build cache's
		// keys, so that a second run of the test compiles nothing.
		cmd := exec.Command("go", append(append([]string{"build", "-trimpath"}, args...), "-o", bin, "./cmd/zoneward")...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", args, err, out)
		}
		out, err := exec.Command(bin, "version").CombinedOutput()
		if err != nil {
			t.Fatalf("zoneward version: %v\n%s", err, out)
		}
		return string(out)
	}
	// A build in a Git checkout names its commit.
	if out := build("-buildvcs=true"); !strings.Contains(out, "\nrevision "+head) {
		t.Errorf("a build of commit %s says:\n%s", head, out)
	}
	// A tree without Git (the action's download, the Docker context)
	// takes its version from the linker.
	out := build("-buildvcs=false", "-ldflags", "-X main.version=v1.2.3-test")
	if !strings.HasPrefix(out, "zoneward v1.2.3-test\nrevision unknown\n") {
		t.Errorf("a build with a linked version says:\n%s", out)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
