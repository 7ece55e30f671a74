package cftest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// readBody reads a request body up to a generous bound, so a runaway client cannot exhaust memory.
func readBody(r *http.Request) ([]byte, *APIError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return nil, &APIError{Code: CodeBadRequest, Message: "reading request body: " + err.Error()}
	}
	return b, nil
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request) {
	zid := r.PathValue("zone")
	page, perPage, e := pageParams(r, 100, 1, 5_000_000)
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	z, e := s.zoneLocked(zid)
	if e != nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, e)
		return
	}
	var out []Record
	for _, rec := range z.records.byID {
		if matchRecord(q, rec) {
			out = append(out, rec)
		}
	}
	s.mu.Unlock()
	sortRecords(out, q.Get("order"), q.Get("direction") == "desc")
	lo, hi, info := paginate(len(out), page, perPage)
	writeResult(w, out[lo:hi], info)
}

// sortRecords orders by the order parameter ([SPEC24] dns-records_order: type (default), name, content,
// ttl, proxied), breaking ties by name, content and id so paging is stable.
func sortRecords(rs []Record, order string, desc bool) {
	key := func(r Record) string {
		switch order {
		case "name":
			return r.Name
		case "content":
			return r.Content
		case "ttl":
			return fmt.Sprintf("%08d", r.TTL)
		case "proxied":
			return strconv.FormatBool(r.Proxied)
		}
		return r.Type
	}
	slices.SortFunc(rs, func(a, b Record) int {
		if c := strings.Compare(key(a), key(b)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := strings.Compare(a.Content, b.Content); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if desc {
		slices.Reverse(rs)
	}
}

// matchRecord applies the list filters of docs/cloudflare.md, Listing records: name.*, content.*, comment.*
// (case-insensitive), type, proxied, tag.* and match/tag_match (AND or OR between filters).
func matchRecord(q map[string][]string, rec Record) bool {
	get := func(k string) (string, bool) {
		v, ok := q[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	var results, tagResults []bool
	str := func(field, value string) {
		lv := strings.ToLower(value)
		for _, op := range []string{"", ".exact", ".contains", ".startswith", ".endswith"} {
			arg, ok := get(field + op)
			if !ok {
				continue
			}
			arg = strings.ToLower(arg)
			if field == "name" {
				arg = strings.TrimSuffix(arg, ".")
			}
			switch op {
			case "", ".exact":
				results = append(results, lv == arg)
			case ".contains":
				results = append(results, strings.Contains(lv, arg))
			case ".startswith":
				results = append(results, strings.HasPrefix(lv, arg))
			case ".endswith":
				results = append(results, strings.HasSuffix(lv, arg))
			}
		}
	}
	str("name", rec.Name)
	str("content", rec.Content)
	str("comment", rec.Comment)
	if _, ok := get("comment.present"); ok {
		results = append(results, rec.Comment != "")
	}
	if _, ok := get("comment.absent"); ok {
		results = append(results, rec.Comment == "")
	}
	if v, ok := get("type"); ok {
		results = append(results, strings.EqualFold(v, rec.Type))
	}
	if v, ok := get("proxied"); ok {
		results = append(results, v == strconv.FormatBool(rec.Proxied))
	}
	tagHas := func(pred func(name, value string) bool) bool {
		for _, t := range rec.Tags {
			n, v, _ := strings.Cut(t, ":")
			if pred(strings.ToLower(n), strings.ToLower(v)) {
				return true
			}
		}
		return false
	}
	for _, op := range []string{"tag", "tag.exact", "tag.contains", "tag.startswith", "tag.endswith", "tag.present", "tag.absent"} {
		for _, arg := range q[op] {
			an, av, hasValue := strings.Cut(strings.ToLower(arg), ":")
			var ok bool
			switch {
			case op == "tag.present" || (op == "tag" && !hasValue):
				ok = tagHas(func(n, _ string) bool { return n == an })
			case op == "tag.absent":
				ok = !tagHas(func(n, _ string) bool { return n == an })
			case op == "tag" || op == "tag.exact":
				ok = tagHas(func(n, v string) bool { return n == an && v == av })
			case op == "tag.contains":
				ok = tagHas(func(n, v string) bool { return n == an && strings.Contains(v, av) })
			case op == "tag.startswith":
				ok = tagHas(func(n, v string) bool { return n == an && strings.HasPrefix(v, av) })
			case op == "tag.endswith":
				ok = tagHas(func(n, v string) bool { return n == an && strings.HasSuffix(v, av) })
			}
			tagResults = append(tagResults, ok)
		}
	}
	if len(tagResults) > 0 {
		results = append(results, combine(tagResults, firstOr(q["tag_match"], "all")))
	}
	if len(results) == 0 {
		return true
	}
	return combine(results, firstOr(q["match"], "all"))
}

func firstOr(v []string, def string) string {
	if len(v) == 0 {
		return def
	}
	return v[0]
}

func combine(bs []bool, match string) bool {
	if match == "any" {
		return slices.Contains(bs, true)
	}
	return !slices.Contains(bs, false)
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	zid, rid := r.PathValue("zone"), r.PathValue("record")
	s.mu.Lock()
	z, e := s.zoneLocked(zid)
	var rec Record
	if e == nil {
		var ok bool
		if rec, ok = z.records.byID[rid]; !ok {
			e = errNoRecord(rid)
		}
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, statusFor(e), e)
		return
	}
	writeResult(w, rec, nil)
}

func errNoRecord(id string) *APIError {
	return &APIError{Code: CodeRecordNotFound, Message: fmt.Sprintf("Record %s does not exist.", id)}
}

// statusFor is the HTTP status of an error: 404 for an unknown record, 400 for everything else, as the
// issue threads that quote the API show validation and conflict errors arriving with 400 (docs/cloudflare.md,
// Errors).
func statusFor(e *APIError) int {
	if e.Code == CodeRecordNotFound {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// createLocked validates and adds a record built from in; callers hold s.mu.
func (s *Server) createLocked(z *zone, rs *recordSet, in recordInput) (Record, *APIError) {
	rec, e := in.apply(Record{})
	if e != nil {
		return rec, e
	}
	if rec.Name == "" || rec.Type == "" {
		return rec, &APIError{Code: CodeBadRequest, Message: "name and type are required"}
	}
	now := s.cfg.now().UTC()
	rec.ID = s.newID("rec:" + z.name)
	rec.CreatedOn, rec.ModifiedOn = now, now
	return s.storeLocked(z, rs, rec)
}

func (s *Server) storeLocked(z *zone, rs *recordSet, rec Record) (Record, *APIError) {
	rec, e := validate(rec, z)
	if e != nil {
		return rec, e
	}
	if e := conflict(rec, rs); e != nil {
		return rec, e
	}
	rs.put(rec)
	return rec.clone(), nil
}

// updateLocked applies a PUT (overwrite) or PATCH (merge) to record rid; callers hold s.mu.
func (s *Server) updateLocked(z *zone, rs *recordSet, rid string, in recordInput, put bool) (Record, *APIError) {
	old, ok := rs.byID[rid]
	if !ok {
		return Record{}, errNoRecord(rid)
	}
	if old.readOnly() {
		return Record{}, validation(CodeReadOnlyRecord, "This record is managed by Cloudflare and cannot be modified.")
	}
	base := old.clone()
	if put {
		base = Record{ID: old.ID, Meta: old.Meta, CreatedOn: old.CreatedOn}
	}
	rec, e := in.apply(base)
	if e != nil {
		return rec, e
	}
	if put && (rec.Name == "" || rec.Type == "") {
		return rec, &APIError{Code: CodeBadRequest, Message: "name and type are required"}
	}
	rec.ID, rec.CreatedOn, rec.ModifiedOn = old.ID, old.CreatedOn, s.cfg.now().UTC()
	return s.storeLocked(z, rs, rec)
}

func (s *Server) deleteLocked(rs *recordSet, rid string) (Record, *APIError) {
	old, ok := rs.byID[rid]
	if !ok {
		return Record{}, errNoRecord(rid)
	}
	if old.readOnly() {
		return Record{}, validation(CodeReadOnlyRecord, "This record is managed by Cloudflare and cannot be deleted.")
	}
	rs.remove(rid)
	return old, nil
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	s.writeRecord(w, r, func(z *zone, in recordInput) (Record, *APIError) {
		return s.createLocked(z, z.records, in)
	})
}

func (s *Server) patchRecord(w http.ResponseWriter, r *http.Request) { s.updateRecord(w, r, false) }

func (s *Server) putRecord(w http.ResponseWriter, r *http.Request) { s.updateRecord(w, r, true) }

func (s *Server) updateRecord(w http.ResponseWriter, r *http.Request, put bool) {
	s.writeRecord(w, r, func(z *zone, in recordInput) (Record, *APIError) {
		return s.updateLocked(z, z.records, r.PathValue("record"), in, put)
	})
}

// writeRecord decodes a record body and runs op on the request's zone under
// the server's lock: the shared shape of POST, PUT and PATCH.
func (s *Server) writeRecord(w http.ResponseWriter, r *http.Request, op func(*zone, recordInput) (Record, *APIError)) {
	b, e := readBody(r)
	var in recordInput
	if e == nil {
		in, e = decodeInput(b)
	}
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	s.mu.Lock()
	z, e := s.zoneLocked(r.PathValue("zone"))
	var rec Record
	if e == nil {
		rec, e = op(z, in)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, statusFor(e), e)
		return
	}
	writeResult(w, rec, nil)
}

// deleteRecord answers {"id": …} as [SPEC24]'s delete response describes.
func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	zid, rid := r.PathValue("zone"), r.PathValue("record")
	s.mu.Lock()
	z, e := s.zoneLocked(zid)
	if e == nil {
		_, e = s.deleteLocked(z.records, rid)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, statusFor(e), e)
		return
	}
	writeResult(w, map[string]string{"id": rid}, nil)
}

// AddRecord seeds a record in the named zone, validating it as POST would (so conflicts and bad content are
// reported), and returns it as stored, with id and timestamps. Meta is kept if set, so a test can add
// records Cloudflare manages (meta read_only true), which the API then refuses to change or delete.
func (s *Server) AddRecord(zoneName string, rec Record) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneByNameLocked(zoneName)
	if err != nil {
		return Record{}, err
	}
	rec = rec.clone()
	now := s.cfg.now().UTC()
	if rec.ID == "" {
		rec.ID = s.newID("rec:" + z.name)
	}
	if rec.CreatedOn.IsZero() {
		rec.CreatedOn = now
	}
	if rec.ModifiedOn.IsZero() {
		rec.ModifiedOn = rec.CreatedOn
	}
	out, e := s.storeLocked(z, z.records, rec)
	if e != nil {
		return Record{}, fmt.Errorf("cftest: adding %s %s to %s: %d %s", rec.Type, rec.Name, zoneName, e.Code, describe(e))
	}
	return out, nil
}

func describe(e *APIError) string {
	if len(e.ErrorChain) > 0 {
		return e.Message + ": " + e.ErrorChain[0].Message
	}
	return e.Message
}

// Records returns a copy of the named zone's records (including Cloudflare's apex NS records), sorted by
// type, name and content, or nil if there is no such zone.
func (s *Server) Records(zoneName string) []Record {
	s.mu.Lock()
	z, err := s.zoneByNameLocked(zoneName)
	var out []Record
	if err == nil {
		for _, r := range z.records.byID {
			out = append(out, r.clone())
		}
	}
	s.mu.Unlock()
	sortRecords(out, "", false)
	return out
}
