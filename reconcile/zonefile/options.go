package zonefile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/schema"
)

// Options are the zonefile provider's keys in zoneward.yaml's provider
// block. The CLI decodes them with schema.ProviderConfig.Decode and makes
// Dir absolute before calling [New].
type Options struct {
	// Dir holds one file per zone, <Dir>/<zone>.zone.
	Dir string `yaml:"dir"`
	// Nameservers are the zone's apex NS records, in order; the first is
	// the SOA MNAME. Absolute names with a trailing dot.
	Nameservers []string `yaml:"nameservers"`
	// Hostmaster is the SOA RNAME in domain-name form
	// ("hostmaster.example.com." for hostmaster@example.com).
	Hostmaster string `yaml:"hostmaster"`
}

// Types are the record types this provider can hold: every type of
// schema.Types except ALIAS, which has no wire form a zone file could carry.
var Types = withoutAlias(schema.Types)

// Limits are what a zone file can hold and BIND 9.18, the server the
// zone files are checked against, still loads with its defaults (a zone
// it cannot load is down for every name in it):
//   - rdata of at most 65,510 bytes: named-checkzone refuses 65,511 with
//     "ran out of space" (the DNS allows 65,535; bind_property_test.go
//     holds the boundary);
//   - at most 100 records of one name and type: named's default
//     max-records-per-type, which refuses to load a zone with more
//     ("too many records (must not exceed 100)"),
//     https://bind9.readthedocs.io/en/v9.18.28/reference.html#namedconf-statement-max-records-per-type;
//   - no "ohttp" SvcParam (key8, RFC 9540): BIND 9.18 does not know it
//     and refuses the line as a syntax error, and miekg/dns writes key8
//     by that name.
var Limits = schema.RecordLimits{
	RdataBytes:          65510,
	RRsetRecords:        100,
	RefusedSvcParamKeys: []int{8},
}

func withoutAlias(types []string) []string {
	var out []string
	for _, t := range types {
		if t != "ALIAS" {
			out = append(out, t)
		}
	}
	return out
}

// New returns a provider that keeps zones in opts.Dir. It validates opts
// and names the offending zoneward.yaml key in its error. The directory is
// created on the first Apply, not here, so that a plan never writes.
func New(opts Options) (*Provider, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(opts.Dir) == "" {
		bad("provider.dir: required: the directory that holds the zone files")
	}
	if len(opts.Nameservers) == 0 {
		bad("provider.nameservers: at least one nameserver is required (it becomes the SOA MNAME and an apex NS record)")
	}
	ns := make([]string, 0, len(opts.Nameservers))
	for i, n := range opts.Nameservers {
		canon, err := absoluteName(n)
		if err != nil {
			bad("provider.nameservers[%d]: %w", i, err)
			continue
		}
		if slices.Contains(ns, canon) {
			bad("provider.nameservers[%d]: %q is listed twice", i, n)
			continue
		}
		ns = append(ns, canon)
	}
	hm, err := absoluteName(opts.Hostmaster)
	switch {
	case opts.Hostmaster == "":
		bad("provider.hostmaster: required: the SOA contact as a name, e.g. \"hostmaster.example.com.\"")
	case strings.Contains(opts.Hostmaster, "@"):
		bad("provider.hostmaster: %q: write the mailbox as a name, local part first: e.g. \"hostmaster.example.com.\" for hostmaster@example.com", opts.Hostmaster)
	case err != nil:
		bad("provider.hostmaster: %w", err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("zonefile: %w", err)
	}
	return &Provider{
		dir:         opts.Dir,
		nameservers: ns,
		hostmaster:  hm,
		now:         time.Now,
		locks:       make(map[string]*sync.Mutex),
	}, nil
}

// absoluteName checks that s is a domain name ending in a dot and returns
// it lower-cased.
func absoluteName(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty name")
	}
	if s == "." {
		return "", fmt.Errorf("%q: the root is not a host name", s)
	}
	if !strings.HasSuffix(s, ".") {
		return "", fmt.Errorf("%q is not an absolute name: it must end with a dot, as in %q", s, strings.TrimSuffix(s, ".")+".")
	}
	if _, ok := dns.IsDomainName(s); !ok || strings.ContainsAny(s, " \t\r\n;()\"") {
		return "", fmt.Errorf("%q is not a valid domain name", s)
	}
	return strings.ToLower(s), nil
}
