package zonefile

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// bindOpts validate a file as `zoneward check` does for this provider.
func bindOpts() schema.ParseOptions {
	return schema.ParseOptions{
		Policy:        schema.DefaultConfig().Policy,
		Provider:      "zonefile",
		ProviderTypes: Types,
		RecordLimits:  Limits,
	}
}

// bindCase is one zone file: YAML text, and whether check must accept it.
type bindCase struct {
	name   string
	yaml   string
	accept bool // a seed at a boundary: refusing it is a bug too
}

// bindSeeds are the boundaries of what BIND loads, on the side it loads,
// and the shapes that used to take a shared zone down.
func bindSeeds() []bindCase {
	hex := func(n int) string { return strings.Repeat("ab", n) }
	addrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%s192.0.%d.%d", map[bool]string{true: "", false: ", "}[i == 0], i/250, i%250+1)
		}
		return b.String()
	}
	return []bindCase{
		{"TXT at BIND's rdata limit", "'': {type: TXT, value: " + strings.Repeat("x", 65254) + "}\n", true},
		{"TXT over it (attack 4)", "'': {type: TXT, value: " + strings.Repeat("x", 70000) + "}\n", false},
		{"100 addresses at one name", "www: {type: A, values: [" + addrs(100) + "]}\n", true},
		{"101 addresses at one name", "www: {type: A, values: [" + addrs(101) + "]}\n", false},
		{"wildcard NS", "'*': {type: NS, value: ns1.example.net.}\n", false},
		{"A owner with an underscore", "a_b: {type: A, value: 192.0.2.1}\n", false},
		{"wildcard host owners", "'*': [{type: A, value: 192.0.2.1}, {type: MX, value: {preference: 10, exchange: mx.example.net.}}]\n", true},
		{"service names for TXT, SRV and TLSA", "_dmarc: {type: TXT, value: v=DMARC1\\; p=none}\n_sip._tcp: {type: SRV, value: {priority: 1, weight: 1, port: 5060, target: sip.example.net.}}\n_443._tcp.www: {type: TLSA, value: {certificate_usage: 3, selector: 1, matching_type: 1, certificate_association_data: " + hex(32) + "}}\n", true},
		{"null MX and no-service SRV", "'': {type: MX, value: {preference: 0, exchange: .}}\n_x._tcp: {type: SRV, value: {priority: 0, weight: 0, port: 0, target: .}}\n", true},
		{"delegation with DS", "sub:\n  - {type: NS, values: [ns1.example.net., ns2.example.net.]}\n  - {type: DS, value: {key_tag: 1, algorithm: 13, digest_type: 2, digest: " + hex(32) + "}}\n", true},
		{"DS digest of the wrong length", "sub:\n  - {type: NS, value: ns1.example.net.}\n  - {type: DS, value: {key_tag: 1, algorithm: 13, digest_type: 2, digest: " + hex(20) + "}}\n", false},
		{"Active Directory name", "gc._msdcs: {type: A, value: 192.0.2.1}\n", true},
		{"HTTPS with every parameter BIND knows", "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {mandatory: [alpn, port], alpn: [h2, h3], no-default-alpn: null, port: 443, ipv4hint: [192.0.2.1], ipv6hint: ['2001:db8::1'], ech: AEn+DQ==, dohpath: '/dns-query{?dns}', key65000: hello}}}\n", true},
		{"HTTPS ohttp", "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], ohttp: null}}}\n", false},
		{"NAPTR ENUM", "'': {type: NAPTR, value: {order: 100, preference: 10, flags: U, service: E2U+sip, regexp: '!^\\+1(.*)$!sip:\\1@example.com!i', replacement: .}}\n", true},
	}
}

// bindGen makes records that look valid, most of the time: each choice
// is a valid one four times in five, and otherwise one of the edge cases
// BIND cares about (names and targets with underscores and wildcards,
// digests of the wrong length, inconsistent SvcParams, odd NAPTR
// regexps), so that generated files land on both sides of the rules.
type bindGen struct{ r *rand.Rand }

