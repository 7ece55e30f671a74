package cftest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Record is a DNS record as the server stores it and the API returns it (docs/cloudflare.md, Records). Use it
// to seed records with [Server.AddRecord] and to inspect state with [Server.Records].
//
// For structured types (SRV, CAA, TLSA, SSHFP, DS, HTTPS, SVCB, NAPTR, CERT, DNSKEY, SMIMEA, URI, LOC)
// set Data; the server derives Content from it as the API does. Priority is sent for MX, SRV and URI.
type Record struct {
	ID         string
	Name       string // fully qualified, lower-case, Punycode, no trailing dot
	Type       string
	Content    string
	TTL        int // 1 means automatic
	Proxied    bool
	Proxiable  bool
	Comment    string
	Tags       []string
	Priority   int
	Data       map[string]any
	Meta       map[string]any
	CreatedOn  time.Time
	ModifiedOn time.Time
}

// hasPriority reports whether the API carries a top-level priority for this type ([SPEC24]
// dns-records_priority: "Required for MX, SRV and URI records").
func hasPriority(typ string) bool { return typ == "MX" || typ == "SRV" || typ == "URI" }

// isStructured reports whether the API derives this type's content from its data map ([SPEC24]: their
// content is "readOnly … See 'data' to set … properties").
func isStructured(typ string) bool {
	switch typ {
	case "CAA", "CERT", "DNSKEY", "DS", "HTTPS", "LOC", "NAPTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "URI":
		return true
	}
	return false
}

// isKnownType reports whether typ is in [SPEC24] dns-records_type, or is OPENPGPKEY (docs/cloudflare.md,
// Records).
func isKnownType(typ string) bool {
	switch typ {
	case "A", "AAAA", "CNAME", "MX", "NS", "PTR", "TXT", "OPENPGPKEY":
		return true
	}
	return isStructured(typ)
}

// MarshalJSON renders the record object of docs/cloudflare.md, Records and [SPEC24] dns-records_dns-record:
// comment is omitted when empty because the spec types it as a non-nullable string, tags is always an array.
func (r Record) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID                string         `json:"id"`
		Name              string         `json:"name"`
		Type              string         `json:"type"`
		Content           string         `json:"content"`
		Proxiable         bool           `json:"proxiable"`
		Proxied           bool           `json:"proxied"`
		TTL               int            `json:"ttl"`
		Priority          *int           `json:"priority,omitempty"`
		Data              map[string]any `json:"data,omitempty"`
		Settings          map[string]any `json:"settings"`
		Meta              map[string]any `json:"meta"`
		Comment           string         `json:"comment,omitempty"`
		Tags              []string       `json:"tags"`
		CreatedOn         string         `json:"created_on"`
		ModifiedOn        string         `json:"modified_on"`
		CommentModifiedOn string         `json:"comment_modified_on,omitempty"`
		TagsModifiedOn    string         `json:"tags_modified_on,omitempty"`
	}
	w := wire{ID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content, Proxiable: r.Proxiable, Proxied: r.Proxied,
		TTL: r.TTL, Data: r.Data, Settings: map[string]any{}, Meta: r.Meta, Comment: r.Comment, Tags: r.Tags,
		CreatedOn: fmtTime(r.CreatedOn), ModifiedOn: fmtTime(r.ModifiedOn)}
	if hasPriority(r.Type) {
		p := r.Priority
		w.Priority = &p
	}
	if w.Meta == nil {
		w.Meta = map[string]any{}
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	// "Omitted if there is no comment" / "omitted if no tags" (docs/cloudflare.md, Records).
	if r.Comment != "" {
		w.CommentModifiedOn = fmtTime(r.ModifiedOn)
	}
	if len(r.Tags) > 0 {
		w.TagsModifiedOn = fmtTime(r.ModifiedOn)
	}
	return json.Marshal(w)
}

func (r Record) clone() Record {
	r.Tags = slices.Clone(r.Tags)
	r.Data = maps.Clone(r.Data)
	r.Meta = maps.Clone(r.Meta)
	return r
}

func (r Record) readOnly() bool { b, _ := r.Meta["read_only"].(bool); return b }

