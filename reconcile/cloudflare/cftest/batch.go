package cftest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// batchResult is the result of POST /zones/{zone_id}/dns_records/batch: full record objects per list
// (docs/cloudflare.md, Batches; SDK RecordBatchResponse).
type batchResult struct {
	Deletes []Record `json:"deletes"`
	Patches []Record `json:"patches"`
	Puts    []Record `json:"puts"`
	Posts   []Record `json:"posts"`
}

// batchLimit is the operations one batch may carry on the zone's plan: "Free: 200, Pro: 3,500,
// Business: 3,500, Enterprise: 3,500" (docs/cloudflare.md, Batches).
func batchLimit(plan string) int {
	if plan == PlanPaid {
		return 3500
	}
	return 200
}

// batch runs deletes, patches, puts and posts in that order on a copy of the zone's records and commits the
// copy only if every operation succeeds: "If any of the individual action fails, no changes are applied and
// the API returns the first error it encountered" (docs/cloudflare.md, Batches). The error carries
// source.pointer naming the failing operation, e.g. "/posts/3" (the SDK's ErrorData.Source.Pointer).
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	zid := r.PathValue("zone")
	b, e := readBody(r)
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	var body struct {
		Deletes []map[string]json.RawMessage `json:"deletes"`
		Patches []map[string]json.RawMessage `json:"patches"`
		Puts    []map[string]json.RawMessage `json:"puts"`
		Posts   []map[string]json.RawMessage `json:"posts"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: "Malformed JSON in request body"})
		return
	}
	s.mu.Lock()
	res, e := s.batchLocked(zid, body.Deletes, body.Patches, body.Puts, body.Posts)
	s.mu.Unlock()
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	writeResult(w, res, nil)
}

type batchOps = []map[string]json.RawMessage

func (s *Server) batchLocked(zid string, deletes, patches, puts, posts batchOps) (*batchResult, *APIError) {
	z, e := s.zoneLocked(zid)
	if e != nil {
		return nil, e
	}
	n := len(deletes) + len(patches) + len(puts) + len(posts)
	if lim := batchLimit(z.plan); n > lim {
		return nil, &APIError{Code: CodeBatchTooLarge, Message: fmt.Sprintf(
			"Too many operations in batch: %d, the limit for this zone's plan is %d.", n, lim)}
	}
	rs := z.records.clone()
	res := &batchResult{Deletes: []Record{}, Patches: []Record{}, Puts: []Record{}, Posts: []Record{}}
	at := func(list string, i int, e *APIError) *APIError {
		e2 := *e
		e2.Source = &taskSource{Pointer: fmt.Sprintf("/%s/%d", list, i)}
		return &e2
	}
	id := func(op map[string]json.RawMessage) string {
		var s string
		_ = json.Unmarshal(op["id"], &s)
		return s
	}
	for i, op := range deletes {
		rec, e := s.deleteLocked(rs, id(op))
		if e != nil {
			return nil, at("deletes", i, e)
		}
		res.Deletes = append(res.Deletes, rec)
	}
	for i, op := range patches {
		rec, e := s.updateLocked(z, rs, id(op), recordInput{raw: without(op, "id")}, false)
		if e != nil {
			return nil, at("patches", i, e)
		}
		res.Patches = append(res.Patches, rec)
	}
	for i, op := range puts {
		rec, e := s.updateLocked(z, rs, id(op), recordInput{raw: without(op, "id")}, true)
		if e != nil {
			return nil, at("puts", i, e)
		}
		res.Puts = append(res.Puts, rec)
	}
	for i, op := range posts {
		rec, e := s.createLocked(z, rs, recordInput{raw: op})
		if e != nil {
			return nil, at("posts", i, e)
		}
		res.Posts = append(res.Posts, rec)
	}
	z.records = rs
	return res, nil
}

func without(m map[string]json.RawMessage, k string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for kk, v := range m {
		if kk != k {
			out[kk] = v
		}
	}
	return out
}
