package schema

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// The tests in this file hold zoneward to octoDNS's reading of its own
// record format, one table per part of it. Each row cites the octoDNS
// source it mirrors, at the release these tests were written against:
//
//	octodns/octodns            94bc80eb03f662565940dd2d4af5c20ccd61915e (1.22.0)
//	octodns/octodns-cloudflare 33cbe027b22adf061676e5135200c6de34f5ec73
const (
	octodns   = "https://github.com/octodns/octodns/blob/94bc80eb03f662565940dd2d4af5c20ccd61915e/"
	octodnsCF = "https://github.com/octodns/octodns-cloudflare/blob/33cbe027b22adf061676e5135200c6de34f5ec73/"
)

// octoCase is one file and what zoneward makes of it: the records it
// plans, the names and types it leaves alone, the apex NS it reads and
// never applies, and every warning and error, in full.
type octoCase struct {
	name    string
	source  string // the octoDNS source the row mirrors
	opts    ParseOptions
	path    string // default zones/example.com.yaml
	in      string
	records []string // "name ttl type value", sorted as File.Records
	ignored []string // "name type: reason"
	apexNS  []string // values
	warns   []string
	errs    []string
}

func runOcto(t *testing.T, cases []octoCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.HasPrefix(tc.source, octodns) && !strings.HasPrefix(tc.source, octodnsCF) {
				t.Fatalf("row cites no octoDNS source: %q", tc.source)
			}
			path := tc.path
			if path == "" {
				path = "zones/example.com.yaml"
			}
			opts := tc.opts
			if opts.Policy.TTL == (TTLPolicy{}) {
				pol := DefaultConfig().Policy
				pol.EscapedSemicolons = opts.Policy.EscapedSemicolons
				opts.Policy = pol
			}
			f := ParseFile(path, []byte(tc.in), opts)
			var recs, ign, apex []string
			for _, r := range f.Records {
				line := fmt.Sprintf("%s %d %s %s", r.Name, r.TTL, r.Type, r.Value)
				if r.Tags != "" {
					line += " tags=" + strings.ReplaceAll(r.Tags, "\n", ",")
				}
				recs = append(recs, line)
			}
			for _, ig := range f.Ignored {
				ign = append(ign, ig.Name+" "+ig.Type+": "+ig.Reason)
			}
			for _, r := range f.ApexNS {
				apex = append(apex, r.Value)
			}
			check := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s of\n%s\n got: %q\nwant: %q", what, tc.in, got, want)
				}
			}
			check("records", recs, tc.records)
			check("ignored", ign, tc.ignored)
			check("apex NS", apex, tc.apexNS)
			check("warnings", errStrings(f.Warnings), tc.warns)
			check("errors", errStrings(f.Errs), tc.errs)
		})
	}
}