func (g bindGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// choose picks from valid four times in five, else from odd.
func (g bindGen) choose(valid, odd []string) string {
	if len(odd) > 0 && g.r.IntN(5) == 0 {
		return g.pick(odd...)
	}
	return g.pick(valid...)
}

func (g bindGen) host() string {
	return g.choose([]string{"host.example.net.", "a-b.example.net.", "x1.example.net.", "xn--bcher-kva.example.", "UPPER.Example.NET.", "9.example.net."},
		[]string{"a_b.example.net.", "'*.example.net.'", "_svc.example.net.", "-x.example.net."})
}

// digest returns a digest type and a hex digest, of its type's length
// (bytes) four times in five.
func (g bindGen) digest(lengths map[string]int) (string, string) {
	types := []string{"1", "2", "3", "4"}
	dt := g.pick(types...)
	n, ok := lengths[dt]
	if !ok || g.r.IntN(5) == 0 {
		n = []int{7, 20, 32, 48}[g.r.IntN(4)]
	}
	return dt, strings.Repeat("ab", n)
}

func (g bindGen) value(typ string) string {
	switch typ {
	case "A":
		return g.pick("192.0.2.1", "0.0.0.0", "255.255.255.255", "10.1.2.3", "198.51.100.7")
	case "AAAA":
		return g.choose([]string{"'2001:db8::1'", "'::1'", "'fe80::1'", "'2001:db8:0:1::53'"}, []string{"'::ffff:192.0.2.1'"})
	case "CNAME", "PTR", "NS":
		return g.host()
	case "MX":
		if g.r.IntN(6) == 0 {
			return fmt.Sprintf("{preference: %s, exchange: .}", g.choose([]string{"0"}, []string{"10"}))
		}
		return fmt.Sprintf("{preference: %d, exchange: %s}", g.r.IntN(65536), g.host())
	case "TXT":
		return g.pick("hello", "''", "'v=spf1 -all'", "'v=DKIM1\\; k=rsa'", "'say \"hi\"'", "'back\\\\slash'", strings.Repeat("y", 300), strings.Repeat("z", 2000+g.r.IntN(500)))
	case "SRV":
		return fmt.Sprintf("{priority: %d, weight: %d, port: %d, target: %s}", g.r.IntN(65536), g.r.IntN(10), g.r.IntN(65536), g.choose([]string{g.host()}, []string{"."}))
	case "CAA":
		return g.pick("{flags: 0, tag: issue, value: letsencrypt.org}", "{flags: 128, tag: issuewild, value: ';'}",
			"{tag: iodef, value: 'mailto:sec@example.com'}", "{tag: issue, value: 'ca.example; account=1'}", "{tag: tbs, value: anything}")
	case "DS":
		dt, d := g.digest(map[string]int{"1": 20, "2": 32, "4": 48})
		return fmt.Sprintf("{key_tag: %d, algorithm: %s, digest_type: %s, digest: %s}", g.r.IntN(65536), g.pick("8", "13", "15"), dt, d)
	case "TLSA":
		return fmt.Sprintf("{certificate_usage: %d, selector: %d, matching_type: %d, certificate_association_data: %s}", g.r.IntN(4), g.r.IntN(2), g.r.IntN(3), strings.Repeat("ab", g.r.IntN(64)+1))
	case "SSHFP":
		ft, d := g.digest(map[string]int{"1": 20, "2": 32})
		return fmt.Sprintf("{algorithm: %d, fingerprint_type: %s, fingerprint: %s}", 1+g.r.IntN(4), ft, d)
	case "NAPTR":
		return fmt.Sprintf("{order: %d, preference: %d, flags: %s, service: %s, regexp: %s, replacement: %s}",
			g.r.IntN(100), g.r.IntN(100), g.pick("S", "U", "A", "''", "'S;U'"), g.pick("SIP+D2U", "E2U+sip", "''"),
			g.choose([]string{"''", "'!^.*$!sip:info@example.com!'", "'!^\\+1(.*)$!sip:\\1@example.com!i'", "'!(a)(b)!\\2!'", "'/^(.*)$/\\1/'", "'!^(.*)$!\\\\!'"},
				[]string{"'!a!\\1!'", "bad", "'x(y)x\\1x'", "'!a[b!c!'", "'!a!b!x'", "'1a1b1'"}),
			g.pick(".", "_sip._udp.example.net.", g.host()))
	case "HTTPS", "SVCB":
		prio := g.pick("0", "1", "2")
		v := fmt.Sprintf("{svcpriority: %s, targetname: %s", prio, g.pick(".", g.host()))
		if prio == "0" {
			return v + "}"
		}
		var params, keys []string
		for _, p := range []struct{ key, value string }{
			{"alpn", "[h2, h3]"}, {"no-default-alpn", "null"}, {"port", "443"}, {"ipv4hint", "[192.0.2.1, 192.0.2.2]"},
			{"ipv6hint", "['2001:db8::1']"}, {"ech", "AEn+DQ=="}, {"dohpath", g.choose([]string{"'/dns-query{?dns}'"}, []string{"/q"})}, {"key65000", "hello"},
		} {
			if g.r.IntN(3) == 0 && (p.key != "no-default-alpn" || len(keys) > 0 && keys[0] == "alpn" || g.r.IntN(5) == 0) {
				params = append(params, p.key+": "+p.value)
				keys = append(keys, p.key)
			}
		}
		if len(keys) > 0 && g.r.IntN(3) == 0 {
			params = append(params, "mandatory: ["+g.choose([]string{keys[g.r.IntN(len(keys))]}, []string{"port", "mandatory"})+"]")
		}
		if g.r.IntN(10) == 0 {
			params = append(params, "ohttp: null")
		}
		if len(params) > 0 {
			v += ", svcparams: {" + strings.Join(params, ", ") + "}"
		}
		return v + "}"
	case "DNAME":
		return g.host()
	case "URI":
		return fmt.Sprintf("{priority: %d, weight: %d, target: %s}", g.r.IntN(65536), g.r.IntN(65536), g.choose([]string{"'https://www.example.com/'", "'ftp://ftp.example.com/public'"}, []string{"''", "'a\"b'"}))
	case "LOC":
		return fmt.Sprintf("{lat_degrees: %d, lat_minutes: %d, lat_seconds: %s, lat_direction: %s, long_degrees: %d, long_minutes: %d, long_seconds: 0, long_direction: %s, altitude: %s, size: %s, precision_horz: 10000, precision_vert: 10}",
			g.r.IntN(91), g.r.IntN(60), g.choose([]string{"0", "23.5", "59.999"}, []string{"60"}), g.pick("N", "S"), g.r.IntN(181), g.r.IntN(60), g.pick("E", "W"),
			g.choose([]string{"-2", "0", "12.34"}, []string{"-100001"}), g.pick("1", "1.5", "0"))
	}
	panic("no generator for " + typ)
}

// bindNames are the names a generated file may declare, with the types
// that usually stand there; any type may stand anywhere one time in five.
var bindNames = []struct {
	name  string
	types []string
}{
	{"''", []string{"A", "AAAA", "MX", "TXT", "CAA", "HTTPS", "NAPTR", "SSHFP"}},
	{"www", []string{"A", "AAAA", "CNAME", "TXT", "HTTPS", "CAA"}},
	{"x.y", []string{"A", "AAAA", "MX", "TXT", "PTR", "SVCB", "NAPTR"}},
	{"a-b", []string{"A", "MX", "CNAME", "SSHFP"}},
	{"Upper", []string{"A", "AAAA", "TXT"}},
	{"'1'", []string{"PTR", "A", "TXT"}},
	{strings.Repeat("l", 63), []string{"A", "TXT"}},
	{"xn--bcher-kva", []string{"A", "AAAA", "MX"}},
	{"'*'", []string{"A", "AAAA", "MX", "TXT", "CNAME"}},
	{"'*.eu'", []string{"A", "MX", "HTTPS"}},
	{"_dmarc", []string{"TXT", "CNAME"}},
	{"_sip._tcp", []string{"SRV"}},
	{"_443._tcp.www", []string{"TLSA"}},
	{"_dns", []string{"SVCB", "HTTPS"}},
	{"gc._msdcs", []string{"A"}},
	{"sub", []string{"NS", "DS"}},
	{"eu", []string{"NS", "DS"}},
	{"a_b", []string{"A", "TXT", "MX", "CNAME"}},
}

func (g bindGen) file() string {
	var b strings.Builder
	used := map[string]bool{}
	for range 1 + g.r.IntN(5) {
		n := bindNames[g.r.IntN(len(bindNames))]
		if used[n.name] {
			continue
		}
		used[n.name] = true
		fmt.Fprintf(&b, "%s:\n", n.name)
		types := map[string]bool{}
		for range 1 + g.r.IntN(2) {
			typ := g.choose(n.types, Types)
			if types[typ] || typ == "NS" && n.name == "''" {
				continue
			}
			types[typ] = true
			fmt.Fprintf(&b, "  - {type: %s, values: [", typ)
			values := map[string]bool{}
			for j := range 1 + g.r.IntN(3) {
				v := g.value(typ)
				if values[v] || j > 0 && typ == "CNAME" {
					continue
				}
				values[v] = true
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(v)
			}
			b.WriteString("]}\n")
		}
	}
	return b.String()
}

// TestCheckedZonesLoadInBIND is the property that whatever `zoneward
// check` accepts for the zonefile provider, BIND loads: each accepted file
// is applied through the provider and the zone file it writes is checked
// with named-checkzone -k fail (check-names as a primary server applies
// it), and then all of them are loaded by one real named with its
// defaults, which also enforces max-records-per-type. The seeds hold the
// boundaries; 300 generated files (a fixed seed, so a failure reproduces)
// cover the shapes in between.
func TestCheckedZonesLoadInBIND(t *testing.T) {
	checkzone := bindBinary(t, "named-checkzone", "/usr/bin/named-checkzone")
	cases := bindSeeds()
	g := bindGen{rand.New(rand.NewPCG(8, 2026))}
	for i := range 300 {
		cases = append(cases, bindCase{name: fmt.Sprintf("generated %d", i), yaml: g.file()})
	}
	p := newTest(t)
	loaded := map[string]string{} // zone → its file, for named
	accepted := 0
	for i, tc := range cases {
		zone := fmt.Sprintf("c%03d.example.", i)
		path := schema.ZoneFilePath(zone)
		f := schema.ParseFile(path, []byte(tc.yaml), bindOpts())
		if !f.Valid() {
			if tc.accept {
				t.Errorf("%s: check refuses a file BIND loads:\n%s\n%v", tc.name, clip(tc.yaml), f.Errs)
			}
			continue
		}
		if !tc.accept && i < len(bindSeeds()) {
			t.Errorf("%s: check accepts a file BIND refuses:\n%s", tc.name, clip(tc.yaml))
		}
		accepted++
		var recs []reconcile.Record
		for _, r := range f.Records {
			recs = append(recs, reconcile.Record{Name: r.Name, Type: r.Type, TTL: r.TTL, Value: r.Value, File: path, Line: r.Pos.Line})
		}
		if err := p.Apply(context.Background(), zone, reconcile.Changes{Create: recs}); err != nil {
			t.Errorf("%s: the provider refuses what check accepts: %v\n%s", tc.name, err, clip(tc.yaml))
			continue
		}
		_, zf, _ := p.zonePath(zone)
		out, err := exec.Command(checkzone, "-k", "fail", strings.TrimSuffix(zone, "."), zf).CombinedOutput()
		if err != nil {
			t.Errorf("%s: named-checkzone -k fail refuses what check accepts: %v\n%s--- file:\n%s--- zone:\n%s", tc.name, err, out, clip(tc.yaml), clip(fileText(t, p, zone)))
			continue
		}
		loaded[strings.TrimSuffix(zone, ".")] = zf
	}
	t.Logf("check accepted %d of %d files; named loaded them", accepted, len(cases))
	// The generator must reach both sides, or the property says nothing.
	if accepted < len(cases)/4 || accepted > len(cases)*9/10 {
		t.Errorf("check accepted %d of %d files; the generator no longer explores both sides", accepted, len(cases))
	}
	for zone, msg := range namedLoad(t, loaded) {
		t.Errorf("named refuses zone %s, which check accepted:\n%s", zone, msg)
	}
}

// TestBINDLimitsAreTight shows that each of Limits is BIND's: one past it,
// BIND refuses the zone file the provider writes (so the limit may not be
// raised), while TestCheckedZonesLoadInBIND loads the zone at it (so it
// need not be lowered).
func TestBINDLimitsAreTight(t *testing.T) {
	checkzone := bindBinary(t, "named-checkzone", "/usr/bin/named-checkzone")
	p := newTest(t)
	over := map[string][]reconcile.Record{
		"rdata.example.": {rec(t, "rdata.example.", "TXT", 300, txtOf(65255), "zones/rdata.example.yaml")},
		"ohttp.example.": {rec(t, "ohttp.example.", "HTTPS", 300, `1 . alpn="h2" ohttp`, "zones/ohttp.example.yaml")},
	}
	var rrset []reconcile.Record
	for i := range Limits.RRsetRecords + 1 {
		rrset = append(rrset, rec(t, "www.rrset.example.", "A", 300, fmt.Sprintf("192.0.%d.%d", i/250, i%250+1), "zones/rrset.example.yaml"))
	}
	over["rrset.example."] = rrset
	files := map[string]string{}
	for zone, recs := range over {
		apply(t, p, zone, reconcile.Changes{Create: recs})
		_, zf, _ := p.zonePath(zone)
		files[strings.TrimSuffix(zone, ".")] = zf
	}
	for _, zone := range []string{"rdata.example", "ohttp.example"} {
		out, err := exec.Command(checkzone, "-k", "fail", zone, files[zone]).CombinedOutput()
		if err == nil {
			t.Errorf("named-checkzone loads %s, one past the limit:\n%s", zone, out)
		}
	}
	refused := namedLoad(t, files)
	for zone := range files {
		if refused[zone] == "" {
			t.Errorf("named loads %s, one past the limit", zone)
		}
	}
	if !strings.Contains(refused["rrset.example"], "too many records") {
		t.Errorf("named's reason for rrset.example: %q, want max-records-per-type's", refused["rrset.example"])
	}
}

// txtOf is a TXT value of n characters in 255-character strings.
func txtOf(n int) string {
	s := strings.Repeat("x", n)
	var parts []string
	for len(s) > 0 {
		k := min(len(s), 255)
		parts = append(parts, `"`+s[:k]+`"`)
		s = s[k:]
	}
	return strings.Join(parts, " ")
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("... (%d bytes)\n", len(s))
	}
	return s
}

