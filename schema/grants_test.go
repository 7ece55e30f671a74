package schema

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"testing/fstest"
)

// stubAccess answers CanWrite from a fixed set, or fails.
type stubAccess struct {
	writers map[string]bool
	err     error
	asked   []string
}

func (s *stubAccess) CanWrite(_ context.Context, owners []string) (map[string]bool, error) {
	s.asked = append(s.asked, owners...)
	if s.err != nil {
		return nil, s.err
	}
	out := map[string]bool{}
	for _, o := range owners {
		out[o] = s.writers[o]
	}
	return out, nil
}

func grantsRepo(t *testing.T, codeowners string) *Repo {
	t.Helper()
	files := fstest.MapFS{
		"zoneward.yaml": {Data: []byte(`provider: {type: zonefile}
company:
  admins: ["@acme/dns-admins", "@carol"]
  files: ["zones/acme.dev.yaml", "zones/shared/**"]
`)},
		".github/CODEOWNERS": {Data: []byte(codeowners)},
	}
	for _, p := range []string{"zones/acme.dev.yaml", "zones/acme.dev/alice.yaml", "zones/acme.dev/bob.yaml",
		"zones/example.com.yaml", "zones/example.org.yaml", "zones/example.net.yaml", "zones/team.test.yaml"} {
		files[p] = &fstest.MapFile{Data: []byte("'': {type: A, value: 192.0.2.1}\n")}
	}
	r, err := Load(files, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGrants(t *testing.T) {
	const codeowners = `# comment
*                          @acme/dns-admins
/zones/acme.dev/alice.yaml @alice @acme/dns-admins
/zones/example.com.yaml    @dave @acme/dns-admins
/zones/example.org.yaml    @carol
/zones/example.net.yaml
/zones/team.test.yaml      @tenant-org/web-team
[bad-line] @mallory
/zones/acme.dev/bob.yaml   !@bob
`
	r := grantsRepo(t, codeowners)
	got, err := r.Grants(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file    string
		active  bool
		company bool
		reason  string
	}{
		{"zones/acme.dev.yaml", true, true, ""},                     // company.files, owners admins only
		{"zones/acme.dev/alice.yaml", true, false, ""},              // a tenant beside the admin team
		{"zones/example.com.yaml", true, false, ""},                 // a tenant beside the admin team
		{"zones/example.org.yaml", false, false, ReasonAdminsOnly},  // an admin user alone
		{"zones/example.net.yaml", false, false, ReasonNoOwners},    // a line with no owners
		{"zones/team.test.yaml", true, false, ""},                   // a tenant team
		{"zones/acme.dev/bob.yaml", false, false, ReasonAdminsOnly}, // bad line skipped: the * line applies
	} {
		g := got[tc.file]
		if g.Active != tc.active || g.Company != tc.company || g.Reason != tc.reason {
			t.Errorf("%s: %+v, want active=%v company=%v reason=%q", tc.file, g, tc.active, tc.company, tc.reason)
		}
	}
	if len(r.Owners.Errs) != 2 {
		t.Errorf("bad CODEOWNERS lines reported: %v, want 2", r.Owners.Errs)
	}

	// Without any CODEOWNERS, only the Company's own files are active.
	r.Owners = nil
	got, _ = r.Grants(context.Background(), nil)
	if !got["zones/acme.dev.yaml"].Active || got["zones/example.com.yaml"].Active || got["zones/example.com.yaml"].Reason != ReasonNoOwners {
		t.Errorf("without CODEOWNERS: %+v / %+v", got["zones/acme.dev.yaml"], got["zones/example.com.yaml"])
	}
}

func TestGrantsWithAccess(t *testing.T) {
	r := grantsRepo(t, `*                          @acme/dns-admins
/zones/acme.dev/alice.yaml @alice @acme/dns-admins
/zones/example.com.yaml    @dave @Alice @acme/dns-admins
/zones/team.test.yaml      @tenant-org/web-team
/zones/example.org.yaml    dave@example.com
`)
	acc := &stubAccess{writers: map[string]bool{"@Alice": true, "@alice": true}}
	got, err := r.Grants(context.Background(), acc)
	if err != nil {
		t.Fatal(err)
	}
	if !got["zones/acme.dev/alice.yaml"].Active {
		t.Errorf("alice with access: %+v", got["zones/acme.dev/alice.yaml"])
	}
	if g := got["zones/example.com.yaml"]; !g.Active || !reflect.DeepEqual(g.Tenants, []string{"@Alice"}) {
		t.Errorf("one of two tenants with access keeps the file active: %+v", g)
	}
	if g := got["zones/team.test.yaml"]; g.Active || g.Reason != ReasonNoAccess+" (@tenant-org/web-team)" {
		t.Errorf("a team without access: %+v", g)
	}
	if g := got["zones/acme.dev.yaml"]; !g.Active {
		t.Errorf("company files need no access check: %+v", g)
	}
	if g := got["zones/example.org.yaml"]; g.Active || g.Reason != ReasonUnknown+" (dave@example.com)" {
		t.Errorf("an email owner under access checks: %+v", g)
	}
	for _, o := range acc.asked {
		if o == "@acme/dns-admins" {
			t.Errorf("an admin's access was asked about; admins never make a file active")
		}
	}
	// An outage is an error, never a mass revocation.
	if _, err := r.Grants(context.Background(), &stubAccess{err: errors.New("502")}); err == nil {
		t.Errorf("an access error was swallowed")
	}
}

func TestLoadZonesFilter(t *testing.T) {
	fsys := fstest.MapFS{
		"zoneward.yaml":            {Data: []byte("provider: {type: zonefile}\n")},
		"zones/a.test.yaml":        {Data: []byte("'': {type: A, value: 192.0.2.1}\n")},
		"zones/b.test.yaml":        {Data: []byte("'': {type: A, value: not-an-ip}\n")},
		"zones/b.test/x.yaml":      {Data: []byte("'': {type: A, value: 192.0.2.2}\n")},
		"zones/c.test/orphan.yaml": {Data: []byte("'': {type: A, value: 192.0.2.3}\n")},
	}
	r, err := Load(fsys, LoadOptions{Zones: func(z string) bool { return z == "a.test." }})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range r.Files {
		paths = append(paths, f.Path)
		if f.Skipped != (f.Zone != "a.test.") {
			t.Errorf("%s: skipped = %v", f.Path, f.Skipped)
		}
		if f.Skipped && len(f.Records) > 0 {
			t.Errorf("%s: a skipped file has records", f.Path)
		}
	}
	if want := []string{"zones/a.test.yaml", "zones/b.test.yaml", "zones/b.test/x.yaml", "zones/c.test/orphan.yaml"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("files = %v, want every path listed in order", paths)
	}
	if r.File("zones/a.test.yaml").Records[0].Value != "192.0.2.1" {
		t.Errorf("the selected zone was not parsed")
	}
	// Errors of skipped files (b's bad IP) are not reported; authority
	// still sees every path (c's subtree file has no zone file).
	for _, e := range r.Errs {
		if e.File == "zones/b.test.yaml" {
			t.Errorf("an unparsed file reported an error: %v", e)
		}
	}
	full, _ := Load(fsys, LoadOptions{})
	if len(full.Errs) == len(r.Errs) {
		t.Errorf("the filter did not skip anything: %v", r.Errs)
	}
}