// Item 1: octoDNS's record flags.
func TestOctoDNSFlags(t *testing.T) {
	zonefile := ParseOptions{Provider: "zonefile"}
	cloudflare := ParseOptions{Provider: "cloudflare"}
	named := ParseOptions{Provider: "cloudflare", ProviderName: "cf-prod"}
	runOcto(t, []octoCase{
		{name: "ignored: not planned, left alone",
			source:  octodns + "octodns/zone/base.py#L617-L638",
			in:      "www:\n  - {type: A, value: 192.0.2.1, octodns: {ignored: true}}\n  - {type: AAAA, value: '2001:db8::1'}\n",
			records: []string{"www.example.com. 3600 AAAA 2001:db8::1"},
			ignored: []string{"www.example.com. A: ignored"}},
		{name: "ignored: false changes nothing",
			source:  octodns + "octodns/record/base.py#L627-L629",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {ignored: false}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"}},
		{name: "ignored: yes, as PyYAML reads YAML 1.1",
			source:  octodns + "octodns/yaml.py#L19",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {ignored: yes}}\n",
			ignored: []string{"www.example.com. A: ignored"}},
		{name: "an ignored record is still validated",
			source:  octodns + "octodns/record/base.py#L350-L371",
			in:      "www: {type: A, value: 192.0.2.300, octodns: {ignored: true}}\n",
			ignored: []string{"www.example.com. A: ignored"},
			errs:    []string{`zones/example.com.yaml:1:23: A value "192.0.2.300" is not an IP address`}},
		{name: "an ignored record of a type zoneward cannot hold",
			source:  octodns + "octodns/zone/base.py#L685-L686",
			in:      "'': {type: URLFWD, value: {path: /, target: 'https://example.net/'}, octodns: {ignored: true}}\n",
			ignored: []string{"example.com. URLFWD: ignored"},
			warns:   []string{`zones/example.com.yaml:1:12: URLFWD is specific to octoDNS providers that serve it as something other than DNS data; zoneward's providers cannot hold it; the record is ignored here, so nothing is done with it`}},
		{name: "excluded for this provider",
			source:  octodns + "octodns/zone/base.py#L627-L634",
			opts:    cloudflare,
			in:      "www: {type: A, value: 192.0.2.1, octodns: {excluded: [cloudflare]}}\n",
			ignored: []string{`www.example.com. A: excluded for "cloudflare"`}},
		{name: "excluded for another provider",
			source:  octodns + "octodns/zone/base.py#L695-L702",
			opts:    cloudflare,
			in:      "www: {type: A, value: 192.0.2.1, octodns: {excluded: [route53]}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"}},
		{name: "included for another provider only",
			source:  octodns + "octodns/zone/base.py#L687-L694",
			opts:    zonefile,
			in:      "www: {type: A, value: 192.0.2.1, octodns: {included: [route53, ns1]}}\n",
			ignored: []string{`www.example.com. A: not included for "zonefile"`}},
		{name: "included for this provider",
			source:  octodns + "octodns/zone/base.py#L619",
			opts:    zonefile,
			in:      "www: {type: A, value: 192.0.2.1, octodns: {included: [zonefile]}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"}},
		{name: "one name instead of a list",
			source:  octodns + "octodns/zone/base.py#L627",
			opts:    cloudflare,
			in:      "www: {type: A, value: 192.0.2.1, octodns: {excluded: cloudflare}}\n",
			ignored: []string{`www.example.com. A: excluded for "cloudflare"`}},
		{name: "provider.name is the provider's name in the lists",
			source:  octodns + "octodns/zone/base.py#L627",
			opts:    named,
			in:      "a: {type: A, value: 192.0.2.1, octodns: {excluded: [cloudflare]}}\nb: {type: A, value: 192.0.2.2, octodns: {excluded: [cf-prod]}}\n",
			records: []string{"a.example.com. 3600 A 192.0.2.1"},
			ignored: []string{`b.example.com. A: excluded for "cf-prod"`}},
		{name: "an excluded record need not fit this provider",
			source:  octodns + "octodns/provider/base.py#L151-L156",
			opts:    ParseOptions{Provider: "zonefile", ProviderTypes: []string{"A", "AAAA"}},
			in:      "'': {type: ALIAS, value: lb.example.net., octodns: {excluded: [zonefile]}}\n",
			ignored: []string{`example.com. ALIAS: excluded for "zonefile"`}},
		{name: "lenient does not relax validation",
			source: octodns + "octodns/record/base.py#L361-L371",
			in:     "www: {type: A, value: not-an-address, octodns: {lenient: true}}\n",
			errs:   []string{`zones/example.com.yaml:1:23: A value "not-an-address" is not an IP address`}},
		{name: "flags must be flags",
			source:  octodns + "octodns/record/base.py#L627-L637",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {ignored: sometimes}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			errs:    []string{`zones/example.com.yaml:1:53: octodns.ignored must be true or false, not "sometimes"`}},
	})
}

