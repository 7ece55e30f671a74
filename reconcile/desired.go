package reconcile

import (
	"fmt"
	"slices"
	"sort"
	"strings"

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
	// Warnings are the warnings of active, valid files
	// (schema.File.Warnings), sorted: what zoneward reads differently from
	// how a file writes it. They never hold a file back.
	Warnings schema.ErrorList
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
	// ApexNS are the apex NS records the zone file declares. The apex NS
	// are the provider's, so they are never applied; a plan warns when
	// they differ from the provider's nameservers.
	ApexNS  []Record
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
				z.Records = append(z.Records, desiredRecord(f.Path, r))
			}
			for _, ig := range f.Ignored {
				z.Ignored = append(z.Ignored, RecordKey{Name: ig.Name, Type: ig.Type})
			}
			for _, r := range f.ApexNS {
				z.ApexNS = append(z.ApexNS, desiredRecord(f.Path, r))
			}
			d.Warnings = append(d.Warnings, f.Warnings...)
		}
	}
	sort.Slice(d.Zones, func(i, j int) bool { return d.Zones[i].Name < d.Zones[j].Name })
	for _, z := range d.Zones {
		sortRecords(z.Records)
	}
	d.Warnings.Sort()
	return d
}

func desiredRecord(file string, r schema.Record) Record {
	return Record{
		Name: r.Name, Type: r.Type, TTL: r.TTL, Value: r.Value,
		Proxied: r.Proxied, AutoTTL: r.AutoTTL, Comment: r.Comment, Tags: r.Tags,
		File: file, Line: r.Pos.Line,
	}
}

// warnings returns the warnings of the files of zones.
func (d *Desired) warnings(zones []string) schema.ErrorList {
	var out schema.ErrorList
	for _, w := range d.Warnings {
		if fi := d.Files[w.File]; fi != nil && slices.Contains(zones, fi.Zone) {
			out = append(out, w)
		}
	}
	return out
}

// apexNSWarnings compares the apex NS records z's files declare with the
// nameservers the provider serves the zone with. The records are the
// provider's and never applied, as octoDNS leaves a root NS record alone
// at a provider without SUPPORTS_ROOT_NS (octodns/provider/base.py
// _process_desired_zone); a file that says otherwise is worth a warning,
// since whoever reads it would take it for the truth.
func apexNSWarnings(z *Zone, provider string, nameservers []string) schema.ErrorList {
	if len(z.ApexNS) == 0 || len(nameservers) == 0 {
		return nil
	}
	var want, have []string
	for _, r := range z.ApexNS {
		want = append(want, r.Value)
	}
	for _, ns := range nameservers {
		have = append(have, strings.ToLower(strings.TrimSuffix(ns, "."))+".")
	}
	sort.Strings(want)
	sort.Strings(have)
	if slices.Equal(want, slices.Compact(have)) {
		return nil
	}
	first := z.ApexNS[0]
	for _, r := range z.ApexNS[1:] {
		if r.Line < first.Line {
			first = r
		}
	}
	return schema.ErrorList{schema.Errorf(schema.Pos{File: first.File, Line: first.Line},
		"the apex NS records (%s) differ from the nameservers the %s provider serves %s with (%s); they are not applied: the apex NS are the provider's",
		strings.Join(want, ", "), provider, z.Name, strings.Join(have, ", "))}
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
