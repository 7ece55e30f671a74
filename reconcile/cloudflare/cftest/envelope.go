package cftest

import (
	"encoding/json"
	"net/http"
)

// Error codes the server returns. Where a public source quotes Cloudflare using a code (docs/cloudflare.md,
// Errors, lists them), the constant's comment says so; the others are not documented anywhere we could read
// and were chosen by cftest, so a client should match on them only through these constants.
const (
	CodeAuthentication  = 10000 // "Authentication error", 403 (issue threads quoted in authenticate)
	CodeRateLimited     = 971   // "Please wait and consider throttling your request speed" (cloudflare/workers-sdk#10025; unverified)
	CodeValidation      = 1004  // "DNS Validation Error", carries an error_chain
	CodeInvalidName     = 9000  // "DNS name is invalid."
	CodeInvalidIPv4     = 9005  // "Content for A record must be a valid IPv4 address."
	CodeInvalidIPv6     = 9006  // chosen by cftest by analogy with 9005
	CodeContentTooLong  = 9015  // "Record content exceeds the allowed length of 4096 wire format bytes."
	CodeInvalidField    = 9021  // "Invalid …", seen inside a 1004 error_chain (ZE3kr/Cloudflare-CNAME-Setup#16)
	CodeProxiedMode     = 9041  // "Invalid proxied mode. Record cannot be proxied", inside a 1004 error_chain
	CodeCNAMEConflict   = 81053 // "An A, AAAA, or CNAME record with that host already exists."
	CodeCNAMEExists     = 81054 // "A CNAME record with that host already exists."
	CodeRecordExists    = 81057 // "The record already exists."
	CodeIdenticalRecord = 81058 // "An identical record already exists."
	CodeCombinedLength  = 83011 // combined content of one name and type over 8,192 characters
	CodeNoRoute         = 7003  // "No route for the URI" ([SPEC24] failure example)
	CodeRecordNotFound  = 81044 // chosen by cftest: record id unknown in this zone
	CodeCommentTooLong  = 9101  // chosen by cftest: inside a 1004 error_chain; limit per plan (Comments and tags)
	CodeTagsNotAllowed  = 9102  // chosen by cftest: tags on a free zone, where they are not available
	CodeReadOnlyRecord  = 9103  // chosen by cftest: change to a record Cloudflare manages (meta.read_only)
	CodeBatchTooLarge   = 81070 // chosen by cftest: batch over the plan's operation limit (Batches)
	CodeBadRequest      = 1000  // chosen by cftest: malformed body or query parameter out of range
	CodeZoneExists      = 1061  // chosen by cftest: zone name already present
	CodeZoneRateLimited = 1105  // chosen by cftest: over the zone sign-up limit (Zones)
	CodeBadAccount      = 1002  // chosen by cftest: POST /zones for an account the token can't use
)

// APIError is one entry of the envelope's errors array (docs/cloudflare.md, Errors; SDK shared.ErrorData).
type APIError struct {
	Code       int         `json:"code"`
	Message    string      `json:"message"`
	ErrorChain []APIError  `json:"error_chain,omitempty"`
	Source     *taskSource `json:"source,omitempty"`
}

// taskSource points into the request body at the part that failed (SDK ErrorData.Source.Pointer).
type taskSource struct {
	Pointer string `json:"pointer"`
}

func (e *APIError) Error() string { return e.Message }

// validation wraps a specific DNS validation failure in the 1004 "DNS Validation Error" form the API
// uses for them (docs/cloudflare.md, Errors, ZE3kr/Cloudflare-CNAME-Setup#16, jordantrizz/cloudflare-cli#8).
func validation(code int, msg string) *APIError {
	return &APIError{Code: CodeValidation, Message: "DNS Validation Error",
		ErrorChain: []APIError{{Code: code, Message: msg}}}
}

// errRateLimited is the body of a 429 (code and message from cloudflare/workers-sdk#10025).
func errRateLimited() *APIError {
	return &APIError{Code: CodeRateLimited, Message: "Please wait and consider throttling your request speed"}
}

// resultInfo is the paging block of list responses ([SPEC24] zones_result_info, dns-records_result_info;
// total_pages as decoded by cloudflare-go v0, docs/cloudflare.md, Listing records).
type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

type envelope struct {
	Success    bool        `json:"success"`
	Errors     []APIError  `json:"errors"`
	Messages   []APIError  `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo *resultInfo `json:"result_info,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"success":false,"errors":[{"code":1000,"message":"internal error"}],"messages":[],"result":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeResult(w http.ResponseWriter, result any, info *resultInfo) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Errors: []APIError{}, Messages: []APIError{}, Result: result, ResultInfo: info})
}

// writeError writes the failure envelope: success false, result null ([SPEC24] *_api-response-common-failure).
func writeError(w http.ResponseWriter, status int, e *APIError) {
	writeJSON(w, status, envelope{Success: false, Errors: []APIError{*e}, Messages: []APIError{}, Result: nil})
}
