// Package zoneward_test holds tests about the module as a whole.
package zoneward_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/zoneward/zoneward"

// allowed is the package graph, as data (like go/build's deps_test.go):
// each package and the zoneward packages it may import. Subpackages import
// their parent, never the reverse; schema imports nothing of ours; test
// servers (cftest, githubtest) model remote APIs and import nothing of
// ours; only cmd/zoneward imports concrete providers. A new edge must be
// added here on purpose.
var allowed = map[string][]string{
	"schema":                      {},
	"schema/gitfs":                {},
	"schema/dirfs":                {},
	"reconcile":                   {"schema"},
	"reconcile/outdir":            {},
	"reconcile/reconciletest":     {"reconcile", "schema"},
	"reconcile/dnsquery":          {},
	"reconcile/audit":             {"reconcile", "reconcile/dnsquery", "schema"},
	"reconcile/audit/audittest":   {},
	"reconcile/dnstest":           {},
	"reconcile/rfc2136":           {"reconcile", "schema"},
	"reconcile/delegation":        {"reconcile", "reconcile/dnsquery", "schema"},
	"reconcile/incremental":       {"schema", "schema/gitfs", "reconcile/outdir"},
	"reconcile/zonefile":          {"reconcile", "reconcile/outdir", "schema"},
	"reconcile/cloudflare":        {"reconcile", "schema"},
	"reconcile/cloudflare/cftest": {},
	"github":                      {},
	"github/githubtest":           {},
	"cmd/zonegen/estate":          {"reconcile/outdir"},
	"cmd/zonegen":                 {"cmd/zonegen/estate"},
	"cmd/benchreport":             {},
	"cmd/zoneward": {"schema", "schema/gitfs", "schema/dirfs", "reconcile", "reconcile/incremental",
		"reconcile/outdir", "reconcile/zonefile", "reconcile/cloudflare", "reconcile/rfc2136",
		"reconcile/delegation", "reconcile/audit", "reconcile/dnsquery", "github"},
}

func TestPackageGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		if pkg == "" {
			continue
		}
		allow, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in deps_test.go's graph: add it with the imports it may have", pkg)
			continue
		}
		var bad []string
		for _, imp := range fields[1:] {
			dep, ours := strings.CutPrefix(imp, module+"/")
			if !ours {
				continue
			}
			found := false
			for _, a := range allow {
				found = found || a == dep
			}
			if !found {
				bad = append(bad, dep)
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			t.Errorf("%s imports %v, which the graph does not allow", pkg, bad)
		}
	}
}
