package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerfileShape reads the Dockerfile for what the image promises,
// so that the promise is checked where no Docker engine runs: a static
// binary, a final stage without a shell, a non-root user, an exec-form
// entrypoint.
func TestDockerfileShape(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []string // each stage's instructions, joined
	sc := bufio.NewScanner(f)
	var cont string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if l, ok := strings.CutSuffix(line, "\\"); ok {
			cont += l + " "
			continue
		}
		line, cont = cont+line, ""
		if strings.HasPrefix(line, "FROM ") {
			stages = append(stages, "")
		}
		if len(stages) > 0 {
			stages[len(stages)-1] += line + "\n"
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a run stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Error("the build stage does not build with CGO_ENABLED=0: the binary would need a C library")
	}
	from := strings.Fields(strings.SplitN(final, "\n", 2)[0])[1]
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("final stage FROM %s: want distroless/static or scratch (no shell)", from)
	}
	var user string
	for _, l := range strings.Split(final, "\n") {
		if u, ok := strings.CutPrefix(l, "USER "); ok {
			user = u
		}
		if strings.HasPrefix(l, "RUN ") {
			t.Errorf("the final stage runs %q: it has no shell to run it", l)
		}
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
	if !strings.Contains(final, `ENTRYPOINT ["`) {
		t.Error("ENTRYPOINT is not in exec form: the shell form needs /bin/sh")
	}
}

// TestDockerImage builds the image and runs it, where a Docker engine is
// available. Neither this machine nor CI has one, so without one the test
// skips, saying so, even under CI.
func TestDockerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image; skipped with -short")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker is not installed: the Dockerfile is not built here (TestDockerfileShape still checks it)")
	}
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine answers (docker info: %v): the Dockerfile is not built here\n%s", err, out)
	}
	b := make([]byte, 6)
	rand.Read(b)
	tag := "zoneward-test:" + hex.EncodeToString(b)
	docker := func(args ...string) (string, error) {
		out, err := exec.Command("docker", args...).CombinedOutput()
		return string(out), err
	}
	if out, err := docker("build", "--build-arg", "VERSION=v0.0.0-dockertest", "-t", tag, filepath.Join("..", "..")); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { docker("rmi", "-f", tag) })
	out, err := docker("run", "--rm", tag, "version")
	if err != nil || !strings.HasPrefix(out, "zoneward v0.0.0-dockertest\n") {
		t.Errorf("docker run %s version: %v\n%s", tag, err, out)
	}
	if out, _ := docker("inspect", "-f", "{{.Config.User}}", tag); strings.TrimSpace(out) != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", out)
	}
	if out, err := docker("run", "--rm", "--entrypoint", "/bin/sh", tag, "-c", "true"); err == nil {
		t.Errorf("the image has a shell:\n%s", out)
	}
	// The daemon starts far enough to refuse a missing repository.
	if out, err := docker("run", "--rm", tag, "serve", "--repo", "/var/lib/zoneward/none"); err == nil || !strings.Contains(out, "give --remote to clone it") {
		t.Errorf("serve without a repository: %v\n%s", err, out)
	}
}
