package schema

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func TestCheckAuthority(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // path → contents, parsed in path order
		want  []string
	}{
		{
			name: "subtree without zone file",
			files: map[string]string{
				"zones/acme.dev/alice.yaml": "'': {type: A, value: 192.0.2.1}\n",
			},
			want: []string{`zones/acme.dev/alice.yaml:1:1: subtree file without its zone file zones/acme.dev.yaml: the zone "acme.dev" must have a zone file first`},
		},
		{
			name: "zone file declares a name in a subtree",
			files: map[string]string{
				"zones/acme.dev.yaml":       "www.alice: {type: A, value: 192.0.2.1}\n",
				"zones/acme.dev/alice.yaml": "'': {type: A, value: 192.0.2.1}\n",
			},
			want: []string{`zones/acme.dev.yaml:1:12: "www.alice.acme.dev." belongs to zones/acme.dev/alice.yaml, which speaks for "alice.acme.dev."; declare it there`},
		},
		{
			name: "subtree declares a name in a more specific subtree",
			files: map[string]string{
				"zones/acme.dev.yaml":         "",
				"zones/acme.dev/alice.yaml":   "x: {type: TXT, value: mine}\n",
				"zones/acme.dev/x.alice.yaml": "'': {type: A, value: 192.0.2.1}\n",
			},
			want: []string{`zones/acme.dev/alice.yaml:1:4: "x.alice.acme.dev." belongs to zones/acme.dev/x.alice.yaml, which speaks for "x.alice.acme.dev."; declare it there`},
		},
		{
			name: "subtree below a delegation in the zone file",
			files: map[string]string{
				"zones/acme.dev.yaml":         "alice: {type: NS, value: ns.other.net.}\n",
				"zones/acme.dev/x.alice.yaml": "'':\n  type: A\n  value: 192.0.2.1\n",
			},
			want: []string{`zones/acme.dev/x.alice.yaml:2:3: "x.alice.acme.dev." is below the NS delegation of "alice.acme.dev." at zones/acme.dev.yaml:1:8; only the delegated zone can hold it`},
		},
		{
			name: "subtree may delegate itself",
			files: map[string]string{
				"zones/acme.dev.yaml":       "www: {type: A, value: 192.0.2.1}\n",
				"zones/acme.dev/alice.yaml": "'': {type: NS, values: [ns1.other.net., ns2.other.net.]}\n",
			},
		},
		{
			name: "parent zone declares names inside a child zone",
			files: map[string]string{
				"zones/acme.dev.yaml":    "eu: {type: NS, value: ns.acme.dev.}\nwww.eu: {type: A, value: 192.0.2.1}\n",
				"zones/eu.acme.dev.yaml": "www: {type: A, value: 192.0.2.2}\n",
			},
			want: []string{
				`zones/acme.dev.yaml:1:5: NS "eu.acme.dev." is inside the zone "eu.acme.dev.", which has its own zone file zones/eu.acme.dev.yaml: only that file speaks for it, and its delegation is the Company's to set at the provider`,
				`zones/acme.dev.yaml:2:9: "www.eu" is below the NS delegation of "eu" (line 1); only the delegated zone can hold it`,
				`zones/acme.dev.yaml:2:9: A "www.eu.acme.dev." is inside the zone "eu.acme.dev.", which has its own zone file zones/eu.acme.dev.yaml: only that file speaks for it, and its delegation is the Company's to set at the provider`,
			},
		},
		{
			name: "parent zone delegates a child zone (attack 9)",
			files: map[string]string{
				"zones/com.yaml":         "example: {type: NS, value: ns1.evil.example.net.}\n",
				"zones/example.com.yaml": "www: {type: A, value: 192.0.2.2}\n",
			},
			want: []string{
				`zones/com.yaml:1:10: NS "example.com." is inside the zone "example.com.", which has its own zone file zones/example.com.yaml: only that file speaks for it, and its delegation is the Company's to set at the provider`,
			},
		},
		{
			name: "parent zone signs a child zone's cut",
			files: map[string]string{
				"zones/acme.dev.yaml":    "eu: {type: DS, value: {key_tag: 1, algorithm: 13, digest_type: 2, digest: " + strings.Repeat("AB", 32) + "}}\n",
				"zones/eu.acme.dev.yaml": "",
			},
			want: []string{
				`zones/acme.dev.yaml:1:5: DS "eu.acme.dev." is inside the zone "eu.acme.dev.", which has its own zone file zones/eu.acme.dev.yaml: only that file speaks for it, and its delegation is the Company's to set at the provider`,
			},
		},
		{
			name: "parent's subtree file speaks for a name inside a child zone",
			files: map[string]string{
				"zones/acme.dev.yaml":           "",
				"zones/acme.dev/x.eu.yaml":      "'': {type: NS, value: ns1.evil.example.net.}\n",
				"zones/acme.dev/y.x.eu.yaml":    "",
				"zones/eu.acme.dev.yaml":        "",
				"zones/acme.dev/unrelated.yaml": "",
			},
			want: []string{
				`zones/acme.dev/x.eu.yaml:1:1: "x.eu.acme.dev." is inside the zone "eu.acme.dev.", which has its own zone file zones/eu.acme.dev.yaml; declare its names there`,
				`zones/acme.dev/x.eu.yaml:1:5: NS "x.eu.acme.dev." is inside the zone "eu.acme.dev.", which has its own zone file zones/eu.acme.dev.yaml: only that file speaks for it, and its delegation is the Company's to set at the provider`,
				`zones/acme.dev/y.x.eu.yaml:1:1: "y.x.eu.acme.dev." is inside the zone "eu.acme.dev.", which has its own zone file zones/eu.acme.dev.yaml; declare its names there`,
			},
		},
		{
			name: "subtree speaks for a name with its own zone file",
			files: map[string]string{
				"zones/acme.dev.yaml":    "",
				"zones/acme.dev/eu.yaml": "",
				"zones/eu.acme.dev.yaml": "",
			},
			want: []string{`zones/acme.dev/eu.yaml:1:1: "eu.acme.dev." has its own zone file zones/eu.acme.dev.yaml; declare its names there`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for p := range tt.files {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			var files []*File
			for _, p := range paths {
				files = append(files, ParseFile(p, []byte(tt.files[p]), ParseOptions{}))
			}
			checkAuthority(files)
			var all ErrorList
			for _, f := range files {
				all = append(all, f.Errs...)
			}
			all.Sort()
			if got := errStrings(all); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDNAMEAboveAnotherFile: a DNAME answers for every name below it, so a
// zone file's DNAME at the apex would redirect its tenants' subtrees, and
// a subtree file's over a nested subtree file would redirect that
// tenant's names. Refused; a DNAME over names of its own file only is not.
func TestDNAMEAboveAnotherFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"apex over a tenant", map[string]string{
			"zones/acme.dev.yaml":       "'': {type: DNAME, value: attacker.example.}\n",
			"zones/acme.dev/alice.yaml": "'': {type: A, value: 192.0.2.1}\n",
		}, []string{`zones/acme.dev.yaml:1:5: DNAME at "acme.dev." would answer for every name below it, "alice.acme.dev." of zones/acme.dev/alice.yaml among them: a DNAME may stand only where every name below it is this file's`}},
		{"tenant over a nested tenant", map[string]string{
			"zones/acme.dev.yaml":           "www: {type: A, value: 192.0.2.1}\n",
			"zones/acme.dev/alice.yaml":     "'': {type: DNAME, value: attacker.example.}\n",
			"zones/acme.dev/bob.alice.yaml": "'': {type: A, value: 192.0.2.2}\n",
		}, []string{`zones/acme.dev/alice.yaml:1:5: DNAME at "alice.acme.dev." would answer for every name below it, "bob.alice.acme.dev." of zones/acme.dev/bob.alice.yaml among them: a DNAME may stand only where every name below it is this file's`}},
		{"parent zone over a child zone", map[string]string{
			"zones/acme.dev.yaml":    "'': {type: DNAME, value: attacker.example.}\n",
			"zones/eu.acme.dev.yaml": "www: {type: A, value: 192.0.2.3}\n",
		}, []string{`zones/acme.dev.yaml:1:5: DNAME at "acme.dev." would answer for every name below it, "eu.acme.dev." of zones/eu.acme.dev.yaml among them: a DNAME may stand only where every name below it is this file's`}},
		{"over its own names only", map[string]string{
			"zones/acme.dev.yaml":       "www: {type: A, value: 192.0.2.1}\n",
			"zones/acme.dev/alice.yaml": "old: {type: DNAME, value: new.example.}\n",
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fstest.MapFS{ConfigFile: {Data: []byte("company: {files: ['zones/*.yaml']}\n")}}
			for p, d := range tc.files {
				m[p] = &fstest.MapFile{Data: []byte(d)}
			}
			r, err := Load(m, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range r.Errs {
				if strings.Contains(e.Msg, "DNAME") {
					got = append(got, e.Error())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
