package zonefile

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
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

// writeAtomic replaces the zone file at path with data in one atomic
// write (outdir.Temp): a crash at any point leaves either the old file or
// the new one, and once it returns the new one is durable. The zone
// directory is created on the first write.
func (p *Provider) writeAtomic(path string, data []byte) error {
	d, err := p.zoneDir(true)
	if err != nil {
		return err
	}
	t, err := d.CreateTemp(filepath.Base(path), 0o644) // the name server usually runs as another user
	if err != nil {
		return err
	}
	defer t.Abort()
	if _, err := t.Write(data); err != nil {
		return err
	}
	if err := t.Sync(); err != nil {
		return err
	}
	if p.beforeRename != nil {
		if err := p.beforeRename(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return t.Commit()
}