// TestIgnoredNeedsAuthority: a name and type left alone hides what the
// provider holds there from the plan, so a file may flag only names it
// speaks for, and a tenant may not flag a reserved one.
func TestIgnoredNeedsAuthority(t *testing.T) {
	fsys := fstest.MapFS{
		"zoneward.yaml":              {Data: []byte("policy:\n  reserved: [mail.example.com.]\n")},
		"zones/example.com.yaml":     {Data: []byte("bob: {type: A, value: 192.0.2.1, octodns: {ignored: true}}\nmail: {type: MX, value: {preference: 10, exchange: mx.example.net.}, octodns: {ignored: true}}\n")},
		"zones/example.com/bob.yaml": {Data: []byte("'': {type: A, value: 192.0.2.2}\n")},
	}
	r, err := Load(fsys, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`zones/example.com.yaml:1:13: "bob.example.com." belongs to zones/example.com/bob.yaml, which speaks for "bob.example.com."; declare it there`,
		`zones/example.com.yaml:2:14: mail.example.com. is reserved by policy.reserved ("mail.example.com."): only files the Company runs (company.files) may declare it, or leave it alone`,
	}
	if got := errStrings(r.Errs); !slices.Equal(got, want) {
		t.Errorf("errors\n got: %q\nwant: %q", got, want)
	}
}

// Item 2: TXT values as octoDNS reads them.
func TestOctoDNSTXT(t *testing.T) {
	off := false
	bare := ParseOptions{Policy: Policy{EscapedSemicolons: &off}}
	long := strings.Repeat("x", 250)
	runOcto(t, []octoCase{
		{name: "one quoted string loses its quotes",
			source:  octodns + "octodns/record/chunked.py#L235-L242",
			in:      "'': {type: TXT, value: '\"v=spf1 include:_spf.example.net ~all\"'}\n",
			records: []string{`example.com. 3600 TXT "v=spf1 include:_spf.example.net ~all"`}},
		{name: "quoted chunks are joined",
			source:  octodns + "octodns/record/chunked.py#L239-L241",
			in:      "'': {type: TXT, value: '\"abc\" \"def\"'}\n",
			records: []string{`example.com. 3600 TXT "abcdef"`}},
		{name: "chunks joined, then split at 255",
			source:  octodns + "octodns/record/chunked.py#L261-L269",
			in:      "'': {type: TXT, value: '\"" + long + "\" \"" + long + "\"'}\n",
			records: []string{`example.com. 3600 TXT "` + strings.Repeat("x", 255) + `" "` + strings.Repeat("x", 245) + `"`}},
		{name: "quotes in the middle are text",
			source:  octodns + "octodns/record/chunked.py#L239",
			in:      "'': {type: TXT, value: 'say \"hi\"'}\n",
			records: []string{`example.com. 3600 TXT "say \"hi\""`}},
		{name: "escaped semicolons",
			source:  octodns + "octodns/record/chunked.py#L31-L51",
			in:      "_dmarc: {type: TXT, value: 'v=DMARC1\\; p=reject'}\n",
			records: []string{`_dmarc.example.com. 3600 TXT "v=DMARC1; p=reject"`}},
		{name: "quoted and escaped",
			source:  octodns + "octodns/record/chunked.py#L261",
			in:      "_dmarc: {type: TXT, values: ['\"v=DMARC1\\; p=none\"']}\n",
			records: []string{`_dmarc.example.com. 3600 TXT "v=DMARC1; p=none"`}},
		{name: "escaped_semicolons: false takes them bare",
			source:  octodns + "octodns/provider/yaml.py#L357-L371",
			opts:    bare,
			in:      "_dmarc: {type: TXT, value: 'v=DMARC1; p=reject'}\n",
			records: []string{`_dmarc.example.com. 3600 TXT "v=DMARC1; p=reject"`}},
		{name: "escaped_semicolons: false refuses an escaped one",
			source: octodns + "octodns/record/chunked.py#L32",
			opts:   bare,
			in:     "_dmarc: {type: TXT, value: 'v=DMARC1\\; p=reject'}\n",
			errs:   []string{`zones/example.com.yaml:1:28: TXT value has "\;" at offset 8, but policy.escaped_semicolons is false: write ";" bare`}},
		{name: "a quote that is not closed",
			source: octodns + "octodns/record/chunked.py#L239-L240",
			in:     "'': {type: TXT, value: '\"abc'}\n",
			errs:   []string{`zones/example.com.yaml:1:24: TXT value starts with a quote but does not end with one, and octoDNS would drop its last character; close the quote, or write \" for a quote that is text`}},
	})
}

