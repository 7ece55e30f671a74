// Package schema reads a zones repository (zoneward.yaml, CODEOWNERS and the
// octoDNS-format zone files under zones/) into a validated model.
//
// Everything here comes from pull requests, so it is untrusted: the loader
// reads only the regular files it names from the fs.FS it is given, never
// through a symbolic link, never follows includes, bounds every file and
// what its YAML aliases stand for (policy.limits), and quotes user text in
// every error it returns.
package schema

// Record is one resource record declared by a zone or subtree file.
// A file's record with several values becomes one Record per value.
type Record struct {
	Name  string // fully qualified, lower-case, punycode, trailing dot
	Type  string // upper-case mnemonic: "A", "MX", "ALIAS", …
	TTL   uint32 // resolved: the file's ttl, or policy.ttl.default
	Value string // canonical RFC 1035 presentation form of the rdata (ALIAS: the target)

	// Options from octoDNS's `octodns: {cloudflare: {…}}` block. Providers
	// that cannot honour them ignore them.
	Proxied bool
	AutoTTL bool
	Comment string
	// Tags is octodns.cloudflare.tags: each "name" or "name:value", names
	// lower-case, sorted, one per line ("\n" is in no tag). A string, not
	// a slice, so that records stay comparable.
	Tags string

	Pos Pos // where the value (or the record, for single-value records) is written
}

// Key identifies a record's place in a zone: its name and type.
func (r Record) Key() string { return r.Name + " " + r.Type }

// File is one zone file (zones/<zone>.yaml) or subtree file
// (zones/<zone>/<label>.yaml).
type File struct {
	Path    string   // slash-separated path in the repository
	Zone    string   // the zone it belongs to, fully qualified: "acme.dev."
	Origin  string   // the name it speaks for: the zone, or "<label>.<zone>"
	Records []Record // sorted by name, type, value
	// Ignored are the names and types the file declares but does not
	// ask this provider to hold: records flagged octodns: {ignored:
	// true}, or whose octodns included/excluded lists leave this provider
	// out. The reconciler leaves whatever the provider holds there
	// exactly as it is, as octoDNS does. Sorted by name and type.
	Ignored []Ignored
	// ApexNS are the zone apex's NS values the file declares. They are
	// never applied (the provider serves its own); the plan warns when
	// they differ from the provider's.
	ApexNS []Record
	Errs   ErrorList
	// Warnings are what the file says that zoneward reads differently from
	// how it is written, or not at all: keys octoDNS ignores, geo and
	// dynamic rules, options the provider does not store. A file with
	// warnings is valid.
	Warnings ErrorList
	// Skipped is set on a file that LoadOptions.Zones left unparsed: it
	// has no Records and was not validated.
	Skipped bool
}

// Ignored is a name and type a file leaves alone at the provider.
type Ignored struct {
	Name   string // fully qualified, as Record.Name
	Type   string
	Reason string // "ignored", or why the provider is not among the record's targets
	Pos    Pos    // the record's type
}

// Subtree reports whether f is a subtree file rather than a zone file.
func (f *File) Subtree() bool { return f.Origin != f.Zone }

// Valid reports whether the file passed validation. Nothing from an
// invalid file is ever written.
func (f *File) Valid() bool { return len(f.Errs) == 0 }
