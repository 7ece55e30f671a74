package schema

// Limits bound what one file of a pull request can make zoneward do:
// zoneward.yaml's policy.limits. Each is checked before the work it
// bounds is done, and a file over one is an error naming it.
//
// The defaults are far above what a real zone needs and far below what
// hurts: Cloudflare's largest plans hold 3,500 records in a whole zone
// and its zone-file import takes at most 256 KiB
// (https://developers.cloudflare.com/dns/manage-dns-records/faq/,
// https://developers.cloudflare.com/dns/manage-dns-records/how-to/import-and-export/),
// while parsing a file at the limits takes tens of milliseconds and tens
// of megabytes.
type Limits struct {
	// FileBytes is the size of one zone or subtree file (default 1 MiB:
	// about 10,000 records written one per line). Nothing past it is read.
	FileBytes int `yaml:"file_bytes"`
	// RecordsPerFile is the number of records one file may declare, each
	// value of a record counting once and a YAML alias counting as often
	// as it is used (default 10,000). Parsing stops at the limit, so an
	// alias bomb costs no more than a file that writes its records out.
	RecordsPerFile int `yaml:"records_per_file"`
	// RecordsPerZone is the number of records the zone file and subtree
	// files of one zone may declare together (default 50,000): the
	// zonefile provider rewrites a zone's whole file on every change, and
	// a plan holds a zone's records in memory.
	RecordsPerZone int `yaml:"records_per_zone"`
}

// Defaults of Limits, and the most zoneward.yaml may raise them to: even a
// zoneward.yaml changed by a pull request cannot unbound the work a file
// makes.
const (
	DefaultFileBytes      = 1 << 20
	DefaultRecordsPerFile = 10_000
	DefaultRecordsPerZone = 50_000

	MaxFileBytes      = 64 << 20
	MaxRecordsPerFile = 1_000_000
	MaxRecordsPerZone = 10_000_000
)

// DefaultLimits returns the limits that apply where policy.limits is silent.
func DefaultLimits() Limits {
	return Limits{FileBytes: DefaultFileBytes, RecordsPerFile: DefaultRecordsPerFile, RecordsPerZone: DefaultRecordsPerZone}
}

// orDefault returns l with zero and out-of-range fields replaced: a
// negative limit is reported by ParseConfig and must still bound the work.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	fix := func(v *int, def, max int) {
		switch {
		case *v <= 0:
			*v = def
		case *v > max:
			*v = max
		}
	}
	fix(&l.FileBytes, d.FileBytes, MaxFileBytes)
	fix(&l.RecordsPerFile, d.RecordsPerFile, MaxRecordsPerFile)
	fix(&l.RecordsPerZone, d.RecordsPerZone, MaxRecordsPerZone)
	return l
}

// Bounds on what zoneward reads besides zone files. They are fixed, not
// configured, because they are read before the configuration is.
const (
	// configBytes bounds zoneward.yaml: a Company's configuration is a
	// few kilobytes.
	configBytes = 1 << 20
	// codeownersBytes is GitHub's own bound: "CODEOWNERS files must be
	// under 3 MB in size. A CODEOWNERS file over this limit will not be
	// loaded" (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners#codeowners-file-size).
	codeownersBytes = 3_000_000
	// aliasNodesPerRecord bounds the YAML nodes that aliases may make the
	// parser visit: this many per record of RecordsPerFile. A record
	// written out is at most about 30 nodes (an SVCB value with every
	// parameter), so a file that uses aliases as octoDNS users do (a
	// shared values list, a shared record) never comes near it, while a
	// small alias tree that would expand to millions of nodes stops
	// before it costs more than a full file.
	aliasNodesPerRecord = 32
	// maxFileErrors stops reporting on one file: past a hundred, more
	// messages help nobody, and an alias can repeat one mistake without
	// bound.
	maxFileErrors = 100
)

// RecordLimits are the limits a provider puts on the records it holds.
// Validation refuses a record over them, so that a file the provider (or
// the name server reading its output) would refuse is never applied,
// where it could fail the whole zone. A zero field means no limit beyond
// the DNS's own.
type RecordLimits struct {
	// RdataBytes bounds one record's data in wire format. The DNS allows
	// 65,535 (RFC 1035 §3.2.1), which validation always enforces.
	RdataBytes int
	// RecordBytes bounds one whole record in wire format: owner name
	// (uncompressed), type, class, TTL, length and data.
	RecordBytes int
	// TXTChars bounds a TXT value in its presentation form, quoted strings
	// and the spaces between them included, which is how Cloudflare
	// stores and counts a TXT record's content.
	TXTChars int
	// RRsetRecords bounds the values of one name and type.
	RRsetRecords int
	// RRsetChars bounds the sum of the presentation forms of the values
	// of one name and type.
	RRsetChars int
	// RecordsPerZone bounds the records of one zone, across its files.
	// It applies with policy.limits.records_per_zone: the smaller wins.
	RecordsPerZone int
	// RefusedSvcParamKeys are SvcParamKeys, by number, that HTTPS and
	// SVCB records may not carry, because the provider or its name
	// servers cannot read them.
	RefusedSvcParamKeys []int
	// TagsIgnored, when set, says why the provider stores no record tags
	// although records there can carry them (Cloudflare's free plan): a
	// record's octodns.cloudflare.tags is then ignored, with a warning
	// saying so. Providers with no tags at all leave it empty and ignore
	// tags quietly, as they do proxied and comment.
	TagsIgnored string
}

// maxRdata is the most a record's data can hold: RDLENGTH is 16 bits.
const maxRdata = 0xffff
