package zonefile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// SOA timers. Secondaries get NOTIFY from the primary, so refresh and retry
// are only the fallback. minimum is the negative-caching TTL (RFC 2308 §4):
// kept short so that a record created by a merge is seen within five
// minutes by resolvers that cached its absence.
const (
	soaTTL     = 3600
	nsTTL      = 3600
	defaultTTL = 3600
	refresh    = 3600
	retry      = 900
	expire     = 1209600 // two weeks, RFC 1912 §2.2 suggests 2–4 weeks
	minimum    = 300
)

// nextSerial returns the serial that follows old on day now: YYYYMMDDnn
// (RFC 1912 §2.2), or old+1 when that is not larger, so that the serial
// always increases even after 100 changes in a day or an old serial in
// another scheme.
func nextSerial(old uint32, now time.Time) uint32 {
	y, m, d := now.UTC().Date()
	s := uint32(y*10000+int(m)*100+d) * 100
	if s <= old {
		return old + 1
	}
	return s
}

// render writes the whole zone file for origin.
func (p *Provider) render(origin string, serial uint32, entries []entry) []byte {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, compareEntries)

	var b bytes.Buffer
	fmt.Fprintf(&b, "; Zone %s, written by zoneward. Edits by hand are kept, but the SOA and\n", origin)
	fmt.Fprintf(&b, "; apex NS records come from zoneward.yaml, and a record that ends in\n")
	fmt.Fprintf(&b, "; \"; %s<file>\" is managed from that file of the zones repository.\n", markerPrefix)
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL %d\n", origin, defaultTTL)
	fmt.Fprintf(&b, "@\t%d\tIN\tSOA\t%s %s (\n", soaTTL, p.nameservers[0], p.hostmaster)
	fmt.Fprintf(&b, "\t\t\t%d\t; serial\n", serial)
	fmt.Fprintf(&b, "\t\t\t%d\t\t; refresh\n", refresh)
	fmt.Fprintf(&b, "\t\t\t%d\t\t; retry\n", retry)
	fmt.Fprintf(&b, "\t\t\t%d\t\t; expire\n", expire)
	fmt.Fprintf(&b, "\t\t\t%d )\t\t; minimum\n", minimum)
	for _, ns := range p.nameservers {
		fmt.Fprintf(&b, "@\t%d\tIN\tNS\t%s\n", nsTTL, ns)
	}
	if len(sorted) > 0 {
		b.WriteByte('\n')
	}
	for _, e := range sorted {
		fmt.Fprintf(&b, "%s\t%d\tIN\t%s\t%s", owner(e.rec.Name, origin), e.rec.TTL, e.rec.Type, e.rec.Value)
		switch {
		case e.rec.File != "":
			fmt.Fprintf(&b, " ; %s%s", markerPrefix, e.rec.File)
		case e.comment != "":
			b.WriteString(" " + e.comment)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// owner writes name relative to origin ("@" for the apex).
func owner(name, origin string) string {
	if name == origin {
		return "@"
	}
	labels := dns.SplitDomainName(name)
	n := len(labels) - dns.CountLabel(origin)
	if n <= 0 || !dns.IsSubDomain(origin, name) {
		return name
	}
	rel := strings.Join(labels[:n], ".")
	// A line starting with "$" is a directive; escape the character so
	// that a name like "$ttl" stays a name.
	if strings.HasPrefix(rel, "$") {
		rel = `\` + rel
	}
	return rel
}

// compareEntries orders records by name in DNS order (apex first, then each
// subtree together: RFC 4034 §6.1, compared label by label from the right),
// then type, then value, so that the same records always give the same file.
func compareEntries(a, b entry) int {
	if c := compareNames(a.rec.Name, b.rec.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.rec.Type, b.rec.Type); c != 0 {
		return c
	}
	return strings.Compare(a.rec.Value, b.rec.Value)
}

func compareNames(a, b string) int {
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(la[i], lb[j]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// writeAtomic replaces path with data so that a crash at any point leaves
// either the old file or the new one, never a mix: write a temporary file
// in the same directory (rename is atomic only within a file system),
// fsync it, rename it over path, then fsync the directory so that the
// rename itself is durable before writeAtomic returns (that fsync may be
// shared with concurrent writes: see dirSyncer).
func (p *Provider) writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating zone directory: %w", err)
	}
	// The leading dot and the suffix keep the temporary file out of Zones.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	// CreateTemp makes the file 0600; the name server usually runs as
	// another user and must read it.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if p.beforeRename != nil {
		if err := p.beforeRename(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	return p.dirSync.sync(dir)
}

// dirSyncer makes renames in one directory durable, sharing one fsync of
// the directory between the Applies that wait for it at the same time
// (group commit). A directory fsync costs about 2 ms on ext4 here (a
// journal commit), close to the file's own fsync (2.6 ms); an fsync
// commits every rename made before it started, so a caller whose rename
// is done may count on any fsync that starts later. Each Apply still
// returns only once its own rename is durable.
//
// How much is shared depends on how many Applies run at once: in
// BenchmarkApply, 100 new zones take 1.0 directory fsyncs per zone with 1
// or 2 workers (the engine's default, GOMAXPROCS, is 2 here: the two
// workers fall into step and never wait together) and 0.52 with 8.
// The zero value is ready to use.
type dirSyncer struct {
	mu      sync.Mutex    // guards the fields below
	renamed uint64        // renames registered so far, numbered from 1
	synced  uint64        // renames up to this number are durable
	running chan struct{} // closed when the fsync in progress ends; nil if none

	fsync func(dir string) error // tests replace it; nil means syncDir
}

// sync returns when a rename the caller has finished in dir is durable:
// after an fsync of dir that started after sync was called, its own or
// another caller's. If its fsync fails, sync returns that error; a caller
// whose sync was covered by a failed fsync tries again itself.
func (d *dirSyncer) sync(dir string) error {
	d.mu.Lock()
	d.renamed++
	mine := d.renamed
	for d.running != nil {
		// The fsync in progress may have started before our rename:
		// wait for it to end, then look again.
		ch := d.running
		d.mu.Unlock()
		<-ch
		d.mu.Lock()
	}
	if d.synced >= mine {
		d.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	d.running = ch
	covers := d.renamed // all registered before this fsync starts
	d.mu.Unlock()

	fsync := d.fsync
	if fsync == nil {
		fsync = syncDir
	}
	err := fsync(dir)

	d.mu.Lock()
	if err == nil && covers > d.synced {
		d.synced = covers
	}
	d.running = nil
	close(ch)
	d.mu.Unlock()
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
