package github

import (
	"bytes"
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
// request. It consumes r.Body.
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
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxPayload))
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

// defaultDeliveries is how many delivery IDs a zero Deliveries remembers.
// GitHub redelivers within hours; at a few deliveries a minute this covers
// days.
const defaultDeliveries = 10000

// Deliveries remembers the most recent webhook delivery IDs so that a
// redelivered event is handled once. The zero value remembers 10,000. It
// is safe for concurrent use.
type Deliveries struct {
	// Max is how many IDs to remember; 0 means 10,000. Set it before first
	// use.
	Max int

	// mu guards seen, ring and next.
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string // IDs in arrival order, oldest at next once full
	next int
}

// Seen records id and reports whether it had been recorded before and not
// yet forgotten. An empty id is never a duplicate and is not recorded.
func (d *Deliveries) Seen(id string) bool {
	if id == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[id]; ok {
		return true
	}
	limit := d.Max
	if limit <= 0 {
		limit = defaultDeliveries
	}
	if d.seen == nil {
		d.seen = map[string]struct{}{}
	}
	if len(d.ring) < limit {
		d.ring = append(d.ring, id)
	} else {
		delete(d.seen, d.ring[d.next])
		d.ring[d.next] = id
		d.next = (d.next + 1) % limit
	}
	d.seen[id] = struct{}{}
	return false
}
