package schema

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// guardRepo is a repository with one Company-run shared zone, one
// tenant-owned subtree of it and one tenant zone; policy is the policy block
// of zoneward.yaml and files adds or replaces zone files.
func guardRepo(t *testing.T, policy string, files map[string]string) *Repo {
	t.Helper()
	fsys := fstest.MapFS{
		ConfigFile:                {Data: []byte("provider: {type: zonefile}\ncompany:\n  admins: ['@acme/dns']\n  files: [zones/acme.dev.yaml]\npolicy:\n" + policy)},
		".github/CODEOWNERS":      {Data: []byte("* @acme/dns\n/zones/example.com.yaml @alice\n/zones/acme.dev/www.yaml @mallory\n")},
		"zones/acme.dev.yaml":     {Data: []byte("'': {type: A, value: 192.0.2.1}\n")},
		"zones/acme.dev/www.yaml": {Data: []byte("'': {type: A, value: 192.0.2.2}\n")},
		"zones/example.com.yaml":  {Data: []byte("'': {type: A, value: 192.0.2.3}\n")},
	}
	for p, body := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(body)}
	}
	r, err := Load(fsys, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGuardRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy string
		files  map[string]string
		want   []string // every error, in full
	}{
		{
			name:   "default refuses what is never a host",
			policy: "  revoked: freeze\n",
			files: map[string]string{"zones/example.com.yaml": "" +
				"a: {type: A, value: 0.0.0.0}\n" +
				"b: {type: A, value: 224.0.0.251}\n" +
				"c: {type: AAAA, value: 'ff02::1'}\n" +
				"d: {type: A, value: 255.255.255.255}\n" +
				"e: {type: A, value: 10.0.0.5}\n" + // private: only public refuses it
				"f: {type: CNAME, value: localhost.}\n"},
			want: []string{
				`zones/example.com.yaml:1:4: A 0.0.0.0 is in 0.0.0.0/8 ("this network", RFC 791), which is never a host's address; policy.addresses refuses it`,
				`zones/example.com.yaml:2:4: A 224.0.0.251 is in 224.0.0.0/4 (multicast, RFC 5771), which is never a host's address; policy.addresses refuses it`,
				`zones/example.com.yaml:3:4: AAAA ff02::1 is in ff00::/8 (multicast, RFC 4291), which is never a host's address; policy.addresses refuses it`,
				`zones/example.com.yaml:4:4: A 255.255.255.255 is in 255.255.255.255/32 (limited broadcast, RFC 919), which is never a host's address; policy.addresses refuses it`,
			},
		},
		{
			name:   "any allows everything",
			policy: "  addresses: any\n",
			files:  map[string]string{"zones/example.com.yaml": "a: {type: A, value: 0.0.0.0}\n"},
		},
		{
			name:   "public refuses special-purpose addresses",
			policy: "  addresses: public\n",
			files: map[string]string{"zones/example.com.yaml": "" +
				"a: {type: A, value: 10.1.2.3}\n" +
				"b: {type: A, value: 100.64.0.1}\n" +
				"c: {type: A, value: 127.0.0.1}\n" +
				"d: {type: A, value: 169.254.169.254}\n" +
				"e: {type: A, value: 198.51.100.7}\n" +
				"f: {type: AAAA, value: 'fd00::1'}\n" +
				"g: {type: AAAA, value: '4000::1'}\n" +
				"h: {type: CNAME, value: app.localhost.}\n" +
				// Globally reachable, even where special.
				"j: {type: A, value: 9.9.9.9}\n" +
				"k: {type: A, value: 192.0.0.9}\n" +
				"l: {type: AAAA, value: '2606:4700::1111'}\n" +
				"m: {type: AAAA, value: '2001:4:112::1'}\n"},
			want: []string{
				`zones/acme.dev.yaml:1:5: A 192.0.2.1 is in 192.0.2.0/24 (documentation (TEST-NET-1), RFC 5737), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/acme.dev/www.yaml:1:5: A 192.0.2.2 is in 192.0.2.0/24 (documentation (TEST-NET-1), RFC 5737), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:1:4: A 10.1.2.3 is in 10.0.0.0/8 (private use, RFC 1918), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:2:4: A 100.64.0.1 is in 100.64.0.0/10 (shared address space (carrier-grade NAT), RFC 6598), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:3:4: A 127.0.0.1 is in 127.0.0.0/8 (loopback, RFC 1122), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:4:4: A 169.254.169.254 is in 169.254.0.0/16 (link-local, RFC 3927), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:5:4: A 198.51.100.7 is in 198.51.100.0/24 (documentation (TEST-NET-2), RFC 5737), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:6:4: AAAA fd00::1 is in fc00::/7 (unique local, RFC 4193), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:7:4: AAAA 4000::1 is in 2000::/3 (outside the global unicast space, RFC 4291), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
				`zones/example.com.yaml:8:4: h.example.com. CNAME points at app.localhost., which resolvers answer with a loopback address (RFC 6761); policy.addresses is public`,
			},
		},
		{
			name:   "address exceptions",
			policy: "  addresses: public\n  address_exceptions: ['zones/acme.dev.yaml', 'zones/acme.dev/**']\n",
			files: map[string]string{
				"zones/acme.dev.yaml":    "'': {type: A, value: 10.0.0.1}\nx: {type: A, value: 0.0.0.0}\n",
				"zones/example.com.yaml": "'': {type: A, value: 203.0.114.1}\nx: {type: A, value: 10.0.0.1}\n",
			},
			want: []string{
				`zones/example.com.yaml:2:4: A 10.0.0.1 is in 10.0.0.0/8 (private use, RFC 1918), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions`,
			},
		},
		{
			name:   "reserved names for company files only",
			policy: "  reserved: ['_acme-challenge.*', 'WWW.acme.dev.']\n",
			files: map[string]string{
				"zones/acme.dev.yaml":     "'': {type: A, value: 192.0.2.1}\n_acme-challenge: {type: TXT, value: token}\n",
				"zones/acme.dev/www.yaml": "'':\n  type: A\n  values: [192.0.2.2, 192.0.2.3]\n",
				"zones/example.com.yaml":  "_acme-challenge.shop: {type: TXT, value: stolen}\nshop: {type: A, value: 192.0.2.9}\n",
			},
			want: []string{
				`zones/acme.dev/www.yaml:3:12: www.acme.dev. is reserved by policy.reserved ("www.acme.dev."): only files the Company runs (company.files) may declare it`,
				`zones/example.com.yaml:1:23: _acme-challenge.shop.example.com. is reserved by policy.reserved ("_acme-challenge.*"): only files the Company runs (company.files) may declare it`,
			},
		},
		{
			name:   "deny targets, company files too",
			policy: "  deny_targets: [Internal.Acme.Corp.]\n",
			files: map[string]string{
				"zones/acme.dev.yaml": "'': {type: A, value: 192.0.2.1}\nwiki: {type: CNAME, value: wiki.internal.acme.corp.}\n",
				"zones/example.com.yaml": "" +
					"'': {type: MX, value: {preference: 10, exchange: mx.internal.acme.corp.}}\n" +
					"_sip._tcp: {type: SRV, value: {priority: 1, weight: 1, port: 5060, target: internal.acme.corp.}}\n" +
					"ok: {type: CNAME, value: notinternal.acme.corp.}\n",
			},
			want: []string{
				`zones/acme.dev.yaml:2:7: wiki.acme.dev. CNAME points at wiki.internal.acme.corp., and policy.deny_targets refuses targets at or below internal.acme.corp.`,
				`zones/example.com.yaml:1:5: example.com. MX points at mx.internal.acme.corp., and policy.deny_targets refuses targets at or below internal.acme.corp.`,
				`zones/example.com.yaml:2:12: _sip._tcp.example.com. SRV points at internal.acme.corp., and policy.deny_targets refuses targets at or below internal.acme.corp.`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := guardRepo(t, tc.policy, tc.files)
			if got := errStrings(r.Errs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			// A refused record holds its whole file back.
			for _, e := range r.Errs {
				if f := r.File(e.File); f != nil && f.Valid() {
					t.Errorf("%s has an error but is valid: it would be applied", e.File)
				}
			}
		})
	}
}

func TestGuardConfig(t *testing.T) {
	cfg, errs := ParseConfig([]byte(`provider: {type: zonefile}
policy:
  addresses: private
  reserved: [www.acme.dev, 'a[.']
  deny_targets: [corp]
  claimable_suffixes: [AzureWebsites.NET., herokuapp.com.]
audit:
  resolver: [192.0.2.53, '[2001:db8::53]:5353', dns.google, '192.0.2.1:99999']
  timeout: -1s
  concurrency: 5000
  issue_label: 'a,b'
`))
	want := []string{
		`zoneward.yaml:3:14: policy.addresses is "private"; use any, unicast (the default) or public`,
		`zoneward.yaml:4:13: policy.reserved[0]: "www.acme.dev" is not fully qualified; write "www.acme.dev." (or end it with "*")`,
		`zoneward.yaml:4:13: policy.reserved[1]: bad pattern "a[.": use a name with "*" and "?" wildcards, such as "_acme-challenge.acme.dev."`,
		`zoneward.yaml:5:17: policy.deny_targets[0]: "corp" is not absolute; write "corp."`,
		`zoneward.yaml:8:13: audit.resolver[2]: "dns.google" is not an IP address (or IP:port); a resolver's name would itself need a resolver`,
		`zoneward.yaml:8:13: audit.resolver[3]: "192.0.2.1:99999" has no valid port`,
		`zoneward.yaml:9:12: audit.timeout is -1s; use a duration up to 1m0s, such as 2s`,
		`zoneward.yaml:10:16: audit.concurrency is 5000; use 1 to 1024 (0 for the default)`,
		`zoneward.yaml:11:16: audit.issue_label "a,b": use a label name of 1 to 50 characters without commas`,
	}
	if got := errStrings(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Setting the list replaces the default, normalised.
	if want := []string{"azurewebsites.net.", "herokuapp.com."}; !reflect.DeepEqual(cfg.Policy.ClaimableSuffixes, want) {
		t.Errorf("claimable_suffixes = %q, want %q", cfg.Policy.ClaimableSuffixes, want)
	}

	cfg, errs = ParseConfig([]byte("provider: {type: zonefile}\n"))
	if errs != nil {
		t.Fatal(errs)
	}
	def := DefaultConfig()
	if cfg.Policy.Addresses != AddressesUnicast || !reflect.DeepEqual(cfg.Policy.ClaimableSuffixes, def.Policy.ClaimableSuffixes) || cfg.Audit.IssueLabel != "zoneward-audit" {
		t.Errorf("defaults where zoneward.yaml is silent: %+v %+v", cfg.Policy, cfg.Audit)
	}
}

// The starting claimable list is well formed: every entry is what
// ParseConfig would keep, and none repeats.
func TestDefaultClaimableSuffixes(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range DefaultClaimableSuffixes() {
		n, err := hostname(s, false)
		if err != nil || n != s || seen[s] || strings.Count(s, ".") < 2 {
			t.Errorf("%q: normalised %q, %v, repeated %v", s, n, err, seen[s])
		}
		seen[s] = true
	}
	a, b := DefaultClaimableSuffixes(), DefaultClaimableSuffixes()
	a[0] = "changed."
	if b[0] == "changed." {
		t.Error("DefaultClaimableSuffixes shares its slice between callers")
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		typ, value, want string
	}{
		{"CNAME", "shop.example.net.", "shop.example.net."},
		{"ALIAS", "lb.example.net.", "lb.example.net."},
		{"NS", "ns1.example.net.", "ns1.example.net."},
		{"MX", "10 mx.example.net.", "mx.example.net."},
		{"MX", "0 .", ""},
		{"SRV", "10 60 5060 sip.example.net.", "sip.example.net."},
		{"SRV", "0 0 0 .", ""},
		{"HTTPS", "1 cdn.example.net. alpn=\"h2\"", "cdn.example.net."},
		{"HTTPS", "1 . alpn=\"h2\"", ""},
		{"SVCB", "0 svc.example.net.", "svc.example.net."},
		{"CNAME", `a\ b.example.net.`, `a\ b.example.net.`},
		{"SRV", `1 2 3 a\ b.example.net.`, `a\ b.example.net.`},
		{"A", "192.0.2.1", ""},
		{"TXT", `"v=spf1 include:x.example.net -all"`, ""},
		{"MX", "10", ""},
	} {
		got, ok := Target(tc.typ, tc.value)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Target(%s, %q) = %q, %v; want %q", tc.typ, tc.value, got, ok, tc.want)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	for s, want := range map[string]bool{
		"9.9.9.9": true, "192.0.0.10": true, "192.0.0.11": false, "192.0.2.1": false,
		"172.31.255.255": false, "172.32.0.0": true, "100.63.255.255": true, "100.64.0.0": false,
		"2606:4700::1111": true, "2001:db8::1": false, "2001::1": false, "2001:3::1": true,
		"::1": false, "fe80::1": false, "3fff::1": false, "2002:c000:201::1": true,
	} {
		if got := PublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", s, got, want)
		}
	}
}

// FuzzTarget checks that Target never panics and that a target it finds is
// one field of the value: a tenant's value cannot make it read past the
// field, or return an unescaped space.
func FuzzTarget(f *testing.F) {
	for _, s := range []string{"10 mx.example.net.", "1 2 3 a\\ b.", "1 . alpn=\"h2\"", "\\", "a\\", "  ", "0 svc. x"} {
		f.Add("MX", s)
		f.Add("SRV", s)
		f.Add("HTTPS", s)
	}
	f.Fuzz(func(t *testing.T, typ, value string) {
		got, ok := Target(typ, value)
		if !ok {
			return
		}
		if got == "" || got == "." || !strings.Contains(value, got) {
			t.Fatalf("Target(%q, %q) = %q", typ, value, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] == '\\' {
				i++
			} else if got[i] == ' ' {
				t.Fatalf("Target(%q, %q) = %q holds a field separator", typ, value, got)
			}
		}
	})
}
