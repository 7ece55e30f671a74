package schema

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// aliasBomb is attack 2 of the hostile-input issue: one record of n
// addresses, then n names that each alias it, n² records in a few kB.
func aliasBomb(n int) string {
	var b strings.Builder
	b.WriteString("r0: &r {type: A, values: [")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	b.WriteString("]}\n")
	for i := range n {
		fmt.Fprintf(&b, "n%d: *r\n", i)
	}
	return b.String()
}

// mergeBomb is aliasBomb through merge keys: n names that each merge the
// record of n addresses.
func mergeBomb(n int) string {
	b := strings.Replace(aliasBomb(n), "r0: &r {", "r0: &r {", 1)
	return strings.ReplaceAll(b, ": *r\n", ": {<<: *r}\n")
}

// nestedMerges is levels mappings, each merging the one before it wide
// times: wide^levels nodes in a few hundred bytes, where the merged keys
// are the same few, so no record count would catch it.
func nestedMerges(levels, wide int) string {
	var b strings.Builder
	b.WriteString("m0: &m0 {type: A, value: 192.0.2.1}\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "m%d: &m%d {<<: [", i, i)
		for j := range wide {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*m%d", i-1)
		}
		b.WriteString("]}\n")
	}
	return b.String()
}

// deepMerges is one record whose mapping merges a mapping that merges a
// mapping … depth times, the innermost holding keys keys: no alias at
// all, and without a bound on merging, depth·keys keys copied.
func deepMerges(depth, keys int) string {
	var b strings.Builder
	b.WriteString("x: ")
	b.WriteString(strings.Repeat("{<<: ", depth))
	b.WriteString("{type: A, value: 192.0.2.1")
	for i := range keys {
		fmt.Fprintf(&b, ", k%d: v", i)
	}
	b.WriteString("}")
	b.WriteString(strings.Repeat("}", depth))
	b.WriteString("\n")
	return b.String()
}

// allocated returns the bytes f allocates: a count, not a timer, so that
// a bound on it holds on any machine.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestParseFileLimits(t *testing.T) {
	small := func(l Limits) *ParseOptions { return &ParseOptions{Policy: Policy{Limits: l}} }
	nested := func(depth int) string { return "x: " + strings.Repeat("[", depth) + "\n" }
	tests := []struct {
		name string
		opts *ParseOptions
		in   string
		want []string // every error, in full
	}{
		{name: "file_bytes", opts: small(Limits{FileBytes: 40}), in: "www: {type: A, value: 192.0.2.1}\nmail: {type: A, value: 192.0.2.2}\n",
			want: []string{`zones/example.com.yaml:1:1: the file is 67 bytes, more than policy.limits.file_bytes (40) allows; split it into subtree files`}},
		{name: "records_per_file", opts: small(Limits{RecordsPerFile: 2}), in: "a: {type: A, values: [192.0.2.1, 192.0.2.2]}\nb: {type: A, value: 192.0.2.3}\n",
			want: []string{`zones/example.com.yaml:2:21: more than 2 records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files`}},
		{name: "records_per_file at the limit", opts: small(Limits{RecordsPerFile: 3}), in: "a: {type: A, values: [192.0.2.1, 192.0.2.2]}\nb: {type: A, value: 192.0.2.3}\n"},
		{name: "aliases count each time they are used", opts: small(Limits{RecordsPerFile: 5}),
			in:   "a: &a {type: A, values: [192.0.2.1, 192.0.2.2]}\nb: *a\nc: *a\n",
			want: []string{`zones/example.com.yaml:3:1: more than 5 records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files`}},
		{name: "alias bomb (attack 2)", in: aliasBomb(3000),
			want: []string{`zones/example.com.yaml:4:1: more than 10000 records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files`}},
		{name: "nested aliases outside records", opts: small(Limits{RecordsPerFile: 10}),
			in: "'': {type: HTTPS, value: &v {svcpriority: 1, targetname: ., svcparams: {ipv4hint: &h [" + strings.Repeat("192.0.2.1, ", 400) + "192.0.2.1]}}}\n" +
				"a: {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {ipv4hint: *h}}}\n",
			want: []string{`zones/example.com.yaml:2:79: aliases here expand to more than 320 YAML nodes (32 per record of policy.limits.records_per_file); write the records out instead`}},
		{name: "an anchor that holds its own alias", in: "x: &a [*a]\n",
			want: []string{`zones/example.com.yaml:1:8: aliases here expand to more than 320000 YAML nodes (32 per record of policy.limits.records_per_file); write the records out instead`}},
		{name: "merge keys count each time they are used", opts: small(Limits{RecordsPerFile: 5}),
			in:   "a: &a {type: A, values: [192.0.2.1, 192.0.2.2]}\nb: {<<: *a}\nc: {<<: *a}\n",
			want: []string{`zones/example.com.yaml:3:1: more than 5 records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files`}},
		{name: "merge key bomb", in: mergeBomb(3000),
			want: []string{`zones/example.com.yaml:4:1: more than 10000 records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files`}},
		{name: "nested merge keys", in: nestedMerges(9, 10),
			want: []string{`zones/example.com.yaml:3:50: aliases here expand to more than 320000 YAML nodes (32 per record of policy.limits.records_per_file); write the records out instead`}},
		{name: "inline merges nested deep", opts: small(Limits{FileBytes: 4 << 20}), in: deepMerges(9000, 9000),
			want: []string{`zones/example.com.yaml:1:44824: merge keys and aliases here expand to more than 320000 YAML nodes (32 per record of policy.limits.records_per_file); write the records out instead`}},
		{name: "a merge key that merges itself", in: "x: &a {<<: *a, type: A, value: 192.0.2.1}\n",
			want: []string{`zones/example.com.yaml:1:12: aliases here expand to more than 320000 YAML nodes (32 per record of policy.limits.records_per_file); write the records out instead`}},
		{name: "aliases used as octoDNS users do", in: "mx: &mx {type: MX, values: [{preference: 10, exchange: mx1.example.net.}, {preference: 20, exchange: mx2.example.net.}]}\n'': *mx\nwww: *mx\n"},
		{name: "too many problems", in: func() string {
			var b strings.Builder
			for i := range 300 {
				fmt.Fprintf(&b, "n%d: {type: A, value: nope}\n", i)
			}
			return b.String()
		}()}, // checked by count below
		{name: "deep nesting (attack 3)", in: nested(2_000_000),
			want: []string{`zones/example.com.yaml:1:1: the file is 2000004 bytes, more than policy.limits.file_bytes (1048576) allows; split it into subtree files`}},
		{name: "deep nesting within file_bytes", opts: small(Limits{FileBytes: 4 << 20}), in: nested(2_000_000),
			want: []string{`zones/example.com.yaml:1: YAML nested more than 10000 levels deep, the YAML parser's limit; a zone file needs fewer than ten`}},
		{name: "nesting under yaml.v3's limit", in: "x: " + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "\n",
			want: []string{`zones/example.com.yaml:1:5: a record is a mapping of type, ttl and value or values`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := ParseOptions{}
			if tc.opts != nil {
				opts = *tc.opts
			}
			var f *File
			alloc := allocated(func() { f = ParseFile("zones/example.com.yaml", []byte(tc.in), opts) })
			// Bounded by the input and the limits, not by what aliases
			// stand for: every case here allocates well under 64 MB
			// (the alias bomb alone allocated 2.75 GB unbounded).
			if alloc > 64<<20 {
				t.Errorf("ParseFile allocated %d MB", alloc>>20)
			}
			if tc.name == "too many problems" {
				if len(f.Errs) != maxFileErrors+1 || !strings.Contains(f.Errs[len(f.Errs)-1].Msg, "more than 100 problems in this file; fix these first") {
					t.Errorf("%d errors, last %v; want %d ending with the stop", len(f.Errs), f.Errs[len(f.Errs)-1], maxFileErrors+1)
				}
				return
			}
			got := errStrings(f.Errs)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if limit := opts.Policy.Limits.orDefault().RecordsPerFile; len(f.Records) > limit {
				t.Errorf("%d records kept, more than the limit %d", len(f.Records), limit)
			}
		})
	}
}

func TestParseFileDocuments(t *testing.T) {
	tests := []struct {
		name, in string
		records  int
		want     string
	}{
		{name: "empty", in: ""},
		{name: "only comments", in: "# nothing yet\n"},
		{name: "only a document start", in: "---\n"},
		{name: "document start then records", in: "---\nwww: {type: A, value: 192.0.2.1}\n", records: 1},
		{name: "document end alone", in: "www: {type: A, value: 192.0.2.1}\n...\n", records: 1},
		{name: "second document (attack 8)", in: "www: {type: A, value: 192.0.2.1}\n---\nmail: {type: A, value: 192.0.2.2}\n",
			want: `zones/example.com.yaml:2:1: a second YAML document starts here: a zone file is one document, and records after a "---" line would be lost; remove the line`},
		{name: "empty second document", in: "www: {type: A, value: 192.0.2.1}\n---\n",
			want: `zones/example.com.yaml:2:1: a second YAML document starts here: a zone file is one document, and records after a "---" line would be lost; remove the line`},
		{name: "two document starts", in: "---\n---\n",
			want: `zones/example.com.yaml:2:1: a second YAML document starts here: a zone file is one document, and records after a "---" line would be lost; remove the line`},
		{name: "text after the document end", in: "www: {type: A, value: 192.0.2.1}\n...\nmail: {type: A, value: 192.0.2.2}\n",
			want: `zones/example.com.yaml:2: did not find expected <document start>: text after the end of the YAML document ("..."); a zone file is one document`},
		{name: "null document is not a mapping", in: "~\n",
			want: `zones/example.com.yaml:1:1: a zone file is a mapping of names to records, as in octoDNS`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := ParseFile("zones/example.com.yaml", []byte(tc.in), ParseOptions{})
			if got := strings.Join(errStrings(f.Errs), "\n"); got != tc.want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, tc.want)
			}
			if len(f.Records) != tc.records {
				t.Errorf("%d records, want %d", len(f.Records), tc.records)
			}
		})
	}
}

