package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// octoZonefileYAML is a zoneward.yaml for the zonefile provider whose
// zones the Company runs itself, so that no CODEOWNERS is needed.
const octoZonefileYAML = `provider:
  type: zonefile
  dir: .zoneward/zones
  nameservers: [ns1.example.net., ns2.example.net.]
  hostmaster: hostmaster.example.net.
company:
  files: ["zones/**"]
`

// octoRepo makes a Git repository holding zoneward.yaml and one zone file
// for example.com, committed on main.
func octoRepo(t *testing.T, config, zone string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "zoneward.yaml", config)
	write(t, dir, "zones/example.com.yaml", zone)
	git(t, dir, "init", "-q", "-b", "main")
	commitAll(t, dir, "zones")
	return dir
}

// ignoredBefore places www and api; ignoredAfter flags www ignored with
// another value, and changes api.
const (
	ignoredBefore = "www: {type: A, ttl: 300, value: 192.0.2.1}\napi: {type: A, ttl: 300, value: 192.0.2.2}\n"
	ignoredAfter  = "www:\n  type: A\n  ttl: 600\n  value: 192.0.2.9\n  octodns: {ignored: true}\napi: {type: A, ttl: 300, value: 192.0.2.3}\n"
)

// TestIgnoredOnZonefile: a record zoneward placed, then flagged
// `octodns: {ignored: true}`, is neither changed nor deleted by the next
// plan and apply, as octoDNS leaves an ignored record alone
// (octodns/zone/base.py, lines 617-638 at 94bc80e).
func TestIgnoredOnZonefile(t *testing.T) {
	dir := octoRepo(t, octoZonefileYAML, ignoredBefore)
	mustZW(t, dir, "apply")
	const placed = "www\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/example.com.yaml"
	if !strings.Contains(zoneFile(t, dir, "example.com"), placed) {
		t.Fatalf("www not placed:\n%s", zoneFile(t, dir, "example.com"))
	}
	write(t, dir, "zones/example.com.yaml", ignoredAfter)
	out := mustZW(t, dir, "plan")
	if strings.Contains(out, "www.example.com.") || !strings.Contains(out, "~ api.example.com.") {
		t.Errorf("plan touches www or leaves api:\n%s", out)
	}
	mustZW(t, dir, "apply")
	zone := zoneFile(t, dir, "example.com")
	if !strings.Contains(zone, placed) || strings.Contains(zone, "192.0.2.9") || !strings.Contains(zone, "192.0.2.3") {
		t.Errorf("after the apply:\n%s", zone)
	}
	if code, out, errOut := zw(t, dir, "plan", "--detailed-exitcode"); code != exitOK {
		t.Errorf("plan after apply: exit %d\n%s%s", code, out, errOut)
	}
}

// TestIgnoredOnCloudflare is TestIgnoredOnZonefile on the Cloudflare
// test server: the record, its TTL and its marker stay as placed.
func TestIgnoredOnCloudflare(t *testing.T) {
	srv := cftest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddZone("example.com")
	cfg := "provider:\n  type: cloudflare\n  account_id: \"" + srv.AccountID() + "\"\n  base_url: " + srv.BaseURL() +
		"\n  rate: {requests: 100000, per: 1s}\ncompany:\n  files: [\"zones/**\"]\n"
	dir := octoRepo(t, cfg, ignoredBefore)
	mustZW(t, dir, "apply")
	www := func() []cftest.Record {
		var out []cftest.Record
		for _, r := range srv.Records("example.com") {
			if r.Name == "www.example.com" {
				out = append(out, r)
			}
		}
		return out
	}
	before := www()
	if len(before) != 1 || before[0].Content != "192.0.2.1" || before[0].Comment != "zoneward:zones/example.com.yaml" {
		t.Fatalf("www at Cloudflare after the first apply: %+v", before)
	}
	write(t, dir, "zones/example.com.yaml", ignoredAfter)
	commitAll(t, dir, "flag www ignored")
	out := mustZW(t, dir, "plan", "--rev", "main")
	if strings.Contains(out, "www.example.com.") || !strings.Contains(out, "~ api.example.com.") {
		t.Errorf("plan touches www or leaves api:\n%s", out)
	}
	mustZW(t, dir, "apply", "--rev", "main")
	after := www()
	if len(after) != 1 || after[0].ID != before[0].ID || after[0].Content != "192.0.2.1" || after[0].TTL != 300 || after[0].Comment != before[0].Comment {
		t.Errorf("www at Cloudflare after flagging it ignored: %+v, want %+v", after, before)
	}
	if code, out, errOut := zw(t, dir, "plan", "--rev", "main", "--detailed-exitcode"); code != exitOK {
		t.Errorf("plan after apply: exit %d\n%s%s", code, out, errOut)
	}
}

