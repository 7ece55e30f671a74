package reconcile

import (
	"fmt"
	"sort"

	"github.com/zoneward/zoneward/schema"
)

// FileState is what the engine knows of a file named by a record's marker.
type FileState int

const (
	// FileAbsent: no such file at this revision. Its records were placed by
	// a file since deleted, and are deleted in turn.
	FileAbsent FileState = iota
	// FileActive: applied.
	FileActive
	// FileRevoked: ignored; its records are frozen or purged per policy.
	FileRevoked
	// FileInvalid: failed validation; held back: the records it placed
	// stay as last applied, and the rest of its zone still applies.
	FileInvalid
)

func (s FileState) String() string {
	switch s {
	case FileActive:
		return "active"
	case FileRevoked:
		return "revoked"
	case FileInvalid:
		return "invalid"
	}
	return "absent"
}

// FileInfo is one zones-repository file as the plan shows it.
type FileInfo struct {
	Path    string
	Zone    string
	State   FileState
	Owners  []string // CODEOWNERS owners
	Company bool     // run by the Company (company.files)
	Reason  string   // why revoked or invalid
	Records int      // records it declares
}

// Desired is the state a repository asks for: per zone, the records of its
// active, valid files, and what is known of every file.
type Desired struct {
	Rev   string // the revision it was read at; empty for a working tree
	Zones []*Zone
	Files map[string]*FileInfo
}

// Zone is one zone's desired state.
type Zone struct {
	Name    string
	Records []Record // from active valid files, sorted by name, type, value
	Files   []string // every file of the zone, active or not
	Invalid []string // files that failed validation: held back, the rest applies
	// Ignored are the names and types the zone's files flag
	// `octodns: {ignored: true}`: the reconciler leaves the records there
	// exactly as they are, as octoDNS does.
	Ignored []RecordKey
	Skipped []string // files not parsed in this run (schema.LoadOptions.Zones): the zone cannot be planned
}

// Zone returns the zone named name, or nil.
func (d *Desired) Zone(name string) *Zone {
	i := sort.Search(len(d.Zones), func(i int) bool { return d.Zones[i].Name >= name })
	if i < len(d.Zones) && d.Zones[i].Name == name {
		return d.Zones[i]
	}
	return nil
}

// NewDesired builds the desired state of repo under grants (from
// schema.Repo.Grants). Records of revoked and invalid files are left out;
// a zone with an invalid file lists it in Invalid, and the file's Reason
// quotes its first error.
func NewDesired(repo *schema.Repo, grants map[string]schema.Grant, rev string) *Desired {
	d := &Desired{Rev: rev, Files: make(map[string]*FileInfo, len(repo.Files))}
	zones := map[string]*Zone{}
	zone := func(name string) *Zone {
		z := zones[name]
		if z == nil {
			z = &Zone{Name: name}
			zones[name] = z
			d.Zones = append(d.Zones, z)
		}
		return z
	}
	for _, f := range repo.Files {
		g := grants[f.Path]
		fi := &FileInfo{Path: f.Path, Zone: f.Zone, Owners: g.Owners, Company: g.Company, Records: len(f.Records)}
		d.Files[f.Path] = fi
		if f.Zone == "" {
			// The path itself is invalid; it names no zone to hold back.
			fi.State, fi.Reason = FileInvalid, "fails validation"
			continue
		}
		z := zone(f.Zone)
		z.Files = append(z.Files, f.Path)
		switch {
		case f.Skipped:
			z.Skipped = append(z.Skipped, f.Path)
			fi.State, fi.Reason = FileRevoked, g.Reason
			if g.Active {
				fi.State = FileActive
			}
		case !f.Valid():
			fi.State, fi.Reason = FileInvalid, invalidReason(f.Errs)
			z.Invalid = append(z.Invalid, f.Path)
		case !g.Active:
			fi.State, fi.Reason = FileRevoked, g.Reason
		default:
			fi.State = FileActive
			for _, r := range f.Records {
				z.Records = append(z.Records, Record{
					Name: r.Name, Type: r.Type, TTL: r.TTL, Value: r.Value,
					Proxied: r.Proxied, AutoTTL: r.AutoTTL, Comment: r.Comment,
					File: f.Path, Line: r.Pos.Line,
				})
			}
		}
	}
	sort.Slice(d.Zones, func(i, j int) bool { return d.Zones[i].Name < d.Zones[j].Name })
	for _, z := range d.Zones {
		sortRecords(z.Records)
	}
	return d
}

// invalidReason says why a file fails validation: its first error, and how
// many more there are (`zoneward check` lists them all).
func invalidReason(errs schema.ErrorList) string {
	switch len(errs) {
	case 0:
		return "fails validation"
	case 1:
		return "fails validation: " + errs[0].Error()
	}
	return fmt.Sprintf("fails validation: %s (and %d more; run zoneward check)", errs[0].Error(), len(errs)-1)
}

func sortRecords(rs []Record) {
	sort.Slice(rs, func(i, j int) bool { return lessRecord(rs[i], rs[j]) })
}

func lessRecord(a, b Record) bool {
	if a.Name != b.Name {
		return nameLess(a.Name, b.Name)
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.Value < b.Value
}

// nameLess orders names the way zone files read best: by labels from the
// right, so the apex comes first and a subtree stays together.
func nameLess(a, b string) bool {
	for a != "" && b != "" {
		al, ar := lastLabel(a)
		bl, br := lastLabel(b)
		if al != bl {
			return al < bl
		}
		a, b = ar, br
	}
	return a == "" && b != ""
}

func lastLabel(s string) (label, rest string) {
	s = trimDot(s)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return s[i+1:], s[:i]
		}
	}
	return s, ""
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}
