package outdir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
}

func mustOpen(t testing.TB, path string) *Dir {
	t.Helper()
	d, err := MkdirAll(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFile(t *testing.T) {
	defer umask(0o077)() // the mode asked for is the mode written, whatever the umask
	path := filepath.Join(t.TempDir(), "a", "b", "zones")
	d := mustOpen(t, path)
	if d.Path() != path {
		t.Errorf("Path() = %s, want %s", d.Path(), path)
	}
	for _, content := range []string{"one\n", "two, longer\n", ""} {
		if err := d.WriteFile("example.com.zone", []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := d.ReadFile("example.com.zone", nil)
		if err != nil || string(got) != content {
			t.Errorf("ReadFile = %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(filepath.Join(path, "example.com.zone"))
	if err != nil || fi.Mode() != 0o644 {
		t.Errorf("mode %v, %v; want 0644 so that the name server can read it", fi.Mode(), err)
	}
	if got := names(t, path); len(got) != 1 {
		t.Errorf("the directory holds %q, want only the file", got)
	}
	// ReadFile appends.
	got, err := d.ReadFile("example.com.zone", []byte("prefix:"))
	if err != nil || string(got) != "prefix:" {
		t.Errorf("ReadFile(buf) = %q, %v", got, err)
	}
	if _, err := d.ReadFile("missing.zone", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want ErrNotExist", err)
	}
	if _, err := Open(filepath.Join(path, "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing directory: %v, want ErrNotExist", err)
	}
}

// TestAbortKeepsOldFile is a crash between the synced temporary file and
// the rename: the old file stays, and no temporary file is left.
func TestAbortKeepsOldFile(t *testing.T) {
	path := t.TempDir()
	d := mustOpen(t, path)
	if err := d.WriteFile("state.json", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp, err := d.CreateTemp("state.json", 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, path); len(got) != 2 || !strings.HasPrefix(got[0], ".state.json.tmp") {
		t.Errorf("while writing, the directory holds %q, want the file and a hidden temporary file", got)
	}
	tmp.Abort()
	tmp.Abort()
	if got, _ := d.ReadFile("state.json", nil); string(got) != "old" {
		t.Errorf("after an abort the file reads %q, want the old content", got)
	}
	if got := names(t, path); len(got) != 1 {
		t.Errorf("after an abort the directory holds %q", got)
	}
	tmp, err = d.CreateTemp("state.json", 0o600)
	if err != nil {
		t.Fatal(err)
	}
	tmp.Write([]byte("new"))
	if err := tmp.Commit(); err != nil {
		t.Fatal(err)
	}
	tmp.Abort() // after Commit: harmless
	if got, _ := d.ReadFile("state.json", nil); string(got) != "new" {
		t.Errorf("after Commit the file reads %q", got)
	}
}

// TestLinksRefused: a directory that is, or passes through, a link is
// refused by Open, MkdirAll and Check, and nothing is created where the
// link points; a link in the directory is never read or written through.
func TestLinksRefused(t *testing.T) {
	const secret = "CLOUDFLARE_API_TOKEN=secret-never-printed"
	elsewhere := t.TempDir()
	if err := os.WriteFile(filepath.Join(elsewhere, "env"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	symlink(t, elsewhere, filepath.Join(repo, ".zoneward")) // as a commit could put it in a checkout

	for _, path := range []string{filepath.Join(repo, ".zoneward"), filepath.Join(repo, ".zoneward", "zones")} {
		for op, call := range map[string]func() error{
			"Open":     func() error { _, err := Open(path); return err },
			"MkdirAll": func() error { _, err := MkdirAll(path); return err },
			"Check":    func() error { return Check(path) },
		} {
			err := call()
			var le *LinkError
			if !errors.As(err, &le) || le.Path != filepath.Join(repo, ".zoneward") {
				t.Errorf("%s(%s) = %v, want a *LinkError for the link", op, path, err)
			}
		}
	}
	if got := names(t, elsewhere); len(got) != 1 {
		t.Errorf("the link's target now holds %q: something was created through the link", got)
	}
	if err := os.WriteFile(filepath.Join(repo, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(filepath.Join(repo, "file", "zones")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Check through a file: %v", err)
	}
	if err := Check(filepath.Join(repo, "not", "yet")); err != nil {
		t.Errorf("Check of a missing directory: %v, want nil", err)
	}

	// Inside the directory.
	path := filepath.Join(repo, "zones")
	d := mustOpen(t, path)
	symlink(t, filepath.Join(elsewhere, "env"), filepath.Join(path, "acme.dev.zone"))
	symlink(t, "nowhere", filepath.Join(path, "dangling.zone"))
	if err := os.Mkdir(filepath.Join(path, "dir.zone"), 0o755); err != nil {
		t.Fatal(err)
	}
	pipe := mkfifo(filepath.Join(path, "pipe.zone")) == nil
	for name, readers := range map[string]map[string]func(string, []byte) ([]byte, error){
		"syscalls": {"ReadFile": d.ReadFile},
		"os.Root":  {"readPortable": d.readPortable},
	} {
		for rname, read := range readers {
			for _, file := range []string{"acme.dev.zone", "dangling.zone"} {
				data, err := read(file, nil)
				var le *LinkError
				if !errors.As(err, &le) || le.Path != filepath.Join(path, file) || len(data) != 0 {
					t.Errorf("%s %s(%s) = %q, %v; want a *LinkError naming the file", name, rname, file, data, err)
				}
				if err != nil && strings.Contains(err.Error(), "secret") {
					t.Errorf("%s %s(%s) = %v: it shows the content", name, rname, file, err)
				}
			}
			if _, err := read("dir.zone", nil); err == nil || !strings.Contains(err.Error(), "read "+filepath.Join(path, "dir.zone")+": is a directory") {
				t.Errorf("%s %s of a directory: %v", name, rname, err)
			}
			if pipe {
				start := time.Now()
				if _, err := read("pipe.zone", nil); err == nil || !strings.Contains(err.Error(), "not a regular file") || time.Since(start) > 10*time.Second {
					t.Errorf("%s %s of a named pipe: %v after %v", name, rname, err, time.Since(start))
				}
			}
		}
	}
	// Writing over a link replaces the link; its target is untouched.
	if err := d.WriteFile("acme.dev.zone", []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(elsewhere, "env")); err != nil || string(got) != secret {
		t.Errorf("the link's target reads %q, %v after a write", got, err)
	}
	if fi, err := d.Stat("acme.dev.zone"); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("after a write the file is %v, %v; want a regular file", fi, err)
	}
	if fi, err := d.Stat("dangling.zone"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Stat of a link = %v, %v; want the link itself", fi, err)
	}
	ents, err := d.ReadDir()
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, e := range ents {
		listed = append(listed, fmt.Sprintf("%s %v", e.Name(), e.Type()))
	}
	want := "acme.dev.zone ----------,dangling.zone L---------,dir.zone d---------"
	if pipe {
		want += ",pipe.zone p---------"
	}
	if got := strings.Join(listed, ","); got != want {
		t.Errorf("ReadDir = %s, want %s", got, want)
	}
}

// TestNames: only names of files directly in the directory.
func TestNames(t *testing.T) {
	d := mustOpen(t, t.TempDir())
	for _, name := range []string{"", ".", "..", "../x", "a/b", "/etc/passwd", `a\b`, "a\x00b"} {
		if _, err := d.ReadFile(name, nil); !errors.Is(err, errBadName) {
			t.Errorf("ReadFile(%q) = %v", name, err)
		}
		if err := d.WriteFile(name, nil, 0o644); !errors.Is(err, errBadName) {
			t.Errorf("WriteFile(%q) = %v", name, err)
		}
		if _, err := d.Stat(name); !errors.Is(err, errBadName) {
			t.Errorf("Stat(%q) = %v", name, err)
		}
		if err := d.Remove(name); !errors.Is(err, errBadName) {
			t.Errorf("Remove(%q) = %v", name, err)
		}
	}
}

// TestRemove: Remove removes a file, accepts a missing one, and removes
// a link itself, never what it points to.
func TestRemove(t *testing.T) {
	path := t.TempDir()
	d := mustOpen(t, path)
	if err := d.WriteFile("a.reload-pending", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove("a.reload-pending"); err != nil {
		t.Fatal(err)
	}
	if got := names(t, path); len(got) != 0 {
		t.Errorf("after Remove the directory holds %q", got)
	}
	if err := d.Remove("a.reload-pending"); err != nil {
		t.Errorf("Remove of a missing file: %v", err)
	}
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, outside, filepath.Join(path, "link"))
	if err := d.Remove("link"); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(outside); err != nil || string(got) != "keep" {
		t.Errorf("Remove of a link changed its target: %q, %v", got, err)
	}
	if got := names(t, path); len(got) != 0 {
		t.Errorf("after Remove of a link the directory holds %q", got)
	}
}

// TestDirSyncer checks group commit: every sync returns nil only after an
// fsync that started after the caller registered its rename succeeded,
// and fewer fsyncs run than callers.
func TestDirSyncer(t *testing.T) {
	const callers = 200
	var (
		mu      sync.Mutex
		renamed = make(map[int]bool) // callers whose rename is done
		covered = make(map[int]bool) // callers a successful fsync covered
		calls   int
	)
	var d dirSyncer
	fail := errors.New("injected fsync failure")
	d.fsync = func() error {
		mu.Lock()
		calls++
		n := calls
		started := make([]int, 0, len(renamed))
		for i := range renamed {
			started = append(started, i)
		}
		mu.Unlock()
		time.Sleep(100 * time.Microsecond) // a journal commit, so that callers pile up
		if n%7 == 1 {
			return fail // the first and every seventh fsync fail
		}
		mu.Lock()
		for _, i := range started {
			covered[i] = true
		}
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			mu.Lock()
			renamed[i] = true
			mu.Unlock()
			err := d.sync()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, fail):
			case err != nil:
				t.Errorf("caller %d: %v", i, err)
			case !covered[i]:
				t.Errorf("caller %d: sync returned before an fsync after its rename succeeded", i)
			}
		})
	}
	wg.Wait()
	t.Logf("%d callers, %d fsyncs", callers, calls)
	if calls >= callers || d.calls != int64(calls) {
		t.Errorf("%d fsyncs (%d counted) for %d callers: none shared", calls, d.calls, callers)
	}
}

// TestConcurrentWrites: writers of different files share one Dir; every
// file ends up whole.
func TestConcurrentWrites(t *testing.T) {
	path := t.TempDir()
	d := mustOpen(t, path)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			for j := range 5 {
				data := bytes.Repeat([]byte{byte('a' + i)}, 1000*(j+1))
				if err := d.WriteFile(fmt.Sprintf("z%d.zone", i), data, 0o644); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for i := range 20 {
		got, err := d.ReadFile(fmt.Sprintf("z%d.zone", i), nil)
		if err != nil || !bytes.Equal(got, bytes.Repeat([]byte{byte('a' + i)}, 5000)) {
			t.Errorf("z%d.zone: %d bytes, %v", i, len(got), err)
		}
	}
	if got := names(t, path); len(got) != 20 {
		t.Errorf("%d entries left, want 20", len(got))
	}
	if n := d.DirSyncs(); n < 1 || n > 100 {
		t.Errorf("%d directory syncs for 100 writes", n)
	}
}

func BenchmarkReadFile(b *testing.B) {
	d := mustOpen(b, b.TempDir())
	data := bytes.Repeat([]byte("host1\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/bench.yaml\n"), 50) // 2.5 KB
	if err := d.WriteFile("bench.zone", data, 0o644); err != nil {
		b.Fatal(err)
	}
	for name, read := range map[string]func(string, []byte) ([]byte, error){"ReadFile": d.ReadFile, "os.Root": d.readPortable} {
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, 8192)
			b.ReportAllocs()
			for b.Loop() {
				got, err := read("bench.zone", buf[:0])
				if err != nil || len(got) != len(data) {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteFile writes 100 files from workers goroutines: the files'
// fsyncs are each their own, the directory's are shared (dirsyncs/file).
func BenchmarkWriteFile(b *testing.B) {
	data := bytes.Repeat([]byte("x"), 2500)
	for _, workers := range []int{1, runtime.GOMAXPROCS(0), 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			d := mustOpen(b, b.TempDir())
			b.ReportAllocs()
			for b.Loop() {
				var wg sync.WaitGroup
				next := make(chan int)
				for range workers {
					wg.Go(func() {
						for i := range next {
							if err := d.WriteFile(fmt.Sprintf("z%d.zone", i), data, 0o644); err != nil {
								b.Error(err)
							}
						}
					})
				}
				for i := range 100 {
					next <- i
				}
				close(next)
				wg.Wait()
			}
			b.ReportMetric(float64(d.DirSyncs())/float64(b.N*100), "dirsyncs/file")
		})
	}
}
