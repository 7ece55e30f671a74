package schema

import (
	"strings"
)

// nameKey identifies a name inside a zone. Zones nest (acme.dev and
// eu.acme.dev may both have zone files), so a name alone is ambiguous.
type nameKey struct{ zone, name string }

// cut is an NS delegation: a name inside a zone handed to other servers.
type cut struct {
	file *File
	rec  *Record
}

// checkAuthority applies "the path is the authority" across files: each
// name belongs to the most specific file that covers it, a subtree file
// needs its zone file, and nothing is declared below a delegation another
// file makes. Errors go to the file declaring the misplaced name and name
// both files. files are the parsed files of one repository; files whose
// path was invalid (no Zone) are skipped.
//
// Zones nest: com and example.com, or acme.dev and eu.acme.dev, may both
// have zone files. The child's zone file is then the only one that speaks
// for any name at or below its origin, and the parent's files (zone file
// and subtree files) may declare none of them, the NS and DS records of
// the cut included. Whoever owned the parent's file could otherwise
// delegate the child zone to name servers of their choosing, or shadow it
// with its own records. The delegation itself is left to the Company: it
// adds the cut's NS (and DS) records at the provider as unmanaged
// records, which zoneward keeps and never writes, once the child zone
// exists there. zoneward does not derive it from the child's provider
// name servers, because those are what a Domain Owner points a
// registration at, and a delegation written from them would hand the
// child's owner a record inside the parent's zone.
func checkAuthority(files []*File) {
	zoneFiles := map[string]*File{}
	subtrees := map[nameKey]*File{}
	cuts := map[nameKey]cut{}
	for _, f := range files {
		if f.Zone == "" {
			continue
		}
		if f.Subtree() {
			subtrees[nameKey{f.Zone, f.Origin}] = f
		} else {
			zoneFiles[f.Zone] = f
		}
		for i := range f.Records {
			r := &f.Records[i]
			if r.Type == "NS" && r.Name != f.Zone {
				k := nameKey{f.Zone, r.Name}
				if _, ok := cuts[k]; !ok {
					cuts[k] = cut{f, r}
				}
			}
		}
	}

	for _, f := range files {
		if f.Zone == "" {
			continue
		}
		top := Pos{File: f.Path, Line: 1, Col: 1}
		if f.Subtree() {
			if zoneFiles[f.Zone] == nil {
				f.Errs.Add(top, "subtree file without its zone file %s: the zone %q must have a zone file first", ZoneFilePath(f.Zone), strings.TrimSuffix(f.Zone, "."))
			}
			if zf := zoneFiles[f.Origin]; zf != nil {
				f.Errs.Add(top, "%q has its own zone file %s; declare its names there", f.Origin, zf.Path)
			}
			for n := parent(f.Origin); n != f.Zone && isBelow(n, f.Zone); n = parent(n) {
				if zf := zoneFiles[n]; zf != nil {
					f.Errs.Add(top, "%q is inside the zone %q, which has its own zone file %s; declare its names there", f.Origin, n, zf.Path)
				}
			}
		}
		var last string // report a name and type once, not once per value
		for i := range f.Records {
			r := &f.Records[i]
			if k := r.Key(); k == last {
				continue
			} else {
				last = k
			}
			checkRecordAuthority(f, r, zoneFiles, subtrees, cuts)
		}
		// A name and type a file leaves alone at the provider hides what
		// is there from the plan, so it needs the same authority as a
		// record: a file may not freeze another file's records.
		for _, ig := range f.Ignored {
			checkRecordAuthority(f, &Record{Name: ig.Name, Type: ig.Type, Pos: ig.Pos}, zoneFiles, subtrees, cuts)
		}
	}
	checkDNAMEAuthority(files)
}

// checkDNAMEAuthority refuses a DNAME above another file's names. A DNAME
// answers for every name below its owner (RFC 6672 §2.3), so one at the
// apex of acme.dev would redirect alice.acme.dev and everything in it, and
// one in alice's file above a subtree file of its own would redirect that
// tenant's names: the DNAME's file would speak for names it does not own.
// A DNAME is fine where every name below it is its own file's.
func checkDNAMEAuthority(files []*File) {
	for _, f := range files {
		if f.Zone == "" {
			continue
		}
		for i := range f.Records {
			r := &f.Records[i]
			if r.Type != "DNAME" {
				continue
			}
			for _, g := range files {
				if g == f || g.Zone == "" || g.Origin == r.Name || !isBelow(g.Origin, r.Name) {
					continue
				}
				f.Errs.Add(r.Pos, "DNAME at %q would answer for every name below it, %q of %s among them: a DNAME may stand only where every name below it is this file's", r.Name, g.Origin, g.Path)
				break
			}
		}
	}
}

func checkRecordAuthority(f *File, r *Record, zoneFiles map[string]*File, subtrees map[nameKey]*File, cuts map[nameKey]cut) {
	// Walk from the name up to the zone apex: the first subtree file found
	// is the most specific one covering the name.
	var owner *File
	for n := r.Name; n != f.Zone && isBelow(n, f.Zone); n = parent(n) {
		if owner == nil {
			if s := subtrees[nameKey{f.Zone, n}]; s != nil {
				owner = s
			}
		}
		if c, ok := cuts[nameKey{f.Zone, n}]; ok && c.file != f {
			switch {
			case n != r.Name:
				f.Errs.Add(r.Pos, "%q is below the NS delegation of %q at %s; only the delegated zone can hold it", r.Name, n, c.rec.Pos)
			case r.Type != "NS" && r.Type != "DS":
				f.Errs.Add(r.Pos, "%s at %q stands beside the NS delegation at %s; only NS and DS belong at a zone cut", r.Type, r.Name, c.rec.Pos)
			}
		}
		if zf := zoneFiles[n]; zf != nil && zf != f {
			f.Errs.Add(r.Pos, "%s %q is inside the zone %q, which has its own zone file %s: only that file speaks for it, and its delegation is the Company's to set at the provider", r.Type, r.Name, n, zf.Path)
		}
	}
	if owner == nil {
		owner = zoneFiles[f.Zone]
	}
	if owner != nil && owner != f {
		f.Errs.Add(r.Pos, "%q belongs to %s, which speaks for %q; declare it there", r.Name, owner.Path, owner.Origin)
	}
}

// parent returns the name one label up: "www.acme.dev." → "acme.dev.".
func parent(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 && i+1 < len(name) {
		return name[i+1:]
	}
	return "."
}
