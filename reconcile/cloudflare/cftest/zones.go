package cftest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Plans a zone can be on. Limits differ between free and every paid plan (docs/cloudflare.md, Comments and
// tags, Batches): comment length 100 vs 500 characters, tags unavailable vs available, batch size 200 vs
// 3,500 operations.
const (
	PlanFree = "free"
	PlanPaid = "paid"
)

// Zone statuses the API reports (docs/cloudflare.md, Zone status: initializing, pending, active, moved).
const (
	StatusPending = "pending"
	StatusActive  = "active"
	StatusMoved   = "moved"
)

type zone struct {
	id, name    string
	status      string
	plan        string
	nameServers []string
	createdOn   time.Time
	modifiedOn  time.Time
	activatedOn time.Time // zero while never active
	records     *recordSet
	dnssec      dnssecState
}

// zoneNameRE is [SPEC24] zones_name's pattern.
var zoneNameRE = regexp.MustCompile(`^([a-zA-Z0-9][\-a-zA-Z0-9]*\.)+[\-a-zA-Z0-9]{2,20}$`)

// nsNames are first labels for assigned name servers, which Cloudflare forms as <name>.ns.cloudflare.com
// ([SPEC24] zones_zone.name_servers example "bob.ns.cloudflare.com", "lola.ns.cloudflare.com").
var nsNames = []string{"ada", "bob", "cruz", "dana", "elle", "finn", "gail", "hugh", "iris", "jay", "kate", "lola", "max", "nora", "owen", "pam"}

// newID returns a 32-hex-character identifier ([SPEC24] identifier: maxLength 32), deterministic in the
// order of creation so failing runs replay. Callers hold s.mu.
func (s *Server) newID(salt string) string {
	s.seq++
	h := sha256.Sum256([]byte(salt + "\x00" + strconv.FormatUint(s.seq, 10)))
	return hex.EncodeToString(h[:16])
}

// addZoneLocked creates a zone with the two assigned name servers and the apex NS records Cloudflare adds.
func (s *Server) addZoneLocked(name, status string) *zone {
	now := s.cfg.now().UTC()
	h := sha256.Sum256([]byte(name))
	a := int(h[0]) % len(nsNames)
	b := (a + 1 + int(h[1])%(len(nsNames)-1)) % len(nsNames)
	z := &zone{
		id: s.newID("zone:" + name), name: name, status: status, plan: PlanFree,
		nameServers: []string{nsNames[a] + ".ns.cloudflare.com", nsNames[b] + ".ns.cloudflare.com"},
		createdOn:   now, modifiedOn: now, records: newRecordSet(),
	}
	if status == StatusActive {
		z.activatedOn = now
	}
	for _, ns := range z.nameServers {
		z.records.put(Record{
			ID: s.newID("rec:" + name), Name: name, Type: "NS", Content: ns, TTL: 86400,
			Meta:      map[string]any{"auto_added": true, "read_only": true, "source": "primary"},
			CreatedOn: now, ModifiedOn: now,
		})
	}
	s.zones[z.id] = z
	s.zoneByName[name] = z.id
	return z
}

// AddZone seeds an active zone (with its apex NS records, as the real API creates them) and returns its id.
// If a zone of that name exists, AddZone returns the existing id.
func (s *Server) AddZone(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.zoneByName[name]; ok {
		return id
	}
	return s.addZoneLocked(name, StatusActive).id
}

// ZoneID returns the id of the named zone, or "" if there is none.
func (s *Server) ZoneID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.zoneByName[strings.ToLower(name)]
}

func (s *Server) zoneByNameLocked(name string) (*zone, error) {
	id, ok := s.zoneByName[strings.ToLower(strings.TrimSuffix(name, "."))]
	if !ok {
		return nil, fmt.Errorf("cftest: no zone %q", name)
	}
	return s.zones[id], nil
}

