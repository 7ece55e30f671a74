package cloudflare

import (
	"slices"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// TestTagsOnPaidPlan: record tags (octodns.cloudflare.tags) are written on
// a paid plan, read back as the same set whatever the case of their names
// and the order Cloudflare keeps them in, and a change to them is an
// update.
func TestTagsOnPaidPlan(t *testing.T) {
	srv := newServer(t)
	if err := srv.SetPlan(testZone, cftest.PlanPaid); err != nil {
		t.Fatal(err)
	}
	p := newTestProvider(t, srv, func(o *Options) { o.Plan = PlanPaid })
	if !p.Capabilities().Tags {
		t.Fatal("a paid-plan provider does not say it stores tags")
	}
	r := rec(t, "www.example.com.", "A", "192.0.2.1")
	r.Tags = "Team:web\nowner:dns"
	converge(t, p, testZone, []reconcile.Record{r})
	var stored []string
	for _, cr := range srv.Records(testZone) {
		if cr.Name == "www.example.com" {
			stored = cr.Tags
		}
	}
	if !slices.Equal(stored, []string{"owner:dns", "team:web"}) {
		t.Errorf("tags at Cloudflare = %q", stored)
	}
	r.Tags = "owner:dns"
	if ch := plan(t, p, testZone, []reconcile.Record{r}); len(ch.Update) != 1 || ch.Update[0].Old.Tags != "owner:dns\nteam:web" {
		t.Errorf("removing a tag planned %+v, want one update from both tags", ch)
	}
	converge(t, p, testZone, []reconcile.Record{r})
}

// TestTagsOnFreePlan: Cloudflare keeps no tags on the free plan and would
// refuse a record carrying them, so the provider writes the record
// without its tags, and a plan after that is empty.
func TestTagsOnFreePlan(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	if p.Capabilities().Tags {
		t.Fatal("a free-plan provider says it stores tags")
	}
	r := rec(t, "www.example.com.", "A", "192.0.2.1")
	r.Tags = "team:web"
	converge(t, p, testZone, []reconcile.Record{r})
	for _, cr := range srv.Records(testZone) {
		if len(cr.Tags) > 0 {
			t.Errorf("%s carries tags %q on the free plan", cr.Name, cr.Tags)
		}
	}
}