// Item 3: the shapes octoDNS normalises.
func TestOctoDNSShapes(t *testing.T) {
	const digest = "2BB183AF5F22588179A53B0A98631FAD1A292118"
	runOcto(t, []octoCase{
		{name: "values with one scalar",
			source:  octodns + "octodns/record/base.py#L747-L749",
			in:      "www: {type: A, values: 192.0.2.1}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"}},
		{name: "value with a list",
			source:  octodns + "octodns/record/base.py#L747-L749",
			in:      "www: {type: A, value: [192.0.2.1, 192.0.2.2]}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1", "www.example.com. 3600 A 192.0.2.2"}},
		{name: "a merge key",
			source:  octodns + "octodns/yaml.py#L70-L92",
			in:      "www: &web\n  type: A\n  ttl: 300\n  value: 192.0.2.1\napi:\n  <<: *web\n  value: 192.0.2.2\n",
			records: []string{"api.example.com. 300 A 192.0.2.2", "www.example.com. 300 A 192.0.2.1"}},
		{name: "merge keys: the first mapping wins, the record's own keys over all",
			source:  octodns + "octodns/yaml.py#L94-L112",
			in:      "a: &a {type: A, ttl: 300, value: 192.0.2.1}\nb: &b {type: AAAA, ttl: 600, value: '::1'}\nc: {<<: [*a, *b], value: 192.0.2.3}\n",
			records: []string{"a.example.com. 300 A 192.0.2.1", "b.example.com. 600 AAAA ::1", "c.example.com. 300 A 192.0.2.3"}},
		{name: "a merge key in a value",
			source:  octodns + "octodns/yaml.py#L70-L92",
			in:      "'':\n  type: MX\n  values:\n    - &mx {preference: 10, exchange: mx1.example.net.}\n    - {<<: *mx, exchange: mx2.example.net.}\n",
			records: []string{"example.com. 3600 MX 10 mx1.example.net.", "example.com. 3600 MX 10 mx2.example.net."}},
		{name: "a merge key of something else",
			source:  octodns + "octodns/yaml.py#L79-L85",
			in:      "www: {<<: 1, type: A, value: 192.0.2.1}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			errs:    []string{"zones/example.com.yaml:1:11: a merge key (<<) takes a mapping or a list of mappings"}},
		{name: "legacy MX keys",
			source:  octodns + "octodns/record/mx.py#L232-L244",
			in:      "'': {type: MX, value: {priority: 10, value: mx.example.net.}}\n",
			records: []string{"example.com. 3600 MX 10 mx.example.net."}},
		{name: "legacy DS keys",
			source:  octodns + "octodns/record/ds.py#L360-L370",
			in:      "sub:\n  - {type: NS, value: ns.example.net.}\n  - {type: DS, value: {flags: 60485, protocol: 13, algorithm: 1, public_key: " + strings.ToLower(digest) + "}}\n",
			records: []string{"sub.example.com. 3600 DS 60485 13 1 " + digest, "sub.example.com. 3600 NS ns.example.net."}},
		{name: "legacy and current DS keys mixed",
			source:  octodns + "octodns/record/ds.py#L363",
			in:      "sub:\n  - {type: NS, value: ns.example.net.}\n  - {type: DS, value: {flags: 60485, protocol: 13, algorithm: 1, digest: " + digest + "}}\n",
			errs:    []string{"zones/example.com.yaml:3:74: DS value mixes digest with octoDNS's legacy keys (flags, protocol, algorithm, public_key); use one set: key_tag, algorithm, digest_type, digest"},
			records: []string{"sub.example.com. 3600 NS ns.example.net."}},
		{name: "SRV with a wildcard service",
			source:  octodns + "octodns/record/srv.py#L32-L41",
			in:      "'*._tcp': {type: SRV, value: {priority: 0, weight: 0, port: 0, target: .}}\n",
			records: []string{"*._tcp.example.com. 3600 SRV 0 0 0 ."}},
		{name: "numbers as YAML reads them",
			source:  octodns + "octodns/record/base.py#L165-L177",
			in:      "'': {type: MX, ttl: 0x12C, value: {preference: 010, exchange: mx.example.net.}}\nwww: {type: A, ttl: '0300', value: 192.0.2.1}\n",
			records: []string{"example.com. 300 MX 8 mx.example.net.", "www.example.com. 300 A 192.0.2.1"}},
		{name: "a file holding only ---",
			source: octodns + "octodns/provider/yaml.py#L351",
			in:     "---\n"},
	})
}

