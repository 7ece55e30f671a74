package zonefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
)

// newReload is newTest with a reload command.
func newReload(t *testing.T, timeout time.Duration, argv ...string) *Provider {
	t.Helper()
	p, err := New(Options{
		Dir:           filepath.Join(t.TempDir(), "zones"),
		Nameservers:   []string{"ns1.example.net."},
		Hostmaster:    "hostmaster.example.net.",
		Reload:        argv,
		ReloadTimeout: timeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return day }
	return p
}

// lines reads a log the test's reload commands append to; none yet is
// no lines.
func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func create(t *testing.T, name, value string) reconcile.Changes {
	return reconcile.Changes{Create: []reconcile.Record{rec(t, name, "A", 300, value, "zones/example.com.yaml")}}
}

func TestReloadOptions(t *testing.T) {
	ok := Options{Dir: "/srv/zones", Nameservers: []string{"ns1.example.net."}, Hostmaster: "hostmaster.example.net.",
		Reload: []string{"rndc", "reload", "{zone}"}, ReloadTimeout: time.Minute}
	if _, err := New(ok); err != nil {
		t.Fatalf("New(%+v): %v", ok, err)
	}
	for _, tc := range []struct {
		name    string
		reload  []string
		timeout time.Duration
		want    string
	}{
		{"empty list", []string{}, 0, "provider.reload: empty"},
		{"empty command", []string{"", "reload"}, 0, "provider.reload[0]: empty"},
		{"empty argument", []string{"rndc", "reload", ""}, 0, "provider.reload[2]: empty argument"},
		{"relative path", []string{"bin/reload", "{zone}"}, 0, `provider.reload[0]: "bin/reload" is a relative path`},
		{"placeholder as command", []string{"{zone}"}, 0, `provider.reload[0]: "{zone}": the command must be a fixed program`},
		{"placeholder inside", []string{"knotc", "--zone={zone}"}, 0, `provider.reload[1]: "--zone={zone}": {zone} and {file} are replaced only as whole arguments`},
		{"file inside", []string{"reload-zone", "path={file}"}, 0, `provider.reload[1]: "path={file}"`},
		{"misspelt placeholder", []string{"rndc", "reload", "{zones}"}, 0, `provider.reload[2]: "{zones}" is not a placeholder`},
		{"NUL", []string{"rndc", "re\x00load"}, 0, `provider.reload[1]: "re\x00load" holds a NUL byte`},
		{"negative timeout", []string{"rndc"}, -time.Second, "provider.reload_timeout: -1s is negative"},
		{"long timeout", []string{"rndc"}, time.Hour, "provider.reload_timeout: 1h0m0s is longer than the 10m0s"},
		{"timeout alone", nil, time.Second, "provider.reload_timeout: set without provider.reload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			o.Reload, o.ReloadTimeout = tc.reload, tc.timeout
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// What looks like JSON is an argument like any other.
	o := ok
	o.Reload = []string{"notify-server", `{"zone":1}`, "{file}"}
	if _, err := New(o); err != nil {
		t.Errorf("New(%q): %v", o.Reload, err)
	}
}

// TestReload: the command runs once per written zone, with the zone and
// its file as whole arguments, in the zone directory, with PATH as its
// whole environment; a zone whose file is unchanged runs nothing.
func TestReload(t *testing.T) {
	const secret = "ZONEWARD_TEST_SECRET=never-seen-by-reload"
	t.Setenv("ZONEWARD_TEST_SECRET", "never-seen-by-reload")
	log := filepath.Join(t.TempDir(), "log")
	env := filepath.Join(t.TempDir(), "env")
	p := newReload(t, 0, "sh", "-c", `printf '%s|%s|%s\n' "$1" "$2" "$(pwd)" >> "$3"; env > "$4"`, "sh", "{zone}", "{file}", log, env)
	if p.reloadTimeout != defaultReloadTimeout {
		t.Errorf("reload timeout %s, want the default %s", p.reloadTimeout, defaultReloadTimeout)
	}
	zonePath := filepath.Join(p.dir, "example.com.zone")

	apply(t, p, "example.com.", create(t, "a.example.com.", "192.0.2.1"))
	want := "example.com|" + zonePath + "|" + p.dir
	if got := lines(t, log); len(got) != 1 || got[0] != want {
		t.Errorf("reload ran with %q, want once with %q", got, want)
	}
	envData, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(envData), "PATH="+os.Getenv("PATH")) || strings.Contains(string(envData), secret) {
		t.Errorf("the reload command's environment:\n%s\nwant PATH and nothing of zoneward's own", envData)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(envData)), "\n") {
		// The shell adds PWD itself; anything else came from zoneward.
		if name, _, _ := strings.Cut(l, "="); name != "PATH" && name != "PWD" && name != "OLDPWD" && name != "SHLVL" && name != "_" {
			t.Errorf("the reload command inherited %s", name)
		}
	}

	// Nothing to change, or changes that leave the file as it is: no reload.
	apply(t, p, "example.com.", reconcile.Changes{})
	apply(t, p, "example.com.", create(t, "a.example.com.", "192.0.2.1"))
	if got := lines(t, log); len(got) != 1 {
		t.Errorf("reload ran %d times, want once: an unchanged file runs nothing", len(got))
	}
	if p.Unfinished(context.Background(), "example.com.") {
		t.Error("Unfinished after a successful reload")
	}
	// A change, and a zone created without records, reload.
	apply(t, p, "example.com.", create(t, "b.example.com.", "192.0.2.2"))
	apply(t, p, "example.org.", reconcile.Changes{})
	if got := lines(t, log); len(got) != 3 || !strings.HasPrefix(got[2], "example.org|") {
		t.Errorf("reloads %q, want a third for example.org", got)
	}
	if zones, err := p.Zones(context.Background()); err != nil || strings.Join(zones, " ") != "example.com. example.org." {
		t.Errorf("Zones = %q, %v", zones, err)
	}
	if ents, _ := os.ReadDir(p.dir); len(ents) != 2 {
		t.Errorf("the zone directory holds %d entries, want the two zone files and no marker", len(ents))
	}
}

// TestReloadFailureRetried: a failed reload is a *ReloadError naming the
// zone, the file written and the command's status and output; the file
// stays written; the zone is unfinished, and every later Apply of it, with
// changes or not, runs the reload again until it succeeds.
func TestReloadFailureRetried(t *testing.T) {
	dir := t.TempDir()
	log, down := filepath.Join(dir, "log"), filepath.Join(dir, "server-down")
	if err := os.WriteFile(down, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := newReload(t, 0, "sh", "-c", `echo "$1" >> "$2"; if [ -e "$3" ]; then echo "rndc: connect failed: 127.0.0.1#953: connection refused" >&2; exit 1; fi`,
		"sh", "{zone}", log, down)
	ctx := context.Background()

	err := p.Apply(ctx, "example.com.", create(t, "a.example.com.", "192.0.2.1"))
	var re *ReloadError
	if !errors.As(err, &re) {
		t.Fatalf("Apply error = %v, want a *ReloadError", err)
	}
	for _, want := range []string{"zone example.com.", "example.com.zone is written, but the name server did not reload it",
		"exit status 1", `"rndc: connect failed: 127.0.0.1#953: connection refused"`, "the next apply runs the reload again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if !errors.Is(err, reconcile.ErrUnfinished) {
		t.Errorf("a failed reload does not match reconcile.ErrUnfinished, so its written records would count as not applied")
	}
	if re.Zone != "example.com." || re.Argv[4] != "example.com" {
		t.Errorf("ReloadError = %+v", re)
	}
	if _, ok := find(records(t, p, "example.com."), "a.example.com.", "A"); !ok {
		t.Error("the zone file was not written")
	}
	if !p.Unfinished(ctx, "example.com.") {
		t.Error("not Unfinished after a failed reload")
	}
	if st, err := p.ZoneStatus(ctx, "example.com."); err != nil || st.Detail != "zone file, reload pending" {
		t.Errorf("ZoneStatus = %+v, %v", st, err)
	}
	marker, err := os.ReadFile(filepath.Join(p.dir, "example.com.reload-pending"))
	if err != nil || !strings.Contains(string(marker), "connection refused") {
		t.Errorf("marker = %q, %v; want it to hold the failure", marker, err)
	}

	// Still down: an apply with nothing to change tries again, and fails.
	if err := p.Apply(ctx, "example.com.", reconcile.Changes{}); !errors.As(err, &re) {
		t.Errorf("Apply with no changes, server down: %v", err)
	}
	// Records refused and a reload failed: both are reported.
	bad := reconcile.Record{Name: "x.example.org.", Type: "A", TTL: 300, Value: "192.0.2.9", File: "zones/example.com.yaml"}
	err = p.Apply(ctx, "example.com.", reconcile.Changes{Create: []reconcile.Record{bad}})
	var rej *reconcile.RejectedError
	if !errors.As(err, &rej) || !errors.As(err, &re) {
		t.Errorf("Apply with a refused record and the server down: %v; want both", err)
	}
	if got := lines(t, log); len(got) != 3 {
		t.Errorf("reload ran %d times, want 3 (each apply retries)", len(got))
	}

	// The server is back: the next apply with nothing to change reloads.
	if err := os.Remove(down); err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx, "example.com.", reconcile.Changes{}); err != nil {
		t.Fatalf("Apply once the server is back: %v", err)
	}
	if p.Unfinished(ctx, "example.com.") {
		t.Error("still Unfinished after the reload succeeded")
	}
	if _, err := os.Stat(filepath.Join(p.dir, "example.com.reload-pending")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker left after the reload succeeded: %v", err)
	}
	apply(t, p, "example.com.", reconcile.Changes{})
	if got := lines(t, log); len(got) != 4 {
		t.Errorf("reload ran %d times, want 4: once more when the server was back, then never", len(got))
	}
	if st, _ := p.ZoneStatus(ctx, "example.com."); st.Detail != "zone file" {
		t.Errorf("ZoneStatus detail %q once reloaded", st.Detail)
	}
}

// TestReloadMarkedBeforeWrite: the zone's marker is durable before its
// file is replaced, so that a run that dies between the write and the
// reload leaves the reload to the next; and a run cancelled after the
// write still reloads the zone it wrote.
func TestReloadMarkedBeforeWrite(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	p := newReload(t, 0, "sh", "-c", `echo "$1" >> "$2"`, "sh", "{zone}", log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	crash := errors.New("simulated crash")
	p.beforeRename = func() error {
		if _, err := os.Stat(filepath.Join(p.dir, "example.com.reload-pending")); err != nil {
			t.Errorf("the marker is not there before the zone file is replaced: %v", err)
		}
		return crash
	}
	if err := p.Apply(ctx, "example.com.", create(t, "a.example.com.", "192.0.2.1")); !errors.Is(err, crash) {
		t.Fatalf("Apply = %v, want the crash", err)
	}
	if !p.Unfinished(ctx, "example.com.") {
		t.Error("not Unfinished after a crash before the reload")
	}
	p.beforeRename = func() error { cancel(); return nil }
	if err := p.Apply(ctx, "example.com.", create(t, "a.example.com.", "192.0.2.1")); err != nil {
		t.Fatalf("Apply cancelled after the write: %v", err)
	}
	if got := lines(t, log); len(got) != 1 {
		t.Errorf("reload ran %d times, want once, despite the cancellation", len(got))
	}
}

// TestReloadBounded: the output kept is the first 4 KiB, and a command
// past the timeout is killed with the children it started.
func TestReloadBounded(t *testing.T) {
	p := newReload(t, 0, "sh", "-c", `head -c 100000 /dev/zero | tr '\0' x; exit 2`)
	err := p.Apply(context.Background(), "example.com.", reconcile.Changes{})
	var re *ReloadError
	if !errors.As(err, &re) || len(re.Output) != reloadOutputMax || !re.Truncated || !strings.Contains(err.Error(), "exit status 2") ||
		!strings.Contains(err.Error(), "output (cut at 4 KiB)") || len(err.Error()) > 2*reloadOutputMax {
		t.Errorf("Apply error (%d bytes) = %.300v…", len(err.Error()), err)
	}

	pidFile := filepath.Join(t.TempDir(), "pid")
	p = newReload(t, 300*time.Millisecond, "sh", "-c", `sleep 60 & echo $! > "$1"; wait`, "sh", pidFile)
	err = p.Apply(context.Background(), "example.com.", reconcile.Changes{})
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "did not finish within 300ms (provider.reload_timeout), killed") {
		t.Fatalf("Apply error = %v", err)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for range 100 {
		if !alive(pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("the reload command's child %d outlived its timeout", pid)
}

// alive reports whether pid is a process that has not exited (a zombie
// waiting for its parent to reap it has).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// TestReloadOptionLikeZone: a zone name that a command would read as an
// option never reaches it. Repository zones cannot have one; a provider
// called by another program could: such a name is no zone name at all.
func TestReloadOptionLikeZone(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	p := newReload(t, 0, "sh", "-c", `echo "$1" >> "$2"`, "sh", "{zone}", log)
	err := p.Apply(context.Background(), "-c.example.", reconcile.Changes{})
	if err == nil || !strings.Contains(err.Error(), `invalid zone name "-c.example."`) {
		t.Errorf("Apply = %v", err)
	}
	if got := lines(t, log); len(got) != 0 {
		t.Errorf("the command ran: %q", got)
	}
}
