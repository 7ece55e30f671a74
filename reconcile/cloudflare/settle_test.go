package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
)

// allOrNothing models Cloudflare's batch over abstract operations: a batch
// containing a bad operation applies nothing and its error points at the
// first bad one (in batch order); otherwise every operation is applied, in
// order.
type allOrNothing struct {
	bad      map[string]bool
	pointers bool // whether errors carry source.pointer
	applied  []string
	calls    int
}

func (s *allOrNothing) submit(_ context.Context, ops []op) ([]op, error) {
	s.calls++
	idx := map[string]int{}
	for _, o := range ops {
		list := map[string]string{"delete": "deletes", "update": "puts", "create": "posts"}[o.kind]
		if s.bad[o.rec.Name] {
			e := &APIError{Status: http.StatusBadRequest, Code: 9005, Message: "Content for A record must be a valid IPv4 address."}
			if s.pointers {
				e.Pointer = fmt.Sprintf("/%s/%d", list, idx[list])
			}
			return ops, fmt.Errorf("batch: %w", e)
		}
		idx[list]++
	}
	for _, o := range ops {
		s.applied = append(s.applied, o.rec.Name)
	}
	return ops, nil
}

func testOps(n int) []op {
	ops := make([]op, n)
	for i := range ops {
		kind := []string{"delete", "update", "create"}[i*3/n] // batch order: deletes, updates, creates
		ops[i] = op{kind: kind, rec: reconcile.Record{Name: fmt.Sprintf("r%02d.example.com.", i), File: "zones/example.com.yaml", Line: i + 1}}
	}
	return ops
}

func TestSettleFindsTheBadRecord(t *testing.T) {
	for _, pointers := range []bool{true, false} {
		for _, bad := range []int{0, 17, 25, 49} {
			t.Run(fmt.Sprintf("pointers=%v/bad=%d", pointers, bad), func(t *testing.T) {
				ops := testOps(50)
				s := &allOrNothing{bad: map[string]bool{ops[bad].rec.Name: true}, pointers: pointers}
				rej, err := settle(context.Background(), ops, s.submit)
				if err != nil {
					t.Fatal(err)
				}
				if len(rej) != 1 || rej[0].Record.Name != ops[bad].rec.Name || rej[0].Op != ops[bad].kind {
					t.Fatalf("rejected %+v, want %s", rej, ops[bad].rec.Name)
				}
				if rej[0].Record.Source() != fmt.Sprintf("zones/example.com.yaml:%d", bad+1) {
					t.Errorf("source %q", rej[0].Record.Source())
				}
				var ae *APIError
				if !errors.As(rej[0].Err, &ae) || ae.Code != 9005 {
					t.Errorf("rejection error %v lacks Cloudflare's code", rej[0].Err)
				}
				var want []string
				for i, o := range ops {
					if i != bad {
						want = append(want, o.rec.Name)
					}
				}
				if !slices.Equal(s.applied, want) {
					t.Errorf("applied %v\nwant (in order) %v", s.applied, want)
				}
				limit := 13 // 1 + 2·⌈log2 50⌉ when halving
				if pointers {
					limit = 4 // the batch, the part before, the bad one alone, the part after
				}
				if s.calls > limit {
					t.Errorf("%d submissions, want at most %d", s.calls, limit)
				}
			})
		}
	}
}

func TestSettleSeveralBad(t *testing.T) {
	ops := testOps(201)
	bad := map[string]bool{ops[3].rec.Name: true, ops[100].rec.Name: true, ops[101].rec.Name: true, ops[200].rec.Name: true}
	for _, pointers := range []bool{true, false} {
		s := &allOrNothing{bad: bad, pointers: pointers}
		rej, err := settle(context.Background(), ops, s.submit)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rej {
			names = append(names, r.Record.Name)
		}
		if len(names) != 4 || len(s.applied) != 197 {
			t.Errorf("pointers=%v: rejected %v, applied %d", pointers, names, len(s.applied))
		}
	}
}

func TestSettleStopsOnNonRefusal(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		calls := 0
		submit := func(_ context.Context, ops []op) ([]op, error) {
			calls++
			return ops, &APIError{Status: status, Code: 10000}
		}
		rej, err := settle(context.Background(), testOps(10), submit)
		if err == nil || len(rej) != 0 || calls != 1 {
			t.Errorf("status %d: rejected %d, err %v, %d calls; want the error after one call", status, len(rej), err, calls)
		}
	}
	// A transport failure is not a refusal either.
	calls := 0
	_, err := settle(context.Background(), testOps(10), func(_ context.Context, ops []op) ([]op, error) {
		calls++
		return ops, errors.New("connection reset")
	})
	if err == nil || calls != 1 {
		t.Errorf("transport error: %v after %d calls", err, calls)
	}
}

func TestSettleHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ops := testOps(40)
	calls := 0
	submit := func(_ context.Context, ops []op) ([]op, error) {
		calls++
		cancel() // the first refusal arrives as the run is cancelled
		return ops, &APIError{Status: 400, Code: 9005}
	}
	if _, err := settle(ctx, ops, submit); !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

func TestOpIndex(t *testing.T) {
	ops := testOps(9) // 3 deletes, 3 updates, 3 creates
	for ptr, want := range map[string]int{"/deletes/0": 0, "/deletes/2": 2, "/puts/0": 3, "/puts/2": 5, "/posts/1": 7} {
		if i, ok := opIndex(ops, ptr); !ok || i != want {
			t.Errorf("opIndex(%q) = %d, %v; want %d", ptr, i, ok, want)
		}
	}
	for _, ptr := range []string{"", "/posts/9", "/patches/0", "/posts/x", "posts", "/posts/-1"} {
		if _, ok := opIndex(ops, ptr); ok {
			t.Errorf("opIndex(%q) ok", ptr)
		}
	}
}
