package cftest

import "net/http"

// Kind names the API operation a request was routed to, for [Server.Counts].
type Kind string

// Request kinds, one per operation (docs/cloudflare.md, Endpoints).
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

// routes builds the server's ServeMux: one pattern per operation, each with the Kind that
// [Server.serveHTTP] logs before the handler runs ([http.ServeMux.Handler] names the pattern a request
// matches). A known path with another method, and any other path, get Cloudflare's envelope.
func (s *Server) routes() (*http.ServeMux, map[string]Kind) {
	mux := http.NewServeMux()
	kinds := map[string]Kind{}
	handle := func(pattern string, k Kind, h http.HandlerFunc) {
		mux.HandleFunc(pattern, h)
		kinds[pattern] = k
	}
	const (
		zones   = apiPrefix + "/zones"
		zone    = zones + "/{zone}"
		records = zone + "/dns_records"
		record  = records + "/{record}"
		dnssec  = zone + "/dnssec"
	)
	handle("GET "+zones, KindListZones, s.listZones)
	handle("POST "+zones, KindCreateZone, s.createZone)
	handle("GET "+zone, KindGetZone, s.getZone)
	handle("GET "+records, KindListRecords, s.listRecords)
	handle("POST "+records, KindCreateRecord, s.createRecord)
	handle("POST "+records+"/batch", KindBatch, s.batch)
	handle("GET "+record, KindGetRecord, s.getRecord)
	handle("PATCH "+record, KindPatchRecord, s.patchRecord)
	handle("PUT "+record, KindPutRecord, s.putRecord)
	handle("DELETE "+record, KindDeleteRecord, s.deleteRecord)
	handle("GET "+dnssec, KindGetDNSSEC, s.getDNSSEC)
	handle("PATCH "+dnssec, KindEditDNSSEC, s.editDNSSEC)
	for _, p := range []string{zones, zone, records, record, dnssec} {
		mux.HandleFunc(p, methodNotAllowed)
	}
	mux.HandleFunc("/", notFound)
	return mux, kinds
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, &APIError{Code: CodeNoRoute, Message: "No route for the URI"})
}

func methodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, &APIError{Code: CodeNoRoute, Message: "No route for the URI"})
}