// bindBinary finds a BIND program, skipping the test without it unless CI
// is set.
func bindBinary(t *testing.T, name, fallback string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(fallback); err == nil {
		return fallback
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found (install bind9 and bind9-utils); required when CI is set", name)
	}
	t.Skipf("%s not found (install bind9 and bind9-utils); skipping", name)
	return ""
}

// namedLoad starts a real named with its defaults on a free loopback port,
// serving zones (name → file) as a primary, and returns the zones it did
// not load with the log lines that say why. named is stopped before
// namedLoad returns.
func namedLoad(t *testing.T, zones map[string]string) map[string]string {
	t.Helper()
	if len(zones) == 0 {
		return nil
	}
	named := bindBinary(t, "named", "/usr/sbin/named")
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var conf strings.Builder
	fmt.Fprintf(&conf, "options {\n\tdirectory %q;\n\tpid-file none;\n\tsession-keyfile none;\n\tmanaged-keys-directory %q;\n\tlisten-on port %d { 127.0.0.1; };\n\tlisten-on-v6 { none; };\n\trecursion no;\n};\n", dir, dir, port)
	for z, f := range zones {
		fmt.Fprintf(&conf, "zone %q { type primary; file %q; };\n", z, f)
	}
	cf := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(cf, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// A bound on a hung named, not a timed assertion: loading these zones
	// takes about a second.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, named, "-g", "-n", "1", "-c", cf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		log = append(log, line)
		if strings.HasSuffix(line, " running") || strings.Contains(line, "exiting (due to fatal error)") {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	out := map[string]string{}
	ran := false
	for _, line := range log {
		ran = ran || strings.HasSuffix(line, " running")
	}
	if !ran {
		t.Fatalf("named did not start:\n%s", strings.Join(log, "\n"))
	}
	for z, f := range zones {
		var why []string
		bad := false
		for _, line := range log {
			if strings.Contains(line, "zone "+z+"/IN: not loaded due to errors") {
				bad = true
			}
			if strings.Contains(line, f) || strings.Contains(line, "'"+z) || strings.Contains(line, "zone "+z+"/IN") || strings.Contains(line, "."+z+":") || strings.Contains(line, "."+z+"/") {
				why = append(why, line)
			}
		}
		if bad {
			out[z] = strings.Join(why, "\n")
		}
	}
	return out
}
