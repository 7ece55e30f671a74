package schema

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// DNS limits from RFC 1035 §2.3.4, counted on the presentation form
// without the trailing dot (253 characters is 255 octets on the wire).
const (
	maxLabel = 63
	maxName  = 253
)

// idnaProfile converts Unicode labels to punycode. It is not the Lookup
// profile: that one refuses "_" (needed by _dmarc, _sip._tcp) and applies
// STD3 rules we check ourselves with better messages.
var idnaProfile = idna.New(idna.MapForLookup(), idna.StrictDomainName(false), idna.Transitional(false))

// ParsePath returns the zone and origin a file of the zones repository
// speaks for, both fully qualified with a trailing dot: "zones/acme.dev.yaml"
// gives ("acme.dev.", "acme.dev."), "zones/acme.dev/alice.yaml" gives
// ("acme.dev.", "alice.acme.dev."). When the path is wrong but its meaning
// is still clear (a ".yml" extension), zone and origin are returned along
// with the error, so that the file's contents can still be checked.
func ParsePath(p string) (zone, origin string, err error) {
	rest, ok := strings.CutPrefix(p, ZonesDir+"/")
	if !ok {
		return "", "", fmt.Errorf("%q is not under %s/", p, ZonesDir)
	}
	var extErr error
	switch {
	case strings.HasSuffix(rest, ".yaml"):
		rest = strings.TrimSuffix(rest, ".yaml")
	case strings.HasSuffix(rest, ".yml"):
		rest = strings.TrimSuffix(rest, ".yml")
		extErr = fmt.Errorf("zone files end in .yaml; rename %q to %q", p, ZonesDir+"/"+rest+".yaml")
	default:
		return "", "", fmt.Errorf("%q is not a .yaml file", p)
	}
	parts := strings.Split(rest, "/")
	if len(parts) > 2 {
		return "", "", fmt.Errorf("%q is too deep: zone files are %s/<zone>.yaml and subtree files %s/<zone>/<label>.yaml", p, ZonesDir, ZonesDir)
	}
	for _, part := range parts {
		if err := checkPathName(part); err != nil {
			return "", "", pathHint(p, parts, err)
		}
	}
	zone = parts[0] + "."
	origin = zone
	if len(parts) == 2 {
		origin = parts[1] + "." + zone
		if len(origin)-1 > maxName {
			return "", "", fmt.Errorf("%q: name %q is longer than %d characters", p, origin, maxName)
		}
	}
	return zone, origin, extErr
}

// checkPathName checks one element of a path (a zone, or a subtree's
// labels): the lowercase ASCII form the repository is written in.
func checkPathName(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			continue
		}
		if c >= utf8.RuneSelf {
			return errUnicodePath
		}
		if c >= 'A' && c <= 'Z' {
			return errUpperPath
		}
		return fmt.Errorf("%q has character %q; file names use a-z, 0-9, '.', '-' and '_'", s, c)
	}
	if s == "" {
		return fmt.Errorf("empty name")
	}
	for _, l := range strings.Split(s, ".") {
		if err := checkLabel(l); err != nil {
			return err
		}
		if strings.HasPrefix(l, "xn--") {
			if _, err := idnaProfile.ToUnicode(l); err != nil {
				return fmt.Errorf("label %q is not valid punycode", l)
			}
		}
	}
	if len(s) > maxName {
		return fmt.Errorf("name %q is longer than %d characters", s, maxName)
	}
	return nil
}

var (
	errUnicodePath = fmt.Errorf("unicode")
	errUpperPath   = fmt.Errorf("upper")
)

// pathHint turns the sentinel errors of checkPathName into messages that
// give the path to rename the file to.
func pathHint(p string, parts []string, err error) error {
	if err != errUnicodePath && err != errUpperPath {
		return fmt.Errorf("%q: %v", p, err)
	}
	fixed := make([]string, len(parts))
	for i, part := range parts {
		a, cerr := idnaProfile.ToASCII(part)
		if cerr != nil {
			return fmt.Errorf("%q: %q is not a valid domain name: %v", p, part, cerr)
		}
		fixed[i] = a
	}
	want := ZonesDir + "/" + strings.Join(fixed, "/") + ".yaml"
	if err == errUnicodePath {
		return fmt.Errorf("%q: Unicode names are written in punycode in paths; rename it to %q", p, want)
	}
	return fmt.Errorf("%q: file names are lower case; rename it to %q", p, want)
}

// checkLabel checks one ASCII label of a host name. "_" is allowed
// anywhere because service labels (_dmarc, _sip._tcp, _acme-challenge)
// are names zone files must hold.
// IsName reports whether name (with or without its final dot) is a name in
// the form zoneward writes every name: lower-case labels of letters,
// digits, '-' and '_' that neither start nor end with '-' (checkLabel's
// rule), at most 253 bytes; with wildcard, the first label may be "*".
// Such a name needs no escaping in a zone file and cannot be read as an
// option by a command it is passed to. It is the one test of a name's
// form outside record values; host names (a stricter rule) are
// IsHostname's.
func IsName(name string, wildcard bool) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > maxName {
		return false
	}
	if wildcard {
		if name == "*" {
			return true
		}
		name = strings.TrimPrefix(name, "*.")
	}
	for {
		l, rest, more := strings.Cut(name, ".")
		if checkLabel(l) != nil {
			return false
		}
		if !more {
			return true
		}
		name = rest
	}
}

