// Package rfc2136 is the zoneward provider for self-hosted authoritative
// servers (BIND, Knot, PowerDNS, …): it reads zones with TSIG-signed
// AXFR (RFC 5936, RFC 8945) and writes each zone's change set as one
// signed dynamic UPDATE (RFC 2136) whose prerequisites make it fail,
// rather than overwrite, when a record changed at the server since it was
// read. Ownership markers live in TXT records under the reserved name
// "_zoneward" of each zone; see [OwnerLabel].
package rfc2136

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DefaultSecretEnv is the environment variable the TSIG secret is read
// from when tsig.secret_env is not set.
const DefaultSecretEnv = "ZONEWARD_TSIG_SECRET"

// Options configure a [Provider]. The CLI decodes them from zoneward.yaml's
// provider block (schema.ProviderConfig.Decode); the yaml tags are the keys.
type Options struct {
	// Server is the primary server of every zone, "host:port" (port 53
	// when left out).
	Server string `yaml:"server"`
	// TSIG is the key that signs every message.
	TSIG TSIG `yaml:"tsig"`
	// Nameservers are what the Domain Owner must delegate each zone to:
	// reported by status and compared with the parent's delegation.
	Nameservers []string `yaml:"nameservers"`
	// Transfer is how zones are read: "axfr" (the default and only one).
	Transfer string `yaml:"transfer"`
	// Timeout bounds each exchange with the server, and each message of a
	// transfer (default 10s).
	Timeout time.Duration `yaml:"timeout"`
	// Workers is how many zones the caller should work on at once
	// (default 4).
	Workers int `yaml:"workers"`
}

// TSIG names the key. The secret itself is never in zoneward.yaml: it is
// read from the environment variable SecretEnv.
type TSIG struct {
	Name      string `yaml:"name"`       // the key's name, as the server knows it
	Algorithm string `yaml:"algorithm"`  // hmac-sha256 (default), hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1
	SecretEnv string `yaml:"secret_env"` // default DefaultSecretEnv
}

// Defaults. Ten seconds is far more than a server on the same network
// needs per message, and short enough that a dead one does not hold a run.
// Four workers keep one server busy without queueing many transfers on it:
// BIND serves at most tcp-clients (150) at once, shared with everyone.
const (
	defaultTimeout = 10 * time.Second
	defaultWorkers = 4
	maxWorkers     = 64
)

// algorithms maps the configured names to miekg/dns's.
var algorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// WithDefaults returns o with its zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.TSIG.Algorithm == "" {
		o.TSIG.Algorithm = "hmac-sha256"
	}
	if o.TSIG.SecretEnv == "" {
		o.TSIG.SecretEnv = DefaultSecretEnv
	}
	if o.Transfer == "" {
		o.Transfer = "axfr"
	}
	if o.Timeout == 0 {
		o.Timeout = defaultTimeout
	}
	if o.Workers == 0 {
		o.Workers = defaultWorkers
	}
	if h, p, err := net.SplitHostPort(o.Server); err != nil && o.Server != "" {
		o.Server = net.JoinHostPort(strings.Trim(o.Server, "[]"), "53")
	} else if err == nil && p == "" {
		o.Server = net.JoinHostPort(h, "53")
	}
	return o
}

// Validate reports every problem with o (after defaults), each naming its
// zoneward.yaml key.
func (o Options) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("zoneward.yaml: provider.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if o.Server == "" {
		bad("server", "required: the primary server of the zones, host:port")
	} else if host, port, err := net.SplitHostPort(o.Server); err != nil || host == "" {
		bad("server", "%q is not host:port", o.Server)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		bad("server", "%q: port %q is not a number from 1 to 65535", o.Server, port)
	}
	if o.TSIG.Name == "" {
		bad("tsig.name", "required: the name of the TSIG key the server grants updates and transfers to, e.g. \"zoneward.\"")
	} else if _, ok := dns.IsDomainName(o.TSIG.Name); !ok || strings.ContainsAny(o.TSIG.Name, " \t\r\n\"\\;") {
		bad("tsig.name", "%q is not a key name", o.TSIG.Name)
	}
	if _, ok := algorithms[strings.ToLower(o.TSIG.Algorithm)]; !ok {
		names := make([]string, 0, len(algorithms))
		for n := range algorithms {
			names = append(names, n)
		}
		slices.Sort(names)
		bad("tsig.algorithm", "%q: must be one of %s", o.TSIG.Algorithm, strings.Join(names, ", "))
	}
	if o.Transfer != "axfr" {
		bad("transfer", "%q: only \"axfr\" is supported", o.Transfer)
	}
	if len(o.Nameservers) == 0 {
		bad("nameservers", "at least one is required: the nameservers the Domain Owner delegates the zones to")
	}
	for i, n := range o.Nameservers {
		if _, err := absoluteName(n); err != nil {
			bad(fmt.Sprintf("nameservers[%d]", i), "%v", err)
		}
	}
	if o.Timeout <= 0 {
		bad("timeout", "%s: must be a positive duration such as 10s", o.Timeout)
	}
	if o.Workers < 1 || o.Workers > maxWorkers {
		bad("workers", "%d: must be between 1 and %d", o.Workers, maxWorkers)
	}
	return errors.Join(errs...)
}

// absoluteName checks that s is a host name ending in a dot and returns it
// lower-cased.
func absoluteName(s string) (string, error) {
	if !strings.HasSuffix(s, ".") || s == "." {
		return "", fmt.Errorf("%q is not an absolute host name: it must end with a dot, as in %q", s, strings.TrimSuffix(s, ".")+".")
	}
	if _, ok := dns.IsDomainName(s); !ok || strings.ContainsAny(s, " \t\r\n;()\"\\") {
		return "", fmt.Errorf("%q is not a valid domain name", s)
	}
	return strings.ToLower(s), nil
}
