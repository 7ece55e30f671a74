package reconcile_test

import (
	"context"
	"os"
	"testing/fstest"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
	"github.com/zoneward/zoneward/schema"
)

// The whole flow: load a repository, decide grants, build the desired
// state, read the provider, plan, and render. Bob's file is revoked (no
// CODEOWNERS line), so only Alice's records are planned.
func Example() {
	repo, err := schema.Load(fstest.MapFS{
		"zoneward.yaml":      {Data: []byte("provider: {type: memory}\ncompany: {admins: [\"@acme/dns\"]}\n")},
		".github/CODEOWNERS": {Data: []byte("/zones/example.com.yaml @alice @acme/dns\n")},
		"zones/example.com.yaml": {Data: []byte(`'':
  type: A
  value: 192.0.2.1
www:
  type: CNAME
  value: example.com.
`)},
		"zones/example.org.yaml": {Data: []byte("'': {type: A, value: 198.51.100.1}\n")},
	}, schema.LoadOptions{})
	if err != nil || len(repo.Errs) > 0 {
		panic(repo.Errs)
	}
	grants, _ := repo.Grants(context.Background(), nil)
	desired := reconcile.NewDesired(repo, grants, "")

	engine := &reconcile.Engine{Provider: reconciletest.NewMemory(), Policy: repo.Config.Policy}
	plan, _ := engine.Plan(context.Background(), desired, repo.Zones())
	reconcile.WriteText(os.Stdout, plan, reconcile.TextOptions{})
	// Output:
	// example.com.
	//   + example.com.      A      3600  192.0.2.1     zones/example.com.yaml:2 @alice @acme/dns
	//   + www.example.com.  CNAME  3600  example.com.  zones/example.com.yaml:5 @alice @acme/dns
	//
	// Revoked files (ignored):
	//   zones/example.org.yaml: no CODEOWNERS line gives it an owner
	//
	// Plan: 2 to create, 0 to update, 0 to delete; 1 zone(s) unchanged.
}