// everyTypeOctoDNS is a zone file in octoDNS's format with every type the
// zonefile provider holds, written the ways octoDNS reads: quoted and
// chunked TXT, a scalar under values and a list under value, merge keys,
// the legacy MX and DS keys, a wildcard SRV service, YAML 1.1 numbers, an
// apex NS that is the provider's, glue, and keys octoDNS ignores.
const everyTypeOctoDNS = `---
'':
  - type: A
    values: 192.0.2.1
  - type: AAAA
    value: ['2001:db8::1', '2001:db8::2']
  - type: MX
    values:
      - {priority: 10, value: mx1.example.com.}
      - {preference: 020, exchange: mx2.example.com.}
  - type: TXT
    values:
      - '"v=spf1 include:_spf.example.net ~all"'
      - '"part one, " "part two"'
  - type: CAA
    value: {flags: 0, tag: issue, value: letsencrypt.org}
  - type: NS
    values: [ns1.example.net., ns2.example.net.]
  - type: LOC
    value: {lat_degrees: 52, lat_minutes: 22, lat_seconds: 23.5, lat_direction: N, long_degrees: 4, long_minutes: 53, long_seconds: 32, long_direction: E, altitude: -2, size: 1, precision_horz: 10000, precision_vert: 10}
  - type: HTTPS
    value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2, h3]}}
  - type: NAPTR
    value: {order: 100, preference: 10, flags: S, service: SIP+D2U, regexp: '', replacement: _sip._udp.example.com.}
web: &web
  type: A
  ttl: 300
  value: 192.0.2.10
  description: the web servers
api:
  <<: *web
  value: 192.0.2.11
www:
  type: CNAME
  value: web.example.com.
mx1: {type: A, value: 192.0.2.25}
mx2: {type: A, value: 192.0.2.26}
_dmarc:
  type: TXT
  value: v=DMARC1\; p=reject
_sip._tcp:
  type: SRV
  value: {priority: 10, weight: 5, port: 5060, target: sip.example.com.}
'*._udp':
  type: SRV
  value: {priority: 0, weight: 0, port: 0, target: .}
sip: {type: AAAA, value: '2001:db8::5'}
_http._tcp:
  type: URI
  value: {priority: 10, weight: 1, target: 'https://www.example.com/'}
old:
  type: DNAME
  value: example.net.
sub:
  - type: NS
    values: [ns1.sub.example.com., ns.example.net.]
  - type: DS
    value: {flags: 60485, protocol: 13, algorithm: 2, public_key: 2bb183af5f22588179a53b0a98631fad1a2921182bb183af5f22588179a53b0a}
ns1.sub: {type: A, value: 192.0.2.53}
'1':
  type: PTR
  value: host.example.com.
host:
  - {type: A, value: 192.0.2.30}
  - type: SSHFP
    value: {algorithm: 4, fingerprint_type: 2, fingerprint: 123456789abcdef67890123456789abcdef67890123456789abcdef123456789}
_443._tcp.www2:
  type: TLSA
  value: {certificate_usage: 3, selector: 1, matching_type: 1, certificate_association_data: 0a1b2c3d}
_dns:
  type: SVCB
  value: {svcpriority: 1, targetname: dot.example.com., svcparams: {alpn: [dot], port: 853}}
dot: {type: A, value: 192.0.2.54}
geo:
  type: A
  value: 192.0.2.60
  geo: {EU: [192.0.2.61]}
`

// TestOctoDNSRoundTrip: a file of every type in octoDNS's format applies
// to zone files that BIND loads; importing the written zone gives a file
// that plans no change; and check shows the file's warnings as
// annotations.
func TestOctoDNSRoundTrip(t *testing.T) {
	dir := octoRepo(t, octoZonefileYAML, everyTypeOctoDNS)
	code, out, _ := zw(t, dir, "check", "--format", "github")
	if code != exitOK {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	for _, want := range []string{
		`::warning file=zones/example.com.yaml,line=29,col=3::record key "description" is not read`,
		`::warning file=zones/example.com.yaml,line=77,col=3::geo rules are not applied`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check --format github lacks %q:\n%s", want, out)
		}
	}
	plan := mustZW(t, dir, "plan")
	if !strings.Contains(plan, "Warnings:\n  zones/example.com.yaml:29:3: record key \"description\"") {
		t.Errorf("plan does not show the warnings:\n%s", plan)
	}
	mustZW(t, dir, "apply")
	namedCheckzone(t, "example.com", filepath.Join(dir, ".zoneward", "zones", "example.com.zone"))
	zone := zoneFile(t, dir, "example.com")
	for _, want := range []string{
		"@\t3600\tIN\tTXT\t\"v=spf1 include:_spf.example.net ~all\" ;",
		"@\t3600\tIN\tTXT\t\"part one, part two\" ;",
		"_dmarc\t3600\tIN\tTXT\t\"v=DMARC1; p=reject\" ;",
		"@\t3600\tIN\tMX\t16 mx2.example.com. ;", // 020 is octal in YAML 1.1, as octoDNS and yaml.v3 read it
		"api\t300\tIN\tA\t192.0.2.11 ;",
		"sub\t3600\tIN\tDS\t60485 13 2 2BB183AF",
		"ns1.sub\t3600\tIN\tA\t192.0.2.53 ;",
		"old\t3600\tIN\tDNAME\texample.net. ;",
		"_http._tcp\t3600\tIN\tURI\t10 1 \"https://www.example.com/\" ;",
		"geo\t3600\tIN\tA\t192.0.2.60 ;",
	} {
		if !strings.Contains(zone, want) {
			t.Errorf("the zone lacks %q:\n%s", want, zone)
		}
	}

	imported := filepath.Join(dir, "zones", "example.com.yaml")
	mustZW(t, dir, "import", "example.com", "-o", imported)
	data, err := os.ReadFile(imported)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "description") || strings.Contains(string(data), "ns2.example.net.") {
		// The apex NS are the provider's, and never imported.
		t.Errorf("the import holds what it should not:\n%s", data)
	}
	if code, out, errOut := zw(t, dir, "plan", "--detailed-exitcode"); code != exitOK {
		t.Errorf("the imported file plans changes: exit %d\n%s%s\n--- imported:\n%s", code, out, errOut, data)
	}
}
