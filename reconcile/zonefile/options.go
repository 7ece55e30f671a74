package zonefile

import (
	"errors"
	"fmt"
	"path/filepath"
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
	// Reload is the command run after a zone's file changed, so that the
	// name server serving the directory loads it, in argv form (never
	// through a shell), e.g. ["rndc", "reload", "{zone}"]. An argument
	// that is exactly "{zone}" becomes the zone's name without the
	// trailing dot, one that is exactly "{file}" the zone file's absolute
	// path; see [Provider] for how it runs. Empty: no command.
	Reload []string `yaml:"reload"`
	// ReloadTimeout bounds one run of Reload (default 30s, at most 10m).
	ReloadTimeout time.Duration `yaml:"reload_timeout"`
}

const (
	// defaultReloadTimeout leaves rndc or knotc ample time: both answer
	// in milliseconds once the server has the request (loading happens
	// after they return), and a server that does not answer is better
	// reported than waited for.
	defaultReloadTimeout = 30 * time.Second
	// maxReloadTimeout keeps a hung command from holding a zone's apply,
	// and the daemon's run, for longer than a sweep interval.
	maxReloadTimeout = 10 * time.Minute
)

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
	ns, hm, err := opts.check()
	if err != nil {
		return nil, err
	}
	timeout := opts.ReloadTimeout
	if timeout == 0 {
		timeout = defaultReloadTimeout
	}
	return &Provider{
		dir:           opts.Dir,
		nameservers:   ns,
		hostmaster:    hm,
		reload:        slices.Clone(opts.Reload),
		reloadTimeout: timeout,
		now:           time.Now,
		locks:         make(map[string]*sync.Mutex),
	}, nil
}

// Validate reports every mistake in opts, as New does, naming the
// zoneward.yaml key of each; `zoneward check` calls it offline.
func (opts Options) Validate() error {
	_, _, err := opts.check()
	return err
}

// check validates opts and returns the nameservers and hostmaster in
// canonical form.
func (opts Options) check() (ns []string, hm string, err error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(opts.Dir) == "" {
		bad("provider.dir: required: the directory that holds the zone files")
	}
	if len(opts.Nameservers) == 0 {
		bad("provider.nameservers: at least one nameserver is required (it becomes the SOA MNAME and an apex NS record)")
	}
	ns = make([]string, 0, len(opts.Nameservers))
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
	hm, err = absoluteName(opts.Hostmaster)
	switch {
	case opts.Hostmaster == "":
		bad("provider.hostmaster: required: the SOA contact as a name, e.g. \"hostmaster.example.com.\"")
	case strings.Contains(opts.Hostmaster, "@"):
		bad("provider.hostmaster: %q: write the mailbox as a name, local part first: e.g. \"hostmaster.example.com.\" for hostmaster@example.com", opts.Hostmaster)
	case err != nil:
		bad("provider.hostmaster: %w", err)
	}
	errs = append(errs, checkReload(opts)...)
	if err := errors.Join(errs...); err != nil {
		return nil, "", fmt.Errorf("zonefile: %w", err)
	}
	return ns, hm, nil
}

// checkReload checks provider.reload and provider.reload_timeout.
func checkReload(opts Options) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch t := opts.ReloadTimeout; {
	case t < 0:
		bad("provider.reload_timeout: %s is negative", t)
	case t > maxReloadTimeout:
		bad("provider.reload_timeout: %s is longer than the %s a reload may take", t, maxReloadTimeout)
	case t != 0 && len(opts.Reload) == 0:
		bad("provider.reload_timeout: set without provider.reload, the command it bounds")
	}
	if opts.Reload == nil {
		return errs
	}
	if len(opts.Reload) == 0 {
		bad("provider.reload: empty: give the command and its arguments, e.g. [rndc, reload, \"{zone}\"], or leave the key out")
		return errs
	}
	// A relative path would run whatever the working directory holds, a
	// placeholder would make the program's name a zone's.
	switch argv0 := opts.Reload[0]; {
	case argv0 == "":
		bad("provider.reload[0]: empty: the command to run")
	case argv0 == zoneToken || argv0 == fileToken:
		bad("provider.reload[0]: %q: the command must be a fixed program, not a placeholder", argv0)
	case strings.ContainsRune(argv0, '/') && !filepath.IsAbs(argv0):
		bad("provider.reload[0]: %q is a relative path: give a command name found in PATH (rndc) or an absolute path (/usr/sbin/rndc)", argv0)
	}
	for i, a := range opts.Reload {
		switch {
		case i == 0:
		case a == "":
			bad("provider.reload[%d]: empty argument", i)
		case a == zoneToken || a == fileToken:
		case strings.Contains(a, zoneToken) || strings.Contains(a, fileToken):
			bad("provider.reload[%d]: %q: %s and %s are replaced only as whole arguments: write them as arguments of their own", i, a, zoneToken, fileToken)
		case placeholderShaped(a):
			bad("provider.reload[%d]: %q is not a placeholder: use %s or %s", i, a, zoneToken, fileToken)
		}
		if strings.ContainsRune(a, 0) {
			bad("provider.reload[%d]: %q holds a NUL byte, which no argument can carry", i, a)
		}
	}
	return errs
}

// placeholderShaped reports whether a looks like a placeholder ("{zones}",
// "{ZONE}"), so that a misspelt one is an error, not a literal argument.
func placeholderShaped(a string) bool {
	inner, ok1 := strings.CutPrefix(a, "{")
	inner, ok2 := strings.CutSuffix(inner, "}")
	if !ok1 || !ok2 || inner == "" {
		return false
	}
	for _, c := range inner {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
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
