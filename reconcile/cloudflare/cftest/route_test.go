package cftest_test

import (
	"net/http"
	"testing"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// TestRoutes: each operation is logged under its kind before its handler
// runs, and a known path with another method (405) or an unknown path (404)
// gets Cloudflare's 7003 envelope, logged as KindOther.
func TestRoutes(t *testing.T) {
	srv := newServer(t)
	zid := srv.AddZone("example.com")
	rec, err := srv.AddRecord("example.com", cftest.Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	z := "/client/v4/zones/" + zid
	for _, tt := range []struct {
		method, path string
		kind         cftest.Kind
		status       int
	}{
		{"GET", "/client/v4/zones", cftest.KindListZones, 200},
		{"POST", "/client/v4/zones", cftest.KindCreateZone, 400}, // no body
		{"GET", z, cftest.KindGetZone, 200},
		{"GET", z + "/dns_records", cftest.KindListRecords, 200},
		{"POST", z + "/dns_records", cftest.KindCreateRecord, 400},
		{"POST", z + "/dns_records/batch", cftest.KindBatch, 200},
		{"GET", z + "/dns_records/" + rec.ID, cftest.KindGetRecord, 200},
		{"GET", z + "/dns_records/batch", cftest.KindGetRecord, 404}, // a record ID like any other
		{"PATCH", z + "/dns_records/" + rec.ID, cftest.KindPatchRecord, 400},
		{"PUT", z + "/dns_records/" + rec.ID, cftest.KindPutRecord, 400},
		{"DELETE", z + "/dns_records/" + rec.ID, cftest.KindDeleteRecord, 200},
		{"GET", z + "/dnssec", cftest.KindGetDNSSEC, 200},
		{"PATCH", z + "/dnssec", cftest.KindEditDNSSEC, 400},
		{"DELETE", "/client/v4/zones", cftest.KindOther, 405},
		{"PUT", z + "/dnssec", cftest.KindOther, 405},
		{"GET", "/client/v4/user", cftest.KindOther, 404},
		{"GET", z + "/dns_records/" + rec.ID + "/extra", cftest.KindOther, 404},
		{"GET", "/elsewhere", cftest.KindOther, 404},
	} {
		srv.ResetLog()
		var body any
		if tt.method == "POST" && tt.kind == cftest.KindBatch {
			body = map[string]any{}
		}
		status, resp := doRaw(t, srv, tt.method, tt.path, body, cftest.DefaultToken)
		log := srv.Requests()
		if status != tt.status || len(log) != 1 || log[0].Kind != tt.kind {
			t.Errorf("%s %s: status %d, log %+v; want %d logged as %s", tt.method, tt.path, status, log, tt.status, tt.kind)
			continue
		}
		if tt.kind == cftest.KindOther {
			errs, _ := resp.(map[string]any)["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["code"] != float64(cftest.CodeNoRoute) {
				t.Errorf("%s %s: body %v, want the 7003 envelope", tt.method, tt.path, resp)
			}
		}
		if tt.status == http.StatusMethodNotAllowed && resp.(map[string]any)["success"] != false {
			t.Errorf("%s %s: body %v", tt.method, tt.path, resp)
		}
	}
}