// recordSet holds a zone's records by id, with an index by name for the conflict rules. Records are
// values, so cloning the maps is enough to let a batch work on a copy and commit it only on success.
type recordSet struct {
	byID   map[string]Record
	byName map[string]map[string]bool // name → ids
}

func newRecordSet() *recordSet {
	return &recordSet{byID: make(map[string]Record), byName: make(map[string]map[string]bool)}
}

func (rs *recordSet) clone() *recordSet {
	c := &recordSet{byID: maps.Clone(rs.byID), byName: make(map[string]map[string]bool, len(rs.byName))}
	for n, ids := range rs.byName {
		c.byName[n] = maps.Clone(ids)
	}
	return c
}

func (rs *recordSet) put(r Record) {
	if old, ok := rs.byID[r.ID]; ok {
		rs.remove(old.ID)
	}
	rs.byID[r.ID] = r
	if rs.byName[r.Name] == nil {
		rs.byName[r.Name] = make(map[string]bool)
	}
	rs.byName[r.Name][r.ID] = true
}

func (rs *recordSet) remove(id string) {
	r, ok := rs.byID[id]
	if !ok {
		return
	}
	delete(rs.byID, id)
	delete(rs.byName[r.Name], id)
	if len(rs.byName[r.Name]) == 0 {
		delete(rs.byName, r.Name)
	}
}

func (rs *recordSet) atName(name string) []Record {
	out := make([]Record, 0, len(rs.byName[name]))
	for id := range rs.byName[name] {
		out = append(out, rs.byID[id])
	}
	return out
}

// recordInput is a decoded request body for create, put, patch and batch. Presence matters for PATCH ("All
// unspecified fields will remain as they are", docs/cloudflare.md, Batches), so each field records whether it
// was sent.
type recordInput struct {
	raw map[string]json.RawMessage
}

func (in recordInput) has(k string) bool { _, ok := in.raw[k]; return ok }

func (in recordInput) isNull(k string) bool { return string(in.raw[k]) == "null" }

func (in recordInput) str(k string) (string, error) {
	var s string
	if !in.has(k) || in.isNull(k) {
		return "", nil
	}
	if err := json.Unmarshal(in.raw[k], &s); err != nil {
		return "", fmt.Errorf("%s must be a string", k)
	}
	return s, nil
}

// apply merges the sent fields into base (a PATCH) or into a fresh record (POST, PUT: "Any unspecified
// fields will assume their default value", docs/cloudflare.md, Batches). It does not validate.
func (in recordInput) apply(base Record) (Record, *APIError) {
	bad := func(err error) *APIError { return &APIError{Code: CodeBadRequest, Message: err.Error()} }
	var err error
	if in.has("name") {
		if base.Name, err = in.str("name"); err != nil {
			return base, bad(err)
		}
	}
	if in.has("type") {
		if base.Type, err = in.str("type"); err != nil {
			return base, bad(err)
		}
	}
	if in.has("content") {
		if base.Content, err = in.str("content"); err != nil {
			return base, bad(err)
		}
	}
	if in.has("comment") {
		if base.Comment, err = in.str("comment"); err != nil {
			return base, bad(err)
		}
	}
	if in.has("ttl") && !in.isNull("ttl") {
		var f float64
		if err := json.Unmarshal(in.raw["ttl"], &f); err != nil || f != float64(int(f)) {
			return base, validation(CodeInvalidField, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
		}
		base.TTL = int(f)
	}
	if in.has("proxied") && !in.isNull("proxied") {
		if err := json.Unmarshal(in.raw["proxied"], &base.Proxied); err != nil {
			return base, bad(fmt.Errorf("proxied must be a boolean"))
		}
	}
	if in.has("priority") && !in.isNull("priority") {
		var f float64
		if err := json.Unmarshal(in.raw["priority"], &f); err != nil || f != float64(int(f)) || f < 0 || f > 65535 {
			return base, validation(CodeInvalidField, "Invalid priority. Must be an integer from 0 to 65535.")
		}
		base.Priority = int(f)
	}
	if in.has("tags") {
		base.Tags = nil
		if !in.isNull("tags") {
			if err := json.Unmarshal(in.raw["tags"], &base.Tags); err != nil {
				return base, bad(fmt.Errorf("tags must be an array of strings"))
			}
		}
	}
	if in.has("data") {
		base.Data = nil
		if !in.isNull("data") {
			if err := json.Unmarshal(in.raw["data"], &base.Data); err != nil {
				return base, bad(fmt.Errorf("data must be an object"))
			}
		}
	}
	return base, nil
}

func decodeInput(b []byte) (recordInput, *APIError) {
	var in recordInput
	if err := json.Unmarshal(b, &in.raw); err != nil || in.raw == nil {
		return in, &APIError{Code: CodeBadRequest, Message: "Malformed JSON in request body"}
	}
	return in, nil
}

// normalizeName makes name fully qualified in the zone: "@" is the apex, case is folded, a trailing dot
// dropped and Unicode labels converted to Punycode ("Domain names are always represented in Punycode",
// docs/cloudflare.md, Endpoints). Names outside the zone are 9000 "DNS name is invalid." (docs/cloudflare.md,
// Errors).
func normalizeName(name, zoneName string) (string, *APIError) {
	invalid := &APIError{Code: CodeInvalidName, Message: "DNS name is invalid."}
	name = strings.TrimSuffix(strings.TrimSpace(name), ".")
	if name == "@" || name == "" {
		if name == "" {
			return "", invalid
		}
		return zoneName, nil
	}
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if l == "" || len(l) > 63 {
			return "", invalid
		}
		if !isASCII(l) {
			a, err := idna.Punycode.ToASCII(l)
			if err != nil {
				return "", invalid
			}
			l = a
		}
		l = strings.ToLower(l)
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*') {
				return "", invalid
			}
		}
		labels[i] = l
	}
	name = strings.Join(labels, ".")
	if len(name) > 255 || (name != zoneName && !strings.HasSuffix(name, "."+zoneName)) {
		return "", invalid
	}
	return name, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// validate checks r as it would be stored in z, normalises it (name, proxied TTL, content of structured
