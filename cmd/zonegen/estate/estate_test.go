package estate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"gopkg.in/yaml.v3"

	"github.com/zoneward/zoneward/schema"
)

// small is an estate big enough to have every kind of file and small
// enough for two shared cores.
var small = Options{Zones: 50, Records: 20, Tenants: 10, Seed: 7, CompanyZones: 2, RevokedTenants: 2}

func generate(t *testing.T, o Options) *Estate {
	t.Helper()
	e, err := Generate(filepath.Join(t.TempDir(), "estate"), o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// commitTree opens the repository afresh (as a benchmark would) and
// returns the tree of commit h.
func commitTree(t *testing.T, dir string, h plumbing.Hash) *object.Tree {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func readFile(t *testing.T, tree *object.Tree, p string) string {
	t.Helper()
	f, err := tree.File(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	s, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := generate(t, small), generate(t, small)
	if a.Head() != b.Head() {
		t.Fatalf("same options and seed, different commits: %s and %s", a.Head(), b.Head())
	}
	if err := a.ChangeOneZone(3); err != nil {
		t.Fatal(err)
	}
	if err := b.ChangeOneZone(3); err != nil {
		t.Fatal(err)
	}
	if a.Head() != b.Head() {
		t.Errorf("same change, different commits: %s and %s", a.Head(), b.Head())
	}

	other := small
	other.Seed++
	if c := generate(t, other); c.Head() == a.Commits()[0] {
		t.Errorf("seeds %d and %d gave the same commit %s", small.Seed, other.Seed, c.Head())
	}
	cf := small
	cf.Provider = ProviderCloudflare
	if c := generate(t, cf); c.Head() == a.Commits()[0] {
		t.Errorf("providers zonefile and cloudflare gave the same commit %s", c.Head())
	}
}

// rrset is one record of an octoDNS record map, as the YAML decodes.
type rrset struct {
	Type    string         `yaml:"type"`
	TTL     int            `yaml:"ttl"`
	Value   any            `yaml:"value"`
	Values  []any          `yaml:"values"`
	OctoDNS map[string]any `yaml:"octodns"`
}

func (r rrset) values() []any {
	if r.Values != nil {
		return r.Values
	}
	return []any{r.Value}
}

// parseZone decodes an octoDNS record map, where a name holds one record
// or a list of them.
func parseZone(t *testing.T, p, data string) map[string][]rrset {
	t.Helper()
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	out := map[string][]rrset{}
	for name, n := range raw {
		if n.Kind == yaml.SequenceNode {
			var rs []rrset
			if err := n.Decode(&rs); err != nil {
				t.Fatalf("%s: %q: %v", p, name, err)
			}
			out[name] = rs
			continue
		}
		var r rrset
		if err := n.Decode(&r); err != nil {
			t.Fatalf("%s: %q: %v", p, name, err)
		}
		out[name] = []rrset{r}
	}
	return out
}

// checkZone asserts the octoDNS rules a generated file must keep and
// returns its number of record values.
func checkZone(t *testing.T, p string, z map[string][]rrset) int {
	t.Helper()
	n := 0
	for name, sets := range z {
		seen := map[string]bool{}
		for _, s := range sets {
			if seen[s.Type] {
				t.Errorf("%s: %q has two %s records", p, name, s.Type)
			}
			seen[s.Type] = true
			if s.Type == "CNAME" && len(sets) > 1 {
				t.Errorf("%s: CNAME at %q is not alone", p, name)
			}
			if s.TTL < 300 || s.TTL > 3600 {
				t.Errorf("%s: %q %s ttl %d outside 300..3600", p, name, s.Type, s.TTL)
			}
			for _, v := range s.values() {
				n++
				switch s.Type {
				case "CNAME":
					if h, _ := v.(string); !strings.HasSuffix(h, ".") {
						t.Errorf("%s: %q CNAME %q is not absolute", p, name, v)
					}
				case "MX":
					if h, _ := v.(map[string]any)["exchange"].(string); !strings.HasSuffix(h, ".") {
						t.Errorf("%s: MX exchange %q is not absolute", p, h)
					}
				case "TXT":
					s, _ := v.(string)
					if strings.Count(s, ";") != strings.Count(s, `\;`) {
						t.Errorf("%s: %q TXT %q has an unescaped semicolon", p, name, s)
					}
				}
			}
		}
	}
	return n
}

func TestGenerateFiles(t *testing.T) {
	e := generate(t, small)
	tree := commitTree(t, e.Dir, e.Head())
	files := e.Files()
	if want := small.Zones + small.CompanyZones*(1+3); len(files) != want {
		t.Fatalf("%d files, want %d", len(files), want)
	}
	for _, f := range files {
		data := readFile(t, tree, f.Path)
		disk, err := os.ReadFile(filepath.Join(e.Dir, f.Path))
		if err != nil || string(disk) != data {
			t.Errorf("%s: working tree differs from the commit (err %v)", f.Path, err)
		}
		z := parseZone(t, f.Path, data)
		if n := checkZone(t, f.Path, z); n != f.Records {
			t.Errorf("%s: %d record values, want %d", f.Path, n, f.Records)
		}
		if f.Origin != f.Zone {
			continue
		}
		if f.Records != small.Records {
			t.Errorf("%s: Records %d, want %d", f.Path, f.Records, small.Records)
		}
		// The realistic mix every zone of 10+ records starts with.
		want := map[string]string{"": "A AAAA CAA MX TXT", "www": "CNAME", "_dmarc": "TXT", "selector1._domainkey": "TXT", "_sip._tcp": "SRV"}
		for name, types := range want {
			var got []string
			for _, s := range z[name] {
				got = append(got, s.Type)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != types {
				t.Errorf("%s: %q has types %v, want %s", f.Path, name, got, types)
			}
		}
		if v := z["_dmarc"][0].Value; v != `v=DMARC1\; p=reject` {
			t.Errorf("%s: DMARC %q", f.Path, v)
		}
		for _, s := range z[""] {
			if s.Type == "MX" && len(s.Values) != 2 {
				t.Errorf("%s: %d MX values, want 2", f.Path, len(s.Values))
			}
		}
	}

	wt, err := mustOpen(t, e.Dir).Worktree()
	if err != nil {
		t.Fatal(err)
	}
	st, err := wt.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsClean() {
		t.Errorf("working tree is not clean after Generate:\n%s", st)
	}
}

func mustOpen(t *testing.T, dir string) *git.Repository {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGenerateFewRecords(t *testing.T) {
	o := small
	o.Records = 3
	e := generate(t, o)
	tree := commitTree(t, e.Dir, e.Head())
	for _, f := range e.Files() {
		if n := checkZone(t, f.Path, parseZone(t, f.Path, readFile(t, tree, f.Path))); n != f.Records {
			t.Errorf("%s: %d record values, want %d", f.Path, n, f.Records)
		}
	}
}

// codeownersRules returns the rule lines (not comments) of CODEOWNERS,
// by path.
func codeownersRules(t *testing.T, data string) map[string][]string {
	t.Helper()
	rules := map[string][]string{}
	for _, l := range strings.Split(data, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if _, dup := rules[f[0]]; dup {
			t.Errorf("CODEOWNERS: two lines for %s", f[0])
		}
		rules[f[0]] = f[1:]
	}
	return rules
}

func TestGenerateCodeowners(t *testing.T) {
	e := generate(t, small)
	tree := commitTree(t, e.Dir, e.Head())
	data := readFile(t, tree, ".github/CODEOWNERS")
	rules := codeownersRules(t, data)
	revoked := e.Revoked()
	if len(revoked) != small.RevokedTenants {
		t.Fatalf("Revoked() = %v, want %d tenants", revoked, small.RevokedTenants)
	}
	if got := strings.Join(rules["*"], " "); got != CompanyTeam {
		t.Errorf("default owners %q, want %q", got, CompanyTeam)
	}
	for _, f := range e.Files() {
		owners, ok := rules["/"+f.Path]
		switch {
		case f.Tenant == 0:
			if ok {
				t.Errorf("Company file %s has a tenant line %v", f.Path, owners)
			}
		case slicesContains(revoked, f.Tenant):
			if ok {
				t.Errorf("revoked %s still owns %s", Login(f.Tenant), f.Path)
			}
			if c := fmt.Sprintf("# revoked %s: /%s\n", Login(f.Tenant), f.Path); !strings.Contains(data, c) {
				t.Errorf("no comment %q", c)
			}
		default:
			if want := Login(f.Tenant) + " " + CompanyTeam; strings.Join(owners, " ") != want {
				t.Errorf("%s: owners %v, want %s", f.Path, owners, want)
			}
		}
	}
	for _, r := range revoked {
		if strings.Contains(strings.Join(nonComments(data), "\n"), Login(r)+" ") {
			t.Errorf("revoked %s appears in a rule", Login(r))
		}
	}
	if len(rules) != 1+len(e.Files())-small.CompanyZones-countRevokedFiles(e) {
		t.Errorf("%d rules, want the default plus one per active tenant file", len(rules))
	}
}

func nonComments(data string) []string {
	var out []string
	for _, l := range strings.Split(data, "\n") {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func countRevokedFiles(e *Estate) int {
	n := 0
	for _, f := range e.Files() {
		if f.Tenant != 0 && slicesContains(e.Revoked(), f.Tenant) {
			n++
		}
	}
	return n
}

func slicesContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestGenerateCompanyZones(t *testing.T) {
	e := generate(t, small)
	if got := len(e.CompanyZones()); got != small.CompanyZones {
		t.Fatalf("%d Company zones, want %d", got, small.CompanyZones)
	}
	tree := commitTree(t, e.Dir, e.Head())
	cfg, errs := schema.ParseConfig([]byte(readFile(t, tree, schema.ConfigFile)))
	if errs.Err() != nil {
		t.Fatalf("zoneward.yaml: %v", errs.Err())
	}
	if !cfg.Company.IsAdmin(CompanyTeam) {
		t.Errorf("company.admins %v lacks %s", cfg.Company.Admins, CompanyTeam)
	}
	for _, z := range e.CompanyZones() {
		zf := "zones/" + z + ".yaml"
		if !cfg.Company.RunsFile(zf) {
			t.Errorf("company.files %v does not list %s", cfg.Company.Files, zf)
		}
		if tn, ok := e.Tenant(zf); !ok || tn != 0 {
			t.Errorf("Tenant(%s) = %d, %v; want 0, true", zf, tn, ok)
		}
		entries, err := tree.Tree("zones/" + z)
		if err != nil {
			t.Fatalf("no subtree directory for %s: %v", z, err)
		}
		if len(entries.Entries) != 3 {
			t.Errorf("%s has %d subtree files, want 3", z, len(entries.Entries))
		}
		for _, en := range entries.Entries {
			p := "zones/" + z + "/" + en.Name
			if tn, ok := e.Tenant(p); !ok || tn == 0 {
				t.Errorf("subtree file %s: Tenant = %d, %v; want a tenant", p, tn, ok)
			}
			if cfg.Company.RunsFile(p) {
				t.Errorf("company.files covers the tenant's subtree file %s", p)
			}
		}
	}
	for _, z := range e.Zones() {
		if cfg.Company.RunsFile("zones/" + z + ".yaml") {
			t.Errorf("company.files covers tenant zone %s", z)
		}
	}
}

func TestGenerateProviders(t *testing.T) {
	zf := generate(t, Options{Zones: 2})
	cfg, errs := schema.ParseConfig([]byte(readFile(t, commitTree(t, zf.Dir, zf.Head()), schema.ConfigFile)))
	if errs.Err() != nil {
		t.Fatal(errs.Err())
	}
	var zopts struct {
		Dir         string   `yaml:"dir"`
		Nameservers []string `yaml:"nameservers"`
		Hostmaster  string   `yaml:"hostmaster"`
	}
	if err := cfg.Provider.Decode(&zopts); err != nil {
		t.Fatal(err)
	}
	if cfg.Provider.Type != "zonefile" || zopts.Dir != ".zoneward/zones" || len(zopts.Nameservers) != 2 || zopts.Hostmaster == "" {
		t.Errorf("zonefile provider: type %q, %+v", cfg.Provider.Type, zopts)
	}

	cf := generate(t, Options{Zones: 2, Provider: ProviderCloudflare, AccountID: "acc123", BaseURL: "http://127.0.0.1:9/client/v4"})
	tree := commitTree(t, cf.Dir, cf.Head())
	cfg, errs = schema.ParseConfig([]byte(readFile(t, tree, schema.ConfigFile)))
	if errs.Err() != nil {
		t.Fatal(errs.Err())
	}
	var copts struct {
		AccountID string `yaml:"account_id"`
		BaseURL   string `yaml:"base_url"`
	}
	if err := cfg.Provider.Decode(&copts); err != nil {
		t.Fatal(err)
	}
	if cfg.Provider.Type != "cloudflare" || copts.AccountID != "acc123" || copts.BaseURL != "http://127.0.0.1:9/client/v4" {
		t.Errorf("cloudflare provider: type %q, %+v", cfg.Provider.Type, copts)
	}
	z := parseZone(t, "www", readFile(t, tree, "zones/"+cf.Zones()[0]+".yaml"))
	if p, _ := z["www"][0].OctoDNS["cloudflare"].(map[string]any)["proxied"].(bool); !p {
		t.Errorf("cloudflare estate: www is not proxied: %+v", z["www"][0].OctoDNS)
	}
}

// diff returns the paths changed between the last two commits, with
// their actions.
func diff(t *testing.T, e *Estate) map[string]string {
	t.Helper()
	cs := e.Commits()
	repo := mustOpen(t, e.Dir)
	c, err := repo.CommitObject(cs[len(cs)-1])
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 1 || c.ParentHashes[0] != cs[len(cs)-2] {
		t.Fatalf("commit %s has parents %v, want %s", c.Hash, c.ParentHashes, cs[len(cs)-2])
	}
	head, err := repo.Head()
	if err != nil || head.Hash() != c.Hash || head.Name() != plumbing.NewBranchReferenceName(Branch) {
		t.Fatalf("HEAD is %v (err %v), want %s at %s", head, err, Branch, c.Hash)
	}
	changes, err := object.DiffTree(commitTree(t, e.Dir, cs[len(cs)-2]), commitTree(t, e.Dir, c.Hash))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ch := range changes {
		a, err := ch.Action()
		if err != nil {
			t.Fatal(err)
		}
		name := ch.To.Name
		if name == "" {
			name = ch.From.Name
		}
		out[name] = a.String()
	}
	return out
}

func TestChangeOneZone(t *testing.T) {
	e := generate(t, small)
	p := "zones/" + e.Zones()[5] + ".yaml"
	before := parseZone(t, p, readFile(t, commitTree(t, e.Dir, e.Head()), p))
	for round := 1; round <= 2; round++ {
		if err := e.ChangeOneZone(5); err != nil {
			t.Fatal(err)
		}
		if n := len(e.Commits()); n != 1+round {
			t.Fatalf("%d commits after %d changes", n, round)
		}
		if got := diff(t, e); len(got) != 1 || got[p] != "Modify" {
			t.Fatalf("round %d: changes %v, want only Modify %s", round, got, p)
		}
		after := parseZone(t, p, readFile(t, commitTree(t, e.Dir, e.Head()), p))
		if n := changedValues(before, after); n != 1 {
			t.Errorf("round %d: %d record values changed, want 1", round, n)
		}
		before = after
	}
	if err := e.ChangeOneZone(len(e.Zones())); err == nil {
		t.Error("ChangeOneZone past the last zone succeeded")
	}
}

// changedValues counts record values of a that differ in b, position by
// position.
func changedValues(a, b map[string][]rrset) int {
	n := 0
	for name, sets := range a {
		for i, s := range sets {
			for j, v := range s.values() {
				if i >= len(b[name]) || j >= len(b[name][i].values()) || fmt.Sprint(b[name][i].values()[j]) != fmt.Sprint(v) || b[name][i].TTL != s.TTL {
					n++
				}
			}
		}
	}
	return n
}

func TestRevokeTenant(t *testing.T) {
	e := generate(t, small)
	tn := 0
	for _, f := range e.Files() {
		if f.Tenant != 0 && !slicesContains(e.Revoked(), f.Tenant) {
			tn = f.Tenant
			break
		}
	}
	if err := e.RevokeTenant(tn); err != nil {
		t.Fatal(err)
	}
	if got := diff(t, e); len(got) != 1 || got[".github/CODEOWNERS"] != "Modify" {
		t.Fatalf("changes %v, want only Modify .github/CODEOWNERS", got)
	}
	data := readFile(t, commitTree(t, e.Dir, e.Head()), ".github/CODEOWNERS")
	for _, l := range nonComments(data) {
		if strings.Contains(l, Login(tn)+" ") {
			t.Errorf("revoked %s still has %q", Login(tn), l)
		}
	}
	if !slicesContains(e.Revoked(), tn) {
		t.Errorf("Revoked() = %v lacks %d", e.Revoked(), tn)
	}
	if err := e.RevokeTenant(tn); err == nil {
		t.Error("revoking a revoked tenant again succeeded")
	}
	if err := e.RevokeTenant(small.Tenants + 1); err == nil {
		t.Error("revoking an unknown tenant succeeded")
	}
}

func TestAddZones(t *testing.T) {
	e := generate(t, small)
	if err := e.AddZones(3); err != nil {
		t.Fatal(err)
	}
	zones := e.Zones()
	if len(zones) != small.Zones+3 {
		t.Fatalf("%d zones after adding 3 to %d", len(zones), small.Zones)
	}
	want := map[string]string{".github/CODEOWNERS": "Modify"}
	for _, z := range zones[small.Zones:] {
		want["zones/"+z+".yaml"] = "Insert"
	}
	if got := diff(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	rules := codeownersRules(t, readFile(t, commitTree(t, e.Dir, e.Head()), ".github/CODEOWNERS"))
	for _, z := range zones[small.Zones:] {
		p := "zones/" + z + ".yaml"
		tn, _ := e.Tenant(p)
		if slicesContains(e.Revoked(), tn) {
			t.Errorf("%s added for revoked %s", p, Login(tn))
		}
		if got := strings.Join(rules["/"+p], " "); got != Login(tn)+" "+CompanyTeam {
			t.Errorf("%s: owners %q", p, got)
		}
	}
}

// TestGitAgrees checks the hand-built packs with Git itself, when it is
// installed: fsck finds no broken objects, and the index matches the
// working tree.
func TestGitAgrees(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	e := generate(t, small)
	if err := e.ChangeOneZone(0); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"fsck", "--strict", "--no-progress"}, {"status", "--porcelain"}, {"log", "--format=%H"}} {
		cmd := exec.Command(gitBin, args...)
		cmd.Dir = e.Dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		switch args[0] {
		case "status":
			if len(out) != 0 {
				t.Errorf("git status is not clean:\n%s", out)
			}
		case "log":
			cs := e.Commits()
			if want := cs[1].String() + "\n" + cs[0].String() + "\n"; string(out) != want {
				t.Errorf("git log:\n%s\nwant\n%s", out, want)
			}
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"negative", Options{Zones: -1}, "negative"},
		{"too many revoked", Options{Zones: 5, Tenants: 2, RevokedTenants: 3}, "3 revoked tenants but only 2"},
		{"provider", Options{Zones: 5, Provider: "route53"}, `unknown provider "route53"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(t.TempDir(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir, Options{Zones: 1}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Generate into a non-empty directory: %v", err)
	}
}

// TestSchemaLoad reads a small estate the way zoneward does: every file
// validates, each file has the records Files says, and Grants finds
// exactly the revoked tenants' files revoked, before and after a
// RevokeTenant commit.
func TestSchemaLoad(t *testing.T) {
	for _, provider := range []string{ProviderZonefile, ProviderCloudflare} {
		t.Run(provider, func(t *testing.T) {
			o := small
			o.Provider = provider
			e := generate(t, o)
			checkLoad(t, e)
			tn := 0
			for _, f := range e.Files() {
				if f.Tenant != 0 && !slicesContains(e.Revoked(), f.Tenant) {
					tn = f.Tenant
					break
				}
			}
			if err := e.RevokeTenant(tn); err != nil {
				t.Fatal(err)
			}
			checkLoad(t, e)
		})
	}
}

func checkLoad(t *testing.T, e *Estate) {
	t.Helper()
	repo, err := schema.Load(os.DirFS(e.Dir), schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Errs.Err(); err != nil {
		t.Fatalf("schema.Load: %v", err)
	}
	files := e.Files()
	if len(repo.Files) != len(files) {
		t.Fatalf("schema.Load found %d files, want %d", len(repo.Files), len(files))
	}
	for _, f := range files {
		sf := repo.File(f.Path)
		if sf == nil {
			t.Errorf("schema.Load lacks %s", f.Path)
			continue
		}
		if len(sf.Records) != f.Records {
			t.Errorf("%s: schema counts %d records, Files says %d", f.Path, len(sf.Records), f.Records)
		}
		if sf.Origin != f.Origin+"." {
			t.Errorf("%s: schema origin %q, Files says %q", f.Path, sf.Origin, f.Origin)
		}
	}
	grants, err := repo.Grants(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		g := grants[f.Path]
		wantActive := f.Tenant == 0 || !slicesContains(e.Revoked(), f.Tenant)
		if g.Active != wantActive {
			t.Errorf("%s (tenant %d): active %v, want %v (%s)", f.Path, f.Tenant, g.Active, wantActive, g.Reason)
		}
	}
}

// TestProviderExtraSurvivesCommits: keys added to the provider block are in
// zoneward.yaml after later commits too (a benchmark that edited the file
// after Generate lost its settings at the next ChangeOneZone).
func TestProviderExtraSurvivesCommits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "e")
	e, err := Generate(dir, Options{Zones: 5, Seed: 1, Provider: ProviderCloudflare, ProviderExtra: "workers: 3\nrate: {requests: 9, per: 1s}\n"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ChangeOneZone(1); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "zoneward.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, errs := schema.ParseConfig(data)
	if len(errs) > 0 {
		t.Fatalf("zoneward.yaml: %v\n%s", errs, data)
	}
	var o struct {
		Workers int `yaml:"workers"`
		Rate    struct {
			Requests int    `yaml:"requests"`
			Per      string `yaml:"per"`
		} `yaml:"rate"`
		AccountID string `yaml:"account_id"`
		BaseURL   string `yaml:"base_url"`
	}
	if err := cfg.Provider.Decode(&o); err != nil || o.Workers != 3 || o.Rate.Requests != 9 {
		t.Errorf("provider block after a later commit: %+v %v\n%s", o, err, data)
	}
}
