package github

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"

	gogithub "github.com/google/go-github/v75/github"
)

// ErrBadSignature means a webhook request is missing its
// X-Hub-Signature-256 header or its signature does not match the secret.
var ErrBadSignature = errors.New("github: bad webhook signature")

// maxPayload is GitHub's cap on a webhook payload (25 MB); reading no more
// keeps an unauthenticated sender from exhausting memory.
const maxPayload = 25 << 20

// VerifyWebhook reads a webhook request and checks its X-Hub-Signature-256
// (HMAC-SHA256 of the body with secret, compared in constant time by
// go-github's ValidatePayload). It returns the event type (X-GitHub-Event),
// the delivery ID (X-GitHub-Delivery) and the JSON payload. A missing or
// wrong signature is [ErrBadSignature]; the SHA-1 X-Hub-Signature alone is
// not accepted. An empty secret is an error, since it would accept any
// request. A body over GitHub's 25 MB cap is an *http.MaxBytesError. It
// consumes r.Body.
func VerifyWebhook(r *http.Request, secret []byte) (eventType, deliveryID string, payload []byte, err error) {
	if len(secret) == 0 {
		return "", "", nil, errors.New("verifying webhook: the webhook secret is empty")
	}
	if r.Header.Get(gogithub.SHA256SignatureHeader) == "" {
		return "", "", nil, fmt.Errorf("%w: no %s header", ErrBadSignature, gogithub.SHA256SignatureHeader)
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/json" && ct != "application/x-www-form-urlencoded") {
		return "", "", nil, fmt.Errorf("verifying webhook: unsupported Content-Type %q", r.Header.Get("Content-Type"))
	}
	body, err := readBody(r)
	if err != nil {
		return "", "", nil, fmt.Errorf("verifying webhook: reading body: %w", err)
	}
	// From here every failure of ValidatePayload is about the signature.
	r.Body = io.NopCloser(bytes.NewReader(body))
	payload, err = gogithub.ValidatePayload(r, secret)
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	eventType = gogithub.WebHookType(r)
	if eventType == "" {
		return "", "", nil, fmt.Errorf("verifying webhook: no %s header", gogithub.EventTypeHeader)
	}
	return eventType, gogithub.DeliveryID(r), payload, nil
}

// readBody reads at most maxPayload bytes of r's body. A body that
// declares its length is read into one buffer of that size, so that a 25
// MB payload costs 25 MB and not the doubling of a growing buffer (the
// caller bounds how many are read at once, so the sum is bounded too); a
// declared length over the limit is refused before anything is read. In
// both cases the error is an *http.MaxBytesError.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxPayload {
		return nil, &http.MaxBytesError{Limit: maxPayload}
	}
	body := http.MaxBytesReader(nil, r.Body, maxPayload)
	if r.ContentLength <= 0 {
		return io.ReadAll(body)
	}
	buf := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// defaultDeliveries is how many deliveries a zero Deliveries remembers.
// GitHub redelivers within hours; at a few deliveries a minute this covers
// days, in about 2 MB.
const defaultDeliveries = 10000

// Deliveries remembers the most recent webhook deliveries so that each is
// handled once. A delivery is a duplicate when its X-GitHub-Delivery ID or
// its payload was seen before: the ID is not covered by the signature, so
// anyone who captured one signed delivery could otherwise replay it with
// fresh IDs, and every payload GitHub sends differs from every other (a
// push names its commits and the time). The zero value remembers 10,000
// deliveries. It is safe for concurrent use.
type Deliveries struct {
	// Max is how many deliveries to remember; 0 means 10,000. Set it
	// before first use.
	Max int

	// mu guards seen, ring and next.
	mu   sync.Mutex
	seen map[delivery]struct{}
	ring []delivery // keys in arrival order, oldest at next once full
	next int
}

// delivery is a key of Deliveries: an ID, or a payload's SHA-256.
type delivery struct {
	id  string
	sum [sha256.Size]byte
}

// Seen records a delivery with the given ID (X-GitHub-Delivery) and
// verified payload, and reports whether either had been recorded before
// and not yet forgotten. An empty ID is not recorded; the payload always
// is.
func (d *Deliveries) Seen(id string, payload []byte) bool {
	keys := []delivery{{sum: sha256.Sum256(payload)}}
	if id != "" {
		keys = append(keys, delivery{id: id})
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dup := false
	for _, k := range keys {
		if _, ok := d.seen[k]; ok {
			dup = true
		}
	}
	if dup {
		return true
	}
	// Each delivery takes up to two keys.
	limit := d.Max
	if limit <= 0 {
		limit = defaultDeliveries
	}
	limit *= 2
	if d.seen == nil {
		d.seen = map[delivery]struct{}{}
	}
	for _, k := range keys {
		if len(d.ring) < limit {
			d.ring = append(d.ring, k)
		} else {
			delete(d.seen, d.ring[d.next])
			d.ring[d.next] = k
			d.next = (d.next + 1) % limit
		}
		d.seen[k] = struct{}{}
	}
	return false
}