// SetZoneStatus moves a zone to status ("pending", "active" or "moved", docs/cloudflare.md, Zone status).
func (s *Server) SetZoneStatus(name, status string) error {
	switch status {
	case StatusPending, StatusActive, StatusMoved:
	default:
		return fmt.Errorf("cftest: unknown zone status %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneByNameLocked(name)
	if err != nil {
		return err
	}
	z.status = status
	z.modifiedOn = s.cfg.now().UTC()
	if status == StatusActive {
		z.activatedOn = z.modifiedOn
	}
	return nil
}

// DeleteZone removes a zone and its records, as if deleted or purged at Cloudflare (docs/cloudflare.md, Zone
// status): it disappears from listings and its id answers as unknown.
func (s *Server) DeleteZone(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneByNameLocked(name)
	if err != nil {
		return err
	}
	delete(s.zones, z.id)
	delete(s.zoneByName, z.name)
	return nil
}

// SetPlan puts a zone on PlanFree (the default) or PlanPaid.
func (s *Server) SetPlan(name, plan string) error {
	if plan != PlanFree && plan != PlanPaid {
		return fmt.Errorf("cftest: unknown plan %q", plan)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneByNameLocked(name)
	if err != nil {
		return err
	}
	z.plan = plan
	return nil
}

// zoneJSON renders z in the shape of [SPEC24] zones_zone (every required property present) plus the
// newer status, type, paused and plan properties the SDK decodes (docs/cloudflare.md, Zone status; the 2024
// description lacks them).
func (s *Server) zoneJSON(z *zone) map[string]any {
	var activated any
	if !z.activatedOn.IsZero() {
		activated = fmtTime(z.activatedOn)
	}
	plan := map[string]any{"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "legacy_id": "free", "is_subscribed": true, "can_subscribe": false}
	if z.plan == PlanPaid {
		plan = map[string]any{"id": "94f3b7b768b0458b56d2cac4fe5ec0f9", "name": "Pro Website", "legacy_id": "pro", "is_subscribed": true, "can_subscribe": true}
	}
	return map[string]any{
		"id":                    z.id,
		"name":                  z.name,
		"status":                z.status,
		"paused":                false,
		"type":                  "full",
		"development_mode":      0,
		"name_servers":          z.nameServers,
		"original_name_servers": nil,
		"original_registrar":    nil,
		"original_dnshost":      nil,
		"created_on":            fmtTime(z.createdOn),
		"modified_on":           fmtTime(z.modifiedOn),
		"activated_on":          activated,
		"meta":                  map[string]any{"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false},
		"owner":                 map[string]any{"id": s.cfg.accountID, "type": "organization", "name": s.cfg.accountName},
		"account":               map[string]any{"id": s.cfg.accountID, "name": s.cfg.accountName},
		"permissions":           []string{"#dns_records:edit", "#dns_records:read", "#zone:read"},
		"plan":                  plan,
	}
}

// fmtTime formats timestamps as the API does, e.g. 2014-01-01T05:20:00.12345Z ([SPEC24] examples).
func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// pageParams reads page and per_page, applying the endpoint's default and bounds ([SPEC24]: zones
// per_page default 20, min 5, max 50; DNS records default 100, min 1, max 5,000,000).
func pageParams(r *http.Request, def, lo, hi int) (page, perPage int, e *APIError) {
	page, perPage = 1, def
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 1 || p != float64(int(p)) {
			return 0, 0, &APIError{Code: CodeBadRequest, Message: fmt.Sprintf("page must be an integer of at least 1, got %q", v)}
		}
		page = int(p)
	}
	if v := q.Get("per_page"); v != "" {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < float64(lo) || p > float64(hi) || p != float64(int(p)) {
			return 0, 0, &APIError{Code: CodeBadRequest, Message: fmt.Sprintf("per_page must be an integer from %d to %d, got %q", lo, hi, v)}
		}
		perPage = int(p)
	}
	return page, perPage, nil
}

// paginate cuts one page out of n items and describes it.
func paginate(n, page, perPage int) (lo, hi int, info *resultInfo) {
	lo = min((page-1)*perPage, n)
	hi = min(lo+perPage, n)
	return lo, hi, &resultInfo{Page: page, PerPage: perPage, Count: hi - lo, TotalCount: n, TotalPages: (n + perPage - 1) / perPage}
}

// matchOp applies one of the zone list's name operators (docs/cloudflare.md, Listing zones): equal (default),
// not_equal, starts_with, ends_with, contains, and their _case_sensitive variants. The operator is written as
// a prefix of the value ("starts_with:foo"), as the SDK doc comment describes.
func matchOp(filter, value string) bool {
	op, arg, ok := strings.Cut(filter, ":")
	if !ok {
		op, arg = "equal", filter
	}
	fold := !strings.HasSuffix(op, "_case_sensitive")
	if fold {
		arg, value = strings.ToLower(arg), strings.ToLower(value)
	}
	switch strings.TrimSuffix(op, "_case_sensitive") {
	case "equal":
		return value == arg
	case "not_equal":
		return value != arg
	case "starts_with":
		return strings.HasPrefix(value, arg)
	case "ends_with":
		return strings.HasSuffix(value, arg)
	case "contains":
		return strings.Contains(value, arg)
	}
	return strings.EqualFold(value, filter)
}

func (s *Server) listZones(w http.ResponseWriter, r *http.Request) {
	page, perPage, e := pageParams(r, 20, 5, 50)
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	var out []*zone
	for _, z := range s.zones {
		if v := q.Get("name"); v != "" && !matchOp(v, z.name) {
			continue
		}
		if v := q.Get("account.id"); v != "" && v != s.cfg.accountID {
			continue
		}
		if v := q.Get("account.name"); v != "" && !matchOp(v, s.cfg.accountName) {
			continue
		}
		if v := q.Get("status"); v != "" && v != z.status {
			continue
		}
		out = append(out, z)
	}
	// Order by name unless asked otherwise, so paging is stable (docs/cloudflare.md, Listing zones: order ∈
	// name, status, …).
	key := func(z *zone) string { return z.name }
	if q.Get("order") == "status" {
		key = func(z *zone) string { return z.status + "\x00" + z.name }
	}
	slices.SortFunc(out, func(a, b *zone) int { return strings.Compare(key(a), key(b)) })
	if q.Get("direction") == "desc" {
		slices.Reverse(out)
	}
	lo, hi, info := paginate(len(out), page, perPage)
	res := make([]map[string]any, 0, hi-lo)
	for _, z := range out[lo:hi] {
		res = append(res, s.zoneJSON(z))
	}
	s.mu.Unlock()
	writeResult(w, res, info)
}

// zoneLocked finds a zone by id. Unknown ids answer 400 7003, the code of [SPEC24]'s failure example;
// the exact message is our assumption modelled on Cloudflare's router.
func (s *Server) zoneLocked(id string) (*zone, *APIError) {
	z, ok := s.zones[id]
	if !ok {
		return nil, &APIError{Code: CodeNoRoute, Message: fmt.Sprintf("Could not route to /zones/%s, perhaps your object identifier is invalid?", id)}
	}
	return z, nil
}

func (s *Server) getZone(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("zone")
	s.mu.Lock()
	z, e := s.zoneLocked(id)
	var res map[string]any
	if e == nil {
		res = s.zoneJSON(z)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	writeResult(w, res, nil)
}

// createZone implements POST /zones: body {account:{id}, name, type}; new zones start pending with two
// assigned name servers (docs/cloudflare.md, Zones, Zone status "If you use the API … your zone will be
// created directly in a Pending status"), subject to the sign-up limits of docs/cloudflare.md, Zones.
func (s *Server) createZone(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: "Malformed JSON in request body: " + err.Error()})
		return
	}
	name := strings.ToLower(strings.TrimSuffix(body.Name, "."))
	switch {
	case !zoneNameRE.MatchString(name) || len(name) > 253:
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: fmt.Sprintf("Invalid zone name %q", body.Name)})
		return
	case body.Account.ID == "":
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: "account.id is required"})
		return
	case body.Account.ID != s.cfg.accountID:
		writeError(w, http.StatusForbidden, &APIError{Code: CodeBadAccount, Message: "Invalid account identifier or not authorized for this account"})
		return
	case body.Type != "" && body.Type != "full" && body.Type != "partial" && body.Type != "secondary":
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: fmt.Sprintf("Invalid zone type %q", body.Type)})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.zoneByName[name]; ok {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeZoneExists, Message: name + " already exists"})
		return
	}
	now := s.cfg.now()
	recent := s.zoneCreates[:0:0]
	for _, t := range s.zoneCreates {
		if now.Sub(t) < s.cfg.zoneCreateWin {
			recent = append(recent, t)
		}
	}
	s.zoneCreates = recent
	if len(recent) >= s.cfg.zoneCreateLimit {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeZoneRateLimited, Message: fmt.Sprintf(
			"You have attempted to add too many zones: at most %d every %s. Please wait and try again.", s.cfg.zoneCreateLimit, s.cfg.zoneCreateWin)})
		return
	}
	// "if you have over 50 domains and, of those domains, more are pending than active, you will be
	// blocked from adding more" (docs/cloudflare.md, Zones).
	pending, active := 0, 0
	for _, z := range s.zones {
		switch z.status {
		case StatusPending:
			pending++
		case StatusActive:
			active++
		}
	}
	if len(s.zones) > 50 && pending > active {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeZoneRateLimited, Message: fmt.Sprintf(
			"You have %d pending zones and %d active: activate pending zones before adding more.", pending, active)})
		return
	}
	s.zoneCreates = append(s.zoneCreates, now)
	z := s.addZoneLocked(name, StatusPending)
	writeResult(w, s.zoneJSON(z), nil)
}