// types, proxiable) and returns the first failure in the order the API is observed to check: name, type,
// content, TTL, proxied mode, comment, tags.
func validate(r Record, z *zone) (Record, *APIError) {
	var e *APIError
	if r.Name, e = normalizeName(r.Name, z.name); e != nil {
		return r, e
	}
	r.Type = strings.ToUpper(r.Type)
	if !isKnownType(r.Type) {
		return r, validation(CodeInvalidField, fmt.Sprintf("Invalid record type %q.", r.Type))
	}
	if isStructured(r.Type) {
		if r.Data == nil {
			return r, validation(CodeInvalidField, fmt.Sprintf("Invalid or missing data for %s record.", r.Type))
		}
		c, err := contentFromData(r.Type, r.Data)
		if err != nil {
			return r, validation(CodeInvalidField, fmt.Sprintf("Invalid data for %s record: %v.", r.Type, err))
		}
		r.Content = c
		if r.Type == "SRV" {
			r.Priority = int(num(r.Data["priority"]))
		}
	} else {
		r.Data = nil
	}
	switch r.Type {
	case "A":
		if a, err := netip.ParseAddr(r.Content); err != nil || !a.Is4() {
			return r, &APIError{Code: CodeInvalidIPv4, Message: "Content for A record must be a valid IPv4 address."}
		}
	case "AAAA":
		if a, err := netip.ParseAddr(r.Content); err != nil || !a.Is6() || a.Is4In6() {
			return r, &APIError{Code: CodeInvalidIPv6, Message: "Content for AAAA record must be a valid IPv6 address."}
		}
	case "CNAME", "NS", "MX", "PTR":
		if r.Type == "MX" && r.Content == "." {
			// A null MX (RFC 7505): Cloudflare takes "." with priority 0.
			// In 2021 the API refused it (9009 "Content for MX record must
			// be a hostname.", cloudflare/terraform-provider-cloudflare#944);
			// since 2022 it is created through the API and covered by the
			// Terraform provider's acceptance tests against the live API
			// (#2037, fixed by #2038).
			break
		}
		r.Content = strings.TrimSuffix(r.Content, ".")
		if r.Content == "" || strings.ContainsAny(r.Content, " \t\"") {
			return r, validation(CodeInvalidField, fmt.Sprintf("Content for %s record is invalid.", r.Type))
		}
		if r.Type == "CNAME" && strings.EqualFold(r.Content, r.Name) {
			return r, validation(CodeInvalidField, "Content for CNAME record is invalid: it must not match the record's name.")
		}
	case "TXT":
		if r.Content == "" {
			return r, validation(CodeInvalidField, "Content for TXT record is invalid.")
		}
	}
	if len(r.Content) > 4096 {
		return r, &APIError{Code: CodeContentTooLong, Message: "Record content exceeds the allowed length of 4096 wire format bytes."}
	}
	// TTL 1 (auto) or 60–86400 outside Enterprise (docs/cloudflare.md, TTL); 0 means unset and defaults to
	// auto.
	if r.TTL == 0 {
		r.TTL = 1
	}
	if r.TTL != 1 && (r.TTL < 60 || r.TTL > 86400) {
		return r, validation(CodeInvalidField, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
	}
	// "only A, AAAA, and CNAME records can be proxied" (docs/cloudflare.md, Proxying); the error is 1004 with
	// 9041 in its chain.
	r.Proxiable = r.Type == "A" || r.Type == "AAAA" || r.Type == "CNAME"
	if r.Proxied && !r.Proxiable {
		return r, validation(CodeProxiedMode, "Invalid proxied mode. Record cannot be proxied")
	}
	// "By default, all proxied records have a TTL of Auto" (docs/cloudflare.md, TTL): proxied records read
	// back ttl 1.
	if r.Proxied {
		r.TTL = 1
	}
	limit := 100
	if z.plan == PlanPaid {
		limit = 500
	}
	if n := len([]rune(r.Comment)); n > limit {
		return r, validation(CodeCommentTooLong, fmt.Sprintf("Comment is too long: %d characters, the limit for this zone's plan is %d.", n, limit))
	}
	if strings.ContainsAny(r.Comment, "\r\n") {
		return r, validation(CodeInvalidField, "Comments do not support newline or carriage return characters.")
	}
	if len(r.Tags) > 0 && z.plan == PlanFree {
		return r, validation(CodeTagsNotAllowed, "Tags are not available on this zone's plan.")
	}
	if len(r.Tags) > 20 {
		return r, validation(CodeInvalidField, "A record can have at most 20 tags.")
	}
	for _, t := range r.Tags {
		n, v, _ := strings.Cut(t, ":")
		if n == "" || len(n) > 32 || len(v) > 100 || strings.Trim(strings.ToLower(n), "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return r, validation(CodeInvalidField, fmt.Sprintf("Invalid tag %q.", t))
		}
	}
	if r.Meta == nil {
		r.Meta = map[string]any{"auto_added": false, "source": "primary"}
	}
	return r, nil
}

// conflict applies the same-name rules to r against the other records in rs (docs/cloudflare.md, Errors):
// CNAME exclusivity against A/AAAA/CNAME, identical records, and the 8,192-character combined content limit.
// Which of 81057 and 81058 the API picks is not documented; cftest answers 81058 when every settable field
// matches and 81057 when name, type and content match but TTL, proxied, comment or tags differ.
func conflict(r Record, rs *recordSet) *APIError {
	combined := len(r.Content)
	for _, o := range rs.atName(r.Name) {
		if o.ID == r.ID {
			continue
		}
		switch {
		case r.Type == "CNAME" && (o.Type == "A" || o.Type == "AAAA" || o.Type == "CNAME"):
			return &APIError{Code: CodeCNAMEConflict, Message: "An A, AAAA, or CNAME record with that host already exists."}
		case o.Type == "CNAME" && (r.Type == "A" || r.Type == "AAAA"):
			return &APIError{Code: CodeCNAMEExists, Message: "A CNAME record with that host already exists."}
		}
		if o.Type != r.Type {
			continue
		}
		combined += len(o.Content)
		if strings.EqualFold(o.Content, r.Content) && o.Priority == r.Priority {
			if o.TTL == r.TTL && o.Proxied == r.Proxied && o.Comment == r.Comment && slices.Equal(o.Tags, r.Tags) {
				return &APIError{Code: CodeIdenticalRecord, Message: "An identical record already exists."}
			}
			return &APIError{Code: CodeRecordExists, Message: "The record already exists."}
		}
	}
	if combined > 8192 {
		return &APIError{Code: CodeCombinedLength, Message: "Combined content length of records with this name and type exceeds 8192 characters."}
	}
	return nil
}

func num(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return 0
}

func fmtNum(v any) string { return strconv.FormatFloat(num(v), 'f', -1, 64) }

// contentFromData derives content from the data map as the API presents it (docs/cloudflare.md, Records),
// e.g. SRV "weight port target", CAA `0 issue "letsencrypt.org"`, checking that the needed keys are there.
func contentFromData(typ string, d map[string]any) (string, error) {
	need := func(keys ...string) error {
		for _, k := range keys {
			if _, ok := d[k]; !ok {
				return fmt.Errorf("missing %s", k)
			}
		}
		return nil
	}
	str := func(k string) string { s, _ := d[k].(string); return s }
	var keys []string
	var f func() string
	switch typ {
	case "SRV":
		keys = []string{"priority", "weight", "port", "target"}
		f = func() string {
			return fmtNum(d["weight"]) + " " + fmtNum(d["port"]) + " " + strings.TrimSuffix(str("target"), ".")
		}
	case "CAA":
		keys = []string{"flags", "tag", "value"}
		f = func() string { return fmtNum(d["flags"]) + " " + str("tag") + " " + strconv.Quote(str("value")) }
	case "TLSA", "SMIMEA":
		keys = []string{"usage", "selector", "matching_type", "certificate"}
		f = func() string {
			return fmtNum(d["usage"]) + " " + fmtNum(d["selector"]) + " " + fmtNum(d["matching_type"]) + " " + str("certificate")
		}
	case "SSHFP":
		keys = []string{"algorithm", "type", "fingerprint"}
		f = func() string { return fmtNum(d["algorithm"]) + " " + fmtNum(d["type"]) + " " + str("fingerprint") }
	case "DS":
		keys = []string{"key_tag", "algorithm", "digest_type", "digest"}
		f = func() string {
			return fmtNum(d["key_tag"]) + " " + fmtNum(d["algorithm"]) + " " + fmtNum(d["digest_type"]) + " " + str("digest")
		}
	case "HTTPS", "SVCB":
		keys = []string{"priority", "target", "value"}
		f = func() string { return fmtNum(d["priority"]) + " " + str("target") + " " + str("value") }
	case "NAPTR":
		keys = []string{"order", "preference", "flags", "service", "regex", "replacement"}
		f = func() string {
			return fmtNum(d["order"]) + " " + fmtNum(d["preference"]) + " " + strconv.Quote(str("flags")) + " " +
				strconv.Quote(str("service")) + " " + strconv.Quote(str("regex")) + " " + str("replacement")
		}
	case "CERT":
		keys = []string{"type", "key_tag", "algorithm", "certificate"}
		f = func() string {
			return fmtNum(d["type"]) + " " + fmtNum(d["key_tag"]) + " " + fmtNum(d["algorithm"]) + " " + str("certificate")
		}
	case "DNSKEY":
		keys = []string{"flags", "protocol", "algorithm", "public_key"}
		f = func() string {
			return fmtNum(d["flags"]) + " " + fmtNum(d["protocol"]) + " " + fmtNum(d["algorithm"]) + " " + str("public_key")
		}
	case "URI":
		keys = []string{"weight", "target"}
		f = func() string { return fmtNum(d["weight"]) + " " + strconv.Quote(str("target")) }
	case "LOC":
		keys = []string{"lat_degrees", "lat_direction", "long_degrees", "long_direction"}
		f = func() string {
			return fmt.Sprintf("%s %s %s %s %s %s %s %s %sm %sm %sm %sm",
				fmtNum(d["lat_degrees"]), fmtNum(d["lat_minutes"]), fmtNum(d["lat_seconds"]), str("lat_direction"),
				fmtNum(d["long_degrees"]), fmtNum(d["long_minutes"]), fmtNum(d["long_seconds"]), str("long_direction"),
				fmtNum(d["altitude"]), fmtNum(d["size"]), fmtNum(d["precision_horz"]), fmtNum(d["precision_vert"]))
		}
	default:
		return "", fmt.Errorf("no data form")
	}
	if err := need(keys...); err != nil {
		return "", err
	}
	return f(), nil
}