// TestParseConfigDocuments checks that zoneward.yaml is one document too:
// a "---" must not hide the Company's policy.
func TestParseConfigDocuments(t *testing.T) {
	_, errs := ParseConfig([]byte("provider: {type: zonefile}\n---\npolicy: {revoked: purge}\n"))
	want := `zoneward.yaml:2:1: a second YAML document starts here: a zone file is one document, and records after a "---" line would be lost; remove the line`
	if got := strings.Join(errStrings(errs), "\n"); got != want {
		t.Errorf("errors:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseFileRecordLimits(t *testing.T) {
	cf := RecordLimits{RecordBytes: 4096, TXTChars: 2048, RRsetChars: 8192, RecordsPerZone: 200}
	bind := RecordLimits{RdataBytes: 65510, RRsetRecords: 100, RefusedSvcParamKeys: []int{8}}
	addrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "192.0.%d.%d", i/250, i%250+1)
		}
		return b.String()
	}
	tests := []struct {
		name     string
		provider string
		limits   RecordLimits
		in       string
		want     string
	}{
		{name: "TXT content over Cloudflare's 2048", provider: "cloudflare", limits: cf, in: "'': {type: TXT, value: " + strings.Repeat("x", 2040) + "}\n",
			want: `zones/example.com.yaml:1:24: TXT value is 2063 characters as quoted strings, more than the cloudflare provider can hold (2048)`},
		{name: "TXT content at Cloudflare's 2048", provider: "cloudflare", limits: cf, in: "'': {type: TXT, value: " + strings.Repeat("x", 2024) + "}\n"},
		{name: "record over Cloudflare's 4096 bytes", provider: "cloudflare", limits: RecordLimits{RecordBytes: 4096}, in: "'': {type: TXT, value: " + strings.Repeat("x", 4060) + "}\n",
			want: `zones/example.com.yaml:1:24: TXT record at '' is 4099 bytes in wire format, more than the cloudflare provider can hold (4096)`},
		{name: "TXT of one name over Cloudflare's 8192", provider: "cloudflare", limits: cf,
			in:   "'': {type: TXT, values: [" + strings.Repeat("a", 2000) + ", " + strings.Repeat("b", 2000) + ", " + strings.Repeat("c", 2000) + ", " + strings.Repeat("d", 2000) + ", " + strings.Repeat("e", 2000) + ", y]}\n",
			want: `zones/example.com.yaml:1:5: the TXT values at '' are 10118 characters together, more than the cloudflare provider holds at one name and type (8192)`},
		{name: "rdata over BIND's 65510", provider: "zonefile", limits: bind, in: "'': {type: TXT, value: " + strings.Repeat("x", 65255) + "}\n",
			want: `zones/example.com.yaml:1:24: TXT value is 65511 bytes in wire format, more than the zonefile provider can hold (65510)`},
		{name: "rdata at BIND's 65510", provider: "zonefile", limits: bind, in: "'': {type: TXT, value: " + strings.Repeat("x", 65254) + "}\n"},
		{name: "101 addresses at one name", provider: "zonefile", limits: bind, in: "www: {type: A, values: [" + addrs(101) + "]}\n",
			want: `zones/example.com.yaml:1:6: 101 A values at "www", more than the zonefile provider holds at one name and type (100)`},
		{name: "100 addresses at one name", provider: "zonefile", limits: bind, in: "www: {type: A, values: [" + addrs(100) + "]}\n"},
		{name: "ohttp on a provider that cannot hold it", provider: "zonefile", limits: bind,
			in:   "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], ohttp: null}}}\n",
			want: `zones/example.com.yaml:1:82: HTTPS svcparams: the zonefile provider cannot hold the key "ohttp"`},
		{name: "ohttp as key8", provider: "zonefile", limits: bind,
			in:   "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], key8: x}}}\n",
			want: `zones/example.com.yaml:1:82: HTTPS svcparams: the zonefile provider cannot hold the key "key8"`},
		{name: "ohttp elsewhere", provider: "cloudflare", limits: cf,
			in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], ohttp: null}}}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := ParseFile("zones/example.com.yaml", []byte(tc.in), ParseOptions{Provider: tc.provider, RecordLimits: tc.limits})
			if got := strings.Join(errStrings(f.Errs), "\n"); got != tc.want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestParseConfigLimits(t *testing.T) {
	cfg, errs := ParseConfig([]byte("provider: {type: zonefile}\npolicy:\n  limits: {file_bytes: 4096, records_per_file: 50}\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if want := (Limits{FileBytes: 4096, RecordsPerFile: 50, RecordsPerZone: DefaultRecordsPerZone}); cfg.Policy.Limits != want {
		t.Errorf("limits = %+v, want %+v (unset keys keep their defaults)", cfg.Policy.Limits, want)
	}
	_, errs = ParseConfig([]byte("provider: {type: zonefile}\npolicy:\n  limits:\n    file_bytes: 0\n    records_per_file: 2000000\n    records_per_zone: -1\n    depth: 3\n"))
	want := []string{
		`zoneward.yaml:4:17: policy.limits.file_bytes is 0; use a number of bytes from 1 to 67108864`,
		`zoneward.yaml:5:23: policy.limits.records_per_file is 2000000; use a number of records from 1 to 1000000`,
		`zoneward.yaml:6:23: policy.limits.records_per_zone is -1; use a number of records from 1 to 10000000`,
		`zoneward.yaml:7:5: unknown key "depth" (known keys: file_bytes, records_per_file, records_per_zone)`,
	}
	if got := errStrings(errs); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A bad value still bounds the work: the default or the maximum applies.
	if l := (Limits{FileBytes: 0, RecordsPerFile: 2_000_000, RecordsPerZone: -1}).orDefault(); l != (Limits{DefaultFileBytes, MaxRecordsPerFile, DefaultRecordsPerZone}) {
		t.Errorf("orDefault = %+v", l)
	}
}