// Item 4: keys octoDNS ignores are warnings, with the key and its line.
func TestOctoDNSUnreadKeys(t *testing.T) {
	runOcto(t, []octoCase{
		{name: "a description beside type",
			source:  octodns + "octodns/record/base.py#L536-L538",
			in:      "www:\n  type: A\n  description: the web server\n  value: 192.0.2.1\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			warns:   []string{`zones/example.com.yaml:3:3: record key "description" is not read, by zoneward or by octoDNS, and has no effect; check its spelling (record keys: type, ttl, value, values, octodns, geo, dynamic)`}},
		{name: "a misspelt value is seen",
			source: octodns + "octodns/record/base.py#L747",
			in:     "www: {type: A, vaule: 192.0.2.1}\n",
			warns:  []string{`zones/example.com.yaml:1:16: record key "vaule" is not read, by zoneward or by octoDNS, and has no effect; check its spelling (record keys: type, ttl, value, values, octodns, geo, dynamic)`},
			errs:   []string{"zones/example.com.yaml:1:6: A record has no value or values"}},
	})
}

// Item 5: geo and dynamic rules.
func TestOctoDNSGeoDynamic(t *testing.T) {
	runOcto(t, []octoCase{
		{name: "geo",
			source:  octodns + "octodns/record/geo.py#L231-L235",
			in:      "www:\n  type: A\n  value: 192.0.2.1\n  geo:\n    EU: [192.0.2.2]\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			warns:   []string{"zones/example.com.yaml:4:3: geo rules are not applied; the default values are published (zoneward's providers have no traffic steering)"}},
		{name: "dynamic",
			source:  octodns + "octodns/provider/base.py#L226-L232",
			in:      "www:\n  type: CNAME\n  value: default.example.net.\n  dynamic:\n    pools: {eu: {values: [{value: eu.example.net.}]}}\n    rules: [{geos: [EU], pool: eu}]\n",
			records: []string{"www.example.com. 3600 CNAME default.example.net."},
			warns:   []string{"zones/example.com.yaml:4:3: dynamic rules are not applied; the default values are published (zoneward's providers have no traffic steering)"}},
	})
}

// Item 6: the apex NS are the provider's.
func TestOctoDNSApexNS(t *testing.T) {
	runOcto(t, []octoCase{
		{name: "accepted, never applied",
			source:  octodns + "octodns/provider/base.py#L246-L262",
			in:      "'':\n  - {type: NS, values: [NS1.example.net., ns2.example.net.]}\n  - {type: A, value: 192.0.2.1}\n",
			records: []string{"example.com. 3600 A 192.0.2.1"},
			apexNS:  []string{"ns1.example.net.", "ns2.example.net."}},
		{name: "validated as any NS",
			source: octodns + "octodns/record/ns.py#L13-L16",
			in:     "'': {type: NS, value: ns1.example.net}\n",
			errs:   []string{`zones/example.com.yaml:1:23: NS value "ns1.example.net" is not absolute; write "ns1.example.net."`}},
	})
}

// Item 7: glue below a delegation.
func TestOctoDNSGlue(t *testing.T) {
	runOcto(t, []octoCase{
		{name: "addresses of the delegation's name servers",
			source: octodns + "octodns/zone/ns.py#L25-L46",
			in:     "sub: {type: NS, values: [ns1.sub.example.com., ns.example.net.]}\nns1.sub:\n  - {type: A, value: 192.0.2.53}\n  - {type: AAAA, value: '2001:db8::53'}\n",
			records: []string{"ns1.sub.example.com. 3600 A 192.0.2.53", "ns1.sub.example.com. 3600 AAAA 2001:db8::53",
				"sub.example.com. 3600 NS ns.example.net.", "sub.example.com. 3600 NS ns1.sub.example.com."}},
		{name: "a name server named as the delegation",
			source:  octodns + "octodns/zone/ns.py#L31-L38",
			in:      "sub:\n  - {type: NS, value: sub.example.com.}\n  - {type: A, value: 192.0.2.53}\n",
			records: []string{"sub.example.com. 3600 A 192.0.2.53", "sub.example.com. 3600 NS sub.example.com."}},
		{name: "other data below the cut",
			source:  octodns + "octodns/zone/ns.py#L31-L33",
			in:      "sub: {type: NS, values: [ns1.sub.example.com.]}\nns1.sub: {type: TXT, value: hello}\nwww.sub: {type: A, value: 192.0.2.80}\n",
			records: []string{"ns1.sub.example.com. 3600 TXT \"hello\"", "sub.example.com. 3600 NS ns1.sub.example.com.", "www.sub.example.com. 3600 A 192.0.2.80"},
			errs: []string{
				`zones/example.com.yaml:2:10: "ns1.sub" is below the NS delegation of "sub" (line 1); only the delegated zone can hold it`,
				`zones/example.com.yaml:3:10: "www.sub" is below the NS delegation of "sub" (line 1); only the delegated zone can hold it`,
			}},
	})
}

// Item 8: types.
func TestOctoDNSTypes(t *testing.T) {
	cloudflare := ParseOptions{Provider: "cloudflare", ProviderTypes: []string{"A", "LOC", "URI"}}
	loc := "{lat_degrees: 52, lat_minutes: 22, lat_seconds: 23.5, lat_direction: N, long_degrees: 4, long_minutes: 53, long_seconds: 32, long_direction: E, altitude: -2, size: 1, precision_horz: 10000, precision_vert: 10}"
	runOcto(t, []octoCase{
		{name: "LOC",
			source:  octodns + "octodns/record/loc.py#L26-L140",
			in:      "'': {type: LOC, value: " + loc + "}\n",
			records: []string{"example.com. 3600 LOC 52 22 23.500 N 04 53 32.000 E -2m 1m 10000m 10m"}},
		{name: "LOC out of range",
			source: octodns + "octodns/record/loc.py#L47-L69",
			in:     "'': {type: LOC, value: " + strings.Replace(loc, "lat_minutes: 22", "lat_minutes: 60", 1) + "}\n",
			errs:   []string{`zones/example.com.yaml:1:55: LOC lat_minutes "60" is not a number from 0 to 59`}},
		{name: "URI",
			source:  octodns + "octodns/record/uri.py#L187-L194",
			in:      "_http._tcp: {type: URI, value: {priority: 10, weight: 1, target: 'https://www.example.com/'}}\n",
			records: []string{`_http._tcp.example.com. 3600 URI 10 1 "https://www.example.com/"`}},
		{name: "URI name",
			source:  octodns + "octodns/record/uri.py#L27-L36",
			in:      "www: {type: URI, value: {priority: 10, weight: 1, target: 'https://www.example.com/'}}\n",
			records: []string{`www.example.com. 3600 URI 10 1 "https://www.example.com/"`},
			errs:    []string{`zones/example.com.yaml:1:13: URI name "www" must start with a _service label (or "*") and a protocol label, such as "_sip._tcp"`}},
		{name: "DNAME",
			source:  octodns + "octodns/record/dname.py#L14-L20",
			in:      "old: {type: DNAME, value: Example.NET.}\n",
			records: []string{"old.example.com. 3600 DNAME example.net."}},
		{name: "DNAME with data below it",
			source:  octodns + "octodns/zone/dname.py#L44-L58",
			in:      "old: {type: DNAME, value: example.net.}\nwww.old: {type: A, value: 192.0.2.1}\n",
			records: []string{"old.example.com. 3600 DNAME example.net.", "www.old.example.com. 3600 A 192.0.2.1"},
			errs:    []string{`zones/example.com.yaml:2:10: "www.old" is below the DNAME at "old" (line 1), which redirects every name below it: the record would never be answered`}},
		{name: "DNAME on Cloudflare",
			source:  octodnsCF + "octodns_cloudflare/__init__.py#L65-L83",
			opts:    cloudflare,
			in:      "old: {type: DNAME, value: example.net.}\n",
			records: []string{"old.example.com. 3600 DNAME example.net."},
			errs:    []string{"zones/example.com.yaml:1:13: the cloudflare provider cannot hold DNAME records"}},
		{name: "SPF",
			source: octodns + "octodns/record/spf.py#L24-L31",
			in:     "'': {type: SPF, value: v=spf1 -all}\n",
			errs:   []string{"zones/example.com.yaml:1:12: SPF records were retired by RFC 7208; publish the policy as a TXT record"}},
		{name: "URLFWD",
			source: octodns + "octodns/record/urlfwd.py#L247",
			in:     "'': {type: URLFWD, value: {path: /, target: 'https://example.net/', code: 301, masking: 2, query: 0}}\n",
			errs:   []string{"zones/example.com.yaml:1:12: URLFWD is specific to octoDNS providers that serve it as something other than DNS data; zoneward's providers cannot hold it"}},
		{name: "a provider's own type",
			source: octodns + "octodns/record/base.py#L271-L281",
			in:     "'': {type: Route53Provider/ALIAS, value: {name: www, type: A}}\n",
			errs:   []string{`zones/example.com.yaml:1:12: type "Route53Provider/ALIAS" is specific to the octoDNS provider "Route53Provider"; zoneward's providers cannot hold it`}},
	})
}

// Item 9: octodns.cloudflare.
func TestOctoDNSCloudflareBlock(t *testing.T) {
	free := ParseOptions{Provider: "cloudflare", RecordLimits: RecordLimits{TagsIgnored: "Cloudflare keeps record tags on paid plans only"}}
	var many []string
	for i := range 21 {
		many = append(many, fmt.Sprintf("t%d", i))
	}
	runOcto(t, []octoCase{
		{name: "tags",
			source:  octodnsCF + "octodns_cloudflare/__init__.py#L626-L636",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {cloudflare: {tags: ['Team:web', owner, 'note:a b: c']}}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1 tags=note:a b: c,owner,team:web"}},
		{name: "tags on the free plan",
			source:  octodnsCF + "octodns_cloudflare/__init__.py#L626-L636",
			opts:    free,
			in:      "www: {type: A, value: 192.0.2.1, octodns: {cloudflare: {tags: [team:web]}}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			warns:   []string{"zones/example.com.yaml:1:57: octodns.cloudflare.tags is ignored: Cloudflare keeps record tags on paid plans only"}},
		{name: "a tag name Cloudflare refuses",
			source:  octodnsCF + "octodns_cloudflare/__init__.py#L635-L636",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {cloudflare: {tags: ['team web:x']}}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			errs:    []string{`zones/example.com.yaml:1:64: tag "team web:x": its name (before the ":") must be 1 to 32 letters, digits, "-" or "_"`}},
		{name: "more tags than Cloudflare keeps",
			source:  octodnsCF + "octodns_cloudflare/__init__.py#L635-L636",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {cloudflare: {tags: [" + strings.Join(many, ", ") + "]}}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			errs:    []string{"zones/example.com.yaml:1:63: octodns.cloudflare.tags has 21 tags; Cloudflare keeps at most 20 per record"}},
		{name: "keys of the block zoneward does not read",
			source:  octodnsCF + "octodns_cloudflare/__init__.py#L806-L848",
			in:      "www: {type: A, value: 192.0.2.1, octodns: {cloudflare: {proxied: true, region: eu}}}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			errs:    []string{`zones/example.com.yaml:1:72: unknown key "region" in octodns.cloudflare (known keys: proxied, auto-ttl, comment, tags)`}},
	})
}

// Item 10: !include.
func TestOctoDNSInclude(t *testing.T) {
	runOcto(t, []octoCase{
		{name: "refused, and why",
			source: octodns + "octodns/yaml.py#L21-L33",
			in:     "www: !include www.yaml\n",
			errs: []string{
				`zones/example.com.yaml:1:1: name "www" needs a record (a mapping with type and value) or a list of records`,
				"zones/example.com.yaml:1:6: !include is refused: a zone file must be self-contained, so that its owner alone decides what it holds (an included file could be anyone's); write the records here",
			}},
		{name: "in a merge key",
			source: octodns + "octodns/yaml.py#L130-L131",
			in:     "www: {<<: !include base.yaml, value: 192.0.2.1}\n",
			errs: []string{
				"zones/example.com.yaml:1:6: record has no type",
				"zones/example.com.yaml:1:11: !include is refused: a zone file must be self-contained, so that its owner alone decides what it holds (an included file could be anyone's); write the records here",
				"zones/example.com.yaml:1:11: a merge key (<<) takes a mapping or a list of mappings",
			}},
		{name: "another tag",
			source:  octodns + "octodns/yaml.py#L19",
			in:      "www: {type: A, value: !ip 192.0.2.1}\n",
			records: []string{"www.example.com. 3600 A 192.0.2.1"},
			errs:    []string{`zones/example.com.yaml:1:23: YAML tag "!ip" is not one zoneward reads; remove it`}},
		{name: "YAML's own tags",
			source:  octodns + "octodns/yaml.py#L19",
			in:      "'': {type: TXT, value: !!str 010}\n",
			records: []string{`example.com. 3600 TXT "010"`}},
	})
}

// Item 11: a null key.
func TestOctoDNSNullKey(t *testing.T) {
	runOcto(t, []octoCase{
		{name: "null",
			source: octodns + "octodns/record/base.py#L322-L329",
			in:     "null: {type: A, value: 192.0.2.1}\n",
			errs:   []string{`zones/example.com.yaml:1:1: name null is YAML's null, not text; quote it ('null':) for a name "null", or write '' for the origin "example.com."`}},
		{name: "~",
			source: octodns + "octodns/record/base.py#L322-L329",
			in:     "~: {type: A, value: 192.0.2.1}\n",
			errs:   []string{`zones/example.com.yaml:1:1: name ~ is YAML's null, not text; quote it ('~':) for a name "~", or write '' for the origin "example.com."`}},
		{name: "quoted",
			source:  octodns + "octodns/record/base.py#L325",
			in:      "'null': {type: A, value: 192.0.2.1}\n",
			records: []string{"null.example.com. 3600 A 192.0.2.1"}},
	})
}

// TestOctoDNSSettings: zoneward.yaml's provider.name and
// policy.escaped_semicolons reach every file, as an octoDNS
// configuration's provider key and YamlProvider's escaped_semicolons do
// (octodns/zone/base.py, line 627; octodns/provider/yaml.py, lines
// 357-371, at 94bc80e).
func TestOctoDNSSettings(t *testing.T) {
	r, err := Load(fstest.MapFS{
		"zoneward.yaml": {Data: []byte("provider:\n  type: zonefile\n  name: bind\n  dir: out\npolicy:\n  escaped_semicolons: false\ncompany: {files: ['zones/**']}\n")},
		"zones/example.com.yaml": {Data: []byte("_dmarc: {type: TXT, value: 'v=DMARC1; p=none'}\n" +
			"a: {type: A, value: 192.0.2.1, octodns: {excluded: [bind]}}\nb: {type: A, value: 192.0.2.2, octodns: {excluded: [zonefile]}}\n")},
	}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Errs.Err(); err != nil {
		t.Fatal(err)
	}
	if id := r.Config.Provider.ID(); id != "bind" {
		t.Errorf("provider ID = %q, want bind", id)
	}
	var opts struct {
		Dir string `yaml:"dir"`
	}
	if err := r.Config.Provider.Decode(&opts); err != nil || opts.Dir != "out" {
		t.Errorf("the provider's own keys decode to %+v, %v: name is schema's, not the provider's", opts, err)
	}
	f := r.File("zones/example.com.yaml")
	var got []string
	for _, rec := range f.Records {
		got = append(got, rec.Name+" "+rec.Value)
	}
	want := []string{`_dmarc.example.com. "v=DMARC1; p=none"`, "b.example.com. 192.0.2.2"}
	if !slices.Equal(got, want) || len(f.Ignored) != 1 || f.Ignored[0].Name != "a.example.com." {
		t.Errorf("records %q (want %q), ignored %+v", got, want, f.Ignored)
	}
}
