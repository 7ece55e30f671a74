package github_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/zoneward/zoneward/github"
)

// GitHub's published test vector:
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const (
	vectorSecret    = "It's a Secret to Everybody"
	vectorPayload   = "Hello, World!"
	vectorSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

func webhookRequest(body, signature string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-GitHub-Event", "push")
	r.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	if signature != "" {
		r.Header.Set("X-Hub-Signature-256", signature)
	}
	return r
}

func TestVerifyWebhook(t *testing.T) {
	event, delivery, payload, err := github.VerifyWebhook(webhookRequest(vectorPayload, vectorSignature), []byte(vectorSecret))
	if err != nil {
		t.Fatal(err)
	}
	if event != "push" || delivery != "72d3162e-cc78-11e3-81ab-4c9367dc0958" || string(payload) != vectorPayload {
		t.Errorf("VerifyWebhook = %q, %q, %q", event, delivery, payload)
	}
}

func TestVerifyWebhookForm(t *testing.T) {
	body := "payload=" + url.QueryEscape(`{"zen":"Keep it logically awesome."}`)
	r := webhookRequest(body, sign(vectorSecret, body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, _, payload, err := github.VerifyWebhook(r, []byte(vectorSecret))
	if err != nil || string(payload) != `{"zen":"Keep it logically awesome."}` {
		t.Errorf("VerifyWebhook(form) = %q, %v", payload, err)
	}
}

func TestVerifyWebhookBadSignature(t *testing.T) {
	tests := []struct {
		name    string
		req     *http.Request
		secret  string
		wantSig bool // whether the error must be ErrBadSignature
	}{
		{"tampered body", webhookRequest("Hello, World?", vectorSignature), vectorSecret, true},
		{"wrong secret", webhookRequest(vectorPayload, vectorSignature), "It's a Secret to Nobody", true},
		{"missing header", webhookRequest(vectorPayload, ""), vectorSecret, true},
		{"garbled header", webhookRequest(vectorPayload, "sha256=zz"), vectorSecret, true},
		{"sha1 only", func() *http.Request {
			r := webhookRequest(vectorPayload, "")
			r.Header.Set("X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59")
			return r
		}(), vectorSecret, true},
		{"empty secret", webhookRequest(vectorPayload, vectorSignature), "", false},
		{"text/plain", func() *http.Request {
			r := webhookRequest(vectorPayload, vectorSignature)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), vectorSecret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, payload, err := github.VerifyWebhook(tt.req, []byte(tt.secret))
			if err == nil {
				t.Fatalf("VerifyWebhook = %q, nil; want an error", payload)
			}
			if got := errors.Is(err, github.ErrBadSignature); got != tt.wantSig {
				t.Errorf("errors.Is(%v, ErrBadSignature) = %v, want %v", err, got, tt.wantSig)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestDeliveries(t *testing.T) {
	var d github.Deliveries
	if d.Seen("a", []byte("payload a")) {
		t.Error("first a: duplicate")
	}
	if !d.Seen("a", []byte("payload a")) {
		t.Error("second a: not a duplicate")
	}
	// The delivery ID is not signed: the same payload under a fresh ID
	// is a replay.
	if !d.Seen("fresh-id", []byte("payload a")) {
		t.Error("a replayed payload with a fresh ID: not a duplicate")
	}
	// A redelivery of an ID with another body is a duplicate too.
	if !d.Seen("a", []byte("payload a, changed")) {
		t.Error("a known ID with another payload: not a duplicate")
	}
	if d.Seen("", []byte("no id 1")) || d.Seen("", []byte("no id 2")) {
		t.Error("distinct payloads without an ID counted as duplicates")
	}
	if !d.Seen("", []byte("no id 1")) {
		t.Error("a payload without an ID seen twice: not a duplicate")
	}

	small := github.Deliveries{Max: 2}
	for _, id := range []string{"1", "2", "3"} {
		if small.Seen(id, []byte("body "+id)) {
			t.Errorf("first %s: duplicate", id)
		}
	}
	// "1" fell out when "3" arrived, ID and payload; "2" and "3" are
	// remembered.
	if !small.Seen("3", []byte("x")) || !small.Seen("x", []byte("body 2")) {
		t.Error("recent deliveries forgotten")
	}
	if small.Seen("1", []byte("body 1")) {
		t.Error("oldest delivery still remembered past Max")
	}
}

func TestDeliveriesConcurrent(t *testing.T) {
	var d github.Deliveries
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for range 8 {
		wg.Go(func() {
			for i := range 500 {
				// Every goroutine delivers the same 500 IDs.
				if !d.Seen(fmt.Sprint(i), []byte(fmt.Sprint("payload ", i))) {
					mu.Lock()
					fresh++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if fresh != 500 {
		t.Errorf("%d deliveries handled, want each of 500 once", fresh)
	}
}
