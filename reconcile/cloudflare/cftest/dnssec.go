package cftest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// dnssecState is a zone's DNSSEC setting. Enabling goes "pending" then "active" and disabling
// "pending-disabled" then "disabled" ([SPEC24] dnssec_status), after the server's DNSSEC delay.
type dnssecState struct {
	want        string    // "active" or "disabled"; "" means never touched (disabled)
	changed     time.Time // when want was last set
	multiSigner bool
	presigned   bool
	nsec3       bool
}

func (d dnssecState) status(now time.Time, delay time.Duration) string {
	settled := !now.Before(d.changed.Add(delay))
	switch {
	case d.want == "active" && settled:
		return "active"
	case d.want == "active":
		return "pending"
	case d.want == "disabled" && !settled:
		return "pending-disabled"
	}
	return "disabled"
}

// dnssecJSON renders [SPEC24] dnssec_dnssec (docs/cloudflare.md, DNSSEC). The key material is derived from
// the zone name, so it is stable across calls: algorithm 13 (ECDSAP256SHA256), digest type 2 (SHA256), as in
// the spec's examples. When DNSSEC is disabled the key fields are null.
func (s *Server) dnssecJSON(z *zone) map[string]any {
	st := z.dnssec.status(s.cfg.now(), s.cfg.dnssecDelay)
	var modified any
	if !z.dnssec.changed.IsZero() {
		modified = fmtTime(z.dnssec.changed)
	}
	out := map[string]any{
		"status": st, "dnssec_multi_signer": z.dnssec.multiSigner, "dnssec_presigned": z.dnssec.presigned,
		"dnssec_use_nsec3": z.dnssec.nsec3, "modified_on": modified,
		"algorithm": nil, "digest": nil, "digest_algorithm": nil, "digest_type": nil, "ds": nil,
		"flags": nil, "key_tag": nil, "key_type": nil, "public_key": nil,
	}
	if st == "disabled" {
		return out
	}
	pub := sha256.Sum256([]byte("dnssec-key:" + z.name))
	pub2 := sha256.Sum256(pub[:])
	key := append(pub[:], pub2[:]...) // 64 bytes, the size of a P-256 public key
	digest := sha256.Sum256(append([]byte(z.name), key...))
	keyTag := int(binary.BigEndian.Uint16(digest[:2]))
	dig := strings.ToUpper(fmt.Sprintf("%x", digest))
	out["algorithm"] = "13"
	out["digest"] = dig
	out["digest_algorithm"] = "SHA256"
	out["digest_type"] = "2"
	out["ds"] = fmt.Sprintf("%s. 3600 IN DS %d 13 2 %s", z.name, keyTag, dig)
	out["flags"] = 257
	out["key_tag"] = keyTag
	out["key_type"] = "ECDSAP256SHA256"
	out["public_key"] = base64.StdEncoding.EncodeToString(key)
	return out
}

func (s *Server) getDNSSEC(w http.ResponseWriter, r *http.Request) {
	zid := r.PathValue("zone")
	s.mu.Lock()
	z, e := s.zoneLocked(zid)
	var res map[string]any
	if e == nil {
		res = s.dnssecJSON(z)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	writeResult(w, res, nil)
}

// editDNSSEC implements PATCH /zones/{zone_id}/dnssec with status ∈ {active, disabled} (docs/cloudflare.md,
// DNSSEC) and the three boolean settings.
func (s *Server) editDNSSEC(w http.ResponseWriter, r *http.Request) {
	zid := r.PathValue("zone")
	var body struct {
		Status      *string `json:"status"`
		MultiSigner *bool   `json:"dnssec_multi_signer"`
		Presigned   *bool   `json:"dnssec_presigned"`
		NSEC3       *bool   `json:"dnssec_use_nsec3"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: "Malformed JSON in request body"})
		return
	}
	if body.Status != nil && *body.Status != "active" && *body.Status != "disabled" {
		writeError(w, http.StatusBadRequest, &APIError{Code: CodeBadRequest, Message: fmt.Sprintf("Invalid DNSSEC status %q: must be active or disabled", *body.Status)})
		return
	}
	s.mu.Lock()
	z, e := s.zoneLocked(zid)
	var res map[string]any
	if e == nil {
		now := s.cfg.now()
		if body.Status != nil {
			cur := z.dnssec.status(now, s.cfg.dnssecDelay)
			// Asking for the state already reached or in progress changes nothing.
			if !(*body.Status == "active" && (cur == "active" || cur == "pending")) &&
				!(*body.Status == "disabled" && (cur == "disabled" || cur == "pending-disabled")) {
				z.dnssec.want, z.dnssec.changed = *body.Status, now
			}
		}
		if body.MultiSigner != nil {
			z.dnssec.multiSigner = *body.MultiSigner
		}
		if body.Presigned != nil {
			z.dnssec.presigned = *body.Presigned
		}
		if body.NSEC3 != nil {
			z.dnssec.nsec3 = *body.NSEC3
		}
		res = s.dnssecJSON(z)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	writeResult(w, res, nil)
}
