package cftest

import (
	"net/http"
	"strings"
)

// Kind names the API operation a request was routed to, for [Server.Counts].
type Kind string

// Request kinds, one per operation (docs/cloudflare.md, Endpoints, Zones, DNSSEC).
const (
	KindListZones    Kind = "zones.list"
	KindGetZone      Kind = "zones.get"
	KindCreateZone   Kind = "zones.create"
	KindListRecords  Kind = "records.list"
	KindGetRecord    Kind = "records.get"
	KindCreateRecord Kind = "records.create"
	KindPatchRecord  Kind = "records.patch"
	KindPutRecord    Kind = "records.put"
	KindDeleteRecord Kind = "records.delete"
	KindBatch        Kind = "records.batch"
	KindGetDNSSEC    Kind = "dnssec.get"
	KindEditDNSSEC   Kind = "dnssec.edit"
	KindOther        Kind = "other"
)

// route maps a request to its kind and handler. It is a hand-written switch rather than a ServeMux so the
// kind is known before the handler runs (for the log) and unknown paths get Cloudflare's envelope.
func (s *Server) route(r *http.Request) (Kind, http.HandlerFunc) {
	p, ok := strings.CutPrefix(r.URL.Path, apiPrefix+"/")
	if !ok {
		return KindOther, notFound
	}
	seg := strings.Split(strings.TrimSuffix(p, "/"), "/")
	m := r.Method
	switch {
	case len(seg) == 1 && seg[0] == "zones":
		switch m {
		case http.MethodGet:
			return KindListZones, s.listZones
		case http.MethodPost:
			return KindCreateZone, s.createZone
		}
		return KindOther, methodNotAllowed
	case len(seg) == 2 && seg[0] == "zones":
		if m == http.MethodGet {
			return KindGetZone, func(w http.ResponseWriter, r *http.Request) { s.getZone(w, r, seg[1]) }
		}
		return KindOther, methodNotAllowed
	case len(seg) == 3 && seg[0] == "zones" && seg[2] == "dns_records":
		switch m {
		case http.MethodGet:
			return KindListRecords, func(w http.ResponseWriter, r *http.Request) { s.listRecords(w, r, seg[1]) }
		case http.MethodPost:
			return KindCreateRecord, func(w http.ResponseWriter, r *http.Request) { s.createRecord(w, r, seg[1]) }
		}
		return KindOther, methodNotAllowed
	case len(seg) == 4 && seg[0] == "zones" && seg[2] == "dns_records" && seg[3] == "batch" && m == http.MethodPost:
		return KindBatch, func(w http.ResponseWriter, r *http.Request) { s.batch(w, r, seg[1]) }
	case len(seg) == 4 && seg[0] == "zones" && seg[2] == "dns_records":
		zid, rid := seg[1], seg[3]
		switch m {
		case http.MethodGet:
			return KindGetRecord, func(w http.ResponseWriter, r *http.Request) { s.getRecord(w, r, zid, rid) }
		case http.MethodPatch:
			return KindPatchRecord, func(w http.ResponseWriter, r *http.Request) { s.updateRecord(w, r, zid, rid, false) }
		case http.MethodPut:
			return KindPutRecord, func(w http.ResponseWriter, r *http.Request) { s.updateRecord(w, r, zid, rid, true) }
		case http.MethodDelete:
			return KindDeleteRecord, func(w http.ResponseWriter, r *http.Request) { s.deleteRecord(w, r, zid, rid) }
		}
		return KindOther, methodNotAllowed
	case len(seg) == 3 && seg[0] == "zones" && seg[2] == "dnssec":
		switch m {
		case http.MethodGet:
			return KindGetDNSSEC, func(w http.ResponseWriter, r *http.Request) { s.getDNSSEC(w, r, seg[1]) }
		case http.MethodPatch:
			return KindEditDNSSEC, func(w http.ResponseWriter, r *http.Request) { s.editDNSSEC(w, r, seg[1]) }
		}
		return KindOther, methodNotAllowed
	}
	return KindOther, notFound
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, &APIError{Code: CodeNoRoute, Message: "No route for the URI"})
}

func methodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, &APIError{Code: CodeNoRoute, Message: "No route for the URI"})
}
