package reconcile_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

// FuzzPlan checks the engine's two promises on arbitrary states: applying
// a plan reaches the desired state for every managed record, and a second
// plan is then empty.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, []byte{4, 5, 6})
	f.Add([]byte{0, 0, 9}, []byte{})
	f.Add([]byte{}, []byte{7, 7, 7, 130})
	f.Fuzz(func(t *testing.T, want, have []byte) {
		const file = "zones/f.test.yaml"
		names := []string{"f.test.", "a.f.test.", "b.f.test."}
		types := []string{"A", "CNAME", "TXT"}
		mk := func(b byte) reconcile.Record {
			r := reconcile.Record{Name: names[int(b)%3], Type: types[int(b/3)%3], TTL: 300 + uint32(b/9%2)*300, File: file}
			r.Value = fmt.Sprintf("v%d", b/18%4)
			if b >= 128 {
				r.File = "" // unmanaged
			}
			return r
		}
		d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{file: {Path: file, State: reconcile.FileActive}}}
		z := &reconcile.Zone{Name: "f.test."}
		seen := map[string]bool{}
		for _, b := range want {
			r := mk(b % 128)
			if k := r.Key().String() + r.Value; !seen[k] {
				seen[k] = true
				z.Records = append(z.Records, r)
			}
		}
		d.Zones = []*reconcile.Zone{z}
		m := reconciletest.NewMemory()
		for _, b := range have {
			m.Add("f.test.", mk(b))
		}
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		p, err := e.Plan(context.Background(), d, []string{"f.test."})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Zones[0].Held) > 0 {
			// Its only file conflicts with an unmanaged record: held
			// back, so applying must leave the zone exactly as it is.
			before := fmt.Sprint(m.Zone("f.test."))
			e.Apply(context.Background(), p, true)
			if after := fmt.Sprint(m.Zone("f.test.")); after != before {
				t.Fatalf("a held-back file changed the zone:\nbefore %s\nafter  %s", before, after)
			}
			return
		}
		if res := e.Apply(context.Background(), p, true); res.Err() != nil {
			t.Fatal(res.Err())
		}
		var got, wantS []string
		for _, r := range m.Zone("f.test.") {
			if r.File != "" {
				got = append(got, fmt.Sprintf("%s %s %d %s", r.Key(), r.Value, r.TTL, r.File))
			}
		}
		for _, r := range z.Records {
			wantS = append(wantS, fmt.Sprintf("%s %s %d %s", r.Key(), r.Value, r.TTL, r.File))
		}
		sort.Strings(got)
		sort.Strings(wantS)
		if fmt.Sprint(got) != fmt.Sprint(wantS) {
			t.Fatalf("managed records after apply:\n got %v\nwant %v", got, wantS)
		}
		p2, _ := e.Plan(context.Background(), d, []string{"f.test."})
		if p2.HasChanges() {
			t.Fatalf("second plan not empty: %+v", p2.Zones[0].Changes)
		}
	})
}
