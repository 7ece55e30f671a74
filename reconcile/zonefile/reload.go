package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/zoneward/zoneward/reconcile"
)

const (
	zoneToken = "{zone}"
	fileToken = "{file}"

	// reloadOutputMax bounds what a reload command's output costs, in
	// memory and in the error that quotes it: rndc and knotc say what went
	// wrong in a line, and a command that writes more is cut, not waited
	// on for a full pipe.
	reloadOutputMax = 4 << 10
	// reloadWaitDelay bounds the wait for the output pipes once the
	// command has exited or been killed: a child it left behind holding
	// them must not hold the apply.
	reloadWaitDelay = 5 * time.Second
	// pendingSuffix names the marker of a zone whose file the name server
	// may not have loaded: <zone>.reload-pending, beside <zone>.zone.
	pendingSuffix = ".reload-pending"
	// defaultPath is the PATH of the reload command when zoneward itself
	// has none.
	defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// A ReloadError is a reload command's failure for one zone. The zone file
// is written, the name server may still serve the zone as it was, and the
// zone's marker (<zone>.reload-pending) makes the next Apply of the zone
// run the command again, with or without changes.
type ReloadError struct {
	Zone      string   // the zone, fully qualified
	File      string   // the zone file, written
	Argv      []string // the command, as run
	Err       error    // the exit status, the timeout, or why it did not start
	Output    []byte   // the first 4 KiB of its standard output and error, interleaved
	Truncated bool     // there was more output than Output holds
}

func (e *ReloadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is written, but the name server did not reload it: provider.reload %q: %v", filepath.Base(e.File), e.Argv, e.Err)
	if out := strings.TrimSpace(string(e.Output)); out != "" {
		more := ""
		if e.Truncated {
			more = " (cut at 4 KiB)"
		}
		fmt.Fprintf(&b, "; output%s: %q", more, out)
	}
	b.WriteString("; the next apply runs the reload again")
	return b.String()
}

func (e *ReloadError) Unwrap() error { return e.Err }

// Is matches reconcile.ErrUnfinished: the zone's changes are written.
func (e *ReloadError) Is(target error) bool { return target == reconcile.ErrUnfinished }

// pendingName is the marker file of the zone origin.
func pendingName(origin string) string { return strings.TrimSuffix(origin, ".") + pendingSuffix }

// reloadPending reports whether origin's marker exists. When that cannot
// be told, it reports true: a reload too many costs a moment, a reload
// missed leaves the server on an old zone.
func (p *Provider) reloadPending(origin string) bool {
	d, err := p.zoneDir(false)
	if err != nil {
		return true
	}
	if d == nil {
		return false
	}
	_, err = d.Stat(pendingName(origin))
	return !errors.Is(err, fs.ErrNotExist)
}

// markPending records, durably and before the zone file is replaced, that
// the name server has yet to load origin's file, so that a crash between
// the write and the reload leaves the reload to the next run.
func (p *Provider) markPending(origin, why string) error {
	d, err := p.zoneDir(true)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("zoneward wrote %s.zone and the name server has not reloaded it yet: the next apply runs provider.reload.\n", strings.TrimSuffix(origin, "."))
	if why != "" {
		msg += why + "\n"
	}
	return d.WriteFile(pendingName(origin), []byte(msg), 0o644)
}

// Unfinished reports whether zone's file was written and the name server
// has not reloaded it since (provider.reload failed, or the run ended
// before it ran). The engine then calls Apply for the zone even when
// there is nothing to change, and Apply runs the reload again.
func (p *Provider) Unfinished(ctx context.Context, zone string) bool {
	if p.reload == nil || ctx.Err() != nil {
		return false
	}
	origin, _, err := p.zonePath(zone)
	if err != nil {
		return false
	}
	return p.reloadPending(origin)
}

// reloadZone runs the reload command for origin, whose file is path, and
// keeps the zone's marker in step: removed when the command succeeds,
// holding the failure when it does not.
func (p *Provider) reloadZone(ctx context.Context, origin, path string) error {
	if err := p.runReload(ctx, origin, path); err != nil {
		// The marker is already there (written before the zone file, or by
		// an earlier failure); this only adds why, for whoever looks.
		_ = p.markPending(origin, err.Error())
		return fmt.Errorf("zonefile: zone %s: %w", origin, err)
	}
	d, err := p.zoneDir(true)
	if err == nil {
		err = d.Remove(pendingName(origin))
	}
	if err != nil {
		return fmt.Errorf("zonefile: zone %s: reloaded, but the next apply will reload it again: %w", origin, err)
	}
	return nil
}

// runReload runs provider.reload for origin once. The command gets no
// shell, only its configured arguments with "{zone}" and "{file}"
// replaced, and an environment of PATH alone: nothing of zoneward's own
// environment (provider tokens, Git credentials, webhook secrets) reaches
// it. It runs in the zone directory, with no standard input, for at most
// the reload timeout, and, like the zone's write, to its end even when
// ctx is cancelled: a zone whose file is written is finished by its
// reload.
func (p *Provider) runReload(ctx context.Context, origin, path string) error {
	zone := strings.TrimSuffix(origin, ".")
	argv := make([]string, len(p.reload))
	for i, a := range p.reload {
		switch a {
		case zoneToken:
			a = zone
		case fileToken:
			a = path
		}
		argv[i] = a
	}
	// The zone's name is a whole argument, which a command would read as
	// an option if it started with "-"; zonePath has refused such a name
	// (schema.IsName) before any file was written.
	e := &ReloadError{Zone: origin, File: path, Argv: argv}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.reloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	env := os.Getenv("PATH")
	if env == "" {
		env = defaultPath
	}
	cmd.Env = []string{"PATH=" + env}
	cmd.Dir = p.dir
	out := &cappedBuffer{max: reloadOutputMax}
	cmd.Stdout, cmd.Stderr = out, out // one comparable writer: exec calls it from one goroutine at a time
	cmd.WaitDelay = reloadWaitDelay
	killGroup(cmd)
	err := cmd.Run()
	if err == nil {
		return nil
	}
	e.Output, e.Truncated = out.buf, out.cut
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("did not finish within %s (provider.reload_timeout), killed: %w", p.reloadTimeout, err)
	}
	e.Err = err
	return e
}

// cappedBuffer keeps the first max bytes written to it and drops the
// rest, while telling the writer all was written, so that a chatty
// command is neither blocked nor killed by a closed pipe.
type cappedBuffer struct {
	max int
	buf []byte
	cut bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	n := min(len(p), b.max-len(b.buf))
	b.buf = append(b.buf, p[:n]...)
	if n < len(p) {
		b.cut = true
	}
	return len(p), nil
}