func checkLabel(l string) error {
	if l == "" {
		return fmt.Errorf("empty label (\"..\" or a leading or trailing dot)")
	}
	if len(l) > maxLabel {
		return fmt.Errorf("label %q is %d characters long; the limit is %d", l, len(l), maxLabel)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("label %q has character %q; names use letters, digits, '-' and '_'", l, c)
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with '-'", l)
	}
	return nil
}

// normalizeLabels folds s (dot-separated labels, no trailing dot) to the
// stored form: lower case, Unicode labels as punycode. wildcard allows a
// leading "*" label.
func normalizeLabels(s string, wildcard bool) (string, error) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		if !utf8.ValidString(s) {
			return "", fmt.Errorf("not valid UTF-8")
		}
		a, err := idnaProfile.ToASCII(s)
		if err != nil {
			return "", fmt.Errorf("not a valid internationalized name: %v", strings.TrimPrefix(err.Error(), "idna: "))
		}
		s = a
	}
	s = strings.ToLower(s)
	// strings.SplitSeq, not Split: every name of every record passes
	// here, and Split allocated a slice of labels for each.
	i := 0
	for l := range strings.SplitSeq(s, ".") {
		i++
		if l == "*" {
			if i == 1 && wildcard {
				continue
			}
			return "", fmt.Errorf("'*' is only allowed as the leftmost label")
		}
		if err := checkLabel(l); err != nil {
			return "", err
		}
	}
	return s, nil
}

// relName resolves key, a name relative to origin as written in a file,
// to the fully qualified, normalised name.
func relName(key, origin string) (string, error) {
	switch {
	case key == "":
		return origin, nil
	case key == "@":
		return "", fmt.Errorf("\"@\" is not a name here; use '' for the origin %q", origin)
	case strings.HasSuffix(key, "."):
		hint := ""
		if low := strings.ToLower(key); strings.HasSuffix(low, "."+origin) {
			hint = fmt.Sprintf("; write %q", strings.TrimSuffix(low, "."+origin))
		} else if low == origin {
			hint = "; write '' for the origin"
		}
		return "", fmt.Errorf("name %q ends with a dot, but names are relative to the file's origin %q%s", key, origin, hint)
	}
	n, err := normalizeLabels(key, true)
	if err != nil {
		return "", fmt.Errorf("name %q: %v", key, err)
	}
	full := n + "." + origin
	if len(full)-1 > maxName {
		return "", fmt.Errorf("name %q is longer than %d characters", full, maxName)
	}
	return full, nil
}

// hostname normalises a target host name, which must be absolute. "." is
// returned as is when allowRoot is set (null MX, SRV, HTTPS AliasMode…).
func hostname(v string, allowRoot bool) (string, error) {
	if v == "." && allowRoot {
		return v, nil
	}
	if v == "" {
		return "", fmt.Errorf("empty host name")
	}
	if !strings.HasSuffix(v, ".") {
		return "", fmt.Errorf("%q is not absolute; write %q", v, v+".")
	}
	n, err := normalizeLabels(strings.TrimSuffix(v, "."), true)
	if err != nil {
		return "", fmt.Errorf("%q: %v", v, err)
	}
	if len(n) > maxName {
		return "", fmt.Errorf("%q is longer than %d characters", v, maxName)
	}
	return n + ".", nil
}

// isBelow reports whether name is strictly below parent (both fully
// qualified).
func isBelow(name, parent string) bool {
	if parent == "." {
		return name != "."
	}
	return len(name) > len(parent) && strings.HasSuffix(name, parent) && name[len(name)-len(parent)-1] == '.'
}

// relative returns name relative to origin: "" for the origin itself.
func relative(name, origin string) string {
	if name == origin {
		return ""
	}
	return strings.TrimSuffix(name, "."+origin)
}

// IsHostname reports whether name is a host name: dot-separated labels
// of ASCII letters, digits and '-', each starting and ending with a
// letter or digit and 1 to 63 characters long, 253 characters at most
// without the optional trailing dot (RFC 952, RFC 1123 §2.1). The root
// "." and the empty name are not host names, and neither is a wildcard:
// see IsHostOwner.
//
// It is the rule BIND's check-names applies, by default, to primary
// zones (owners of A, AAAA and MX records; targets of MX, NS, SRV and
// ServiceMode SVCB/HTTPS records; PTR targets in the reverse trees): a
// zone holding a name that breaks it fails to load. It is zoneward's
// one LDH predicate; see IsHostnameLabel for a single label.
func IsHostname(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > maxName {
		return false
	}
	for l := range strings.SplitSeq(name, ".") {
		if !IsHostnameLabel(l) {
			return false
		}
	}
	return true
}

// IsHostnameLabel reports whether l is one label of a host name (see
// IsHostname).
func IsHostnameLabel(l string) bool {
	if l == "" || len(l) > maxLabel {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(l)-1:
		default:
			return false
		}
	}
	return true
}

// IsHostOwner reports whether name may own A, AAAA and MX records under
// BIND's check-names: a host name, optionally behind a leading "*" label
// (a wildcard stands for host names).
func IsHostOwner(name string) bool {
	if rest, ok := strings.CutPrefix(name, "*."); ok {
		return IsHostname(rest)
	}
	return IsHostname(name)
}
