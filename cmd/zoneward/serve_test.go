package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const webhookSecret = "It's a Secret to Everybody"

type served struct {
	t    *testing.T
	addr string
	// metricsAddr is the metrics listener's, when it has one.
	metricsAddr string
	work        string // a clone the test pushes from
	zones       string // the daemon's zone file directory
	cancel      context.CancelFunc
	done        chan error
	stopOnce    sync.Once
}

// startServe makes a bare "origin" holding zones-example, and runs
// `zoneward serve` on a fresh directory cloned from it.
func startServe(t *testing.T) *served {
	t.Helper()
	return startServeWith(t, serveSetup{})
}

// stop shuts the daemon down and waits for it; a test may call it before
// its cleanup does.
func (s *served) stop() {
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case err := <-s.done:
			if err != nil {
				s.t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			s.t.Errorf("serve did not shut down")
		}
	})
}

func (s *served) push(msg string) string {
	commitAll(s.t, s.work, msg)
	git(s.t, s.work, "push", "-q", "origin", "HEAD:main")
	return git(s.t, s.work, "rev-parse", "HEAD")
}

// deliver posts a push webhook for ref, signed with secret ("" unsigned).
func (s *served) deliver(ref, after, secret, delivery string) (int, string) {
	s.t.Helper()
	body := fmt.Sprintf(`{"ref":%q,"before":"%s","after":%q,"repository":{"full_name":"acme/dns-zones"}}`, ref, strings.Repeat("0", 40), after)
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", delivery)
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(body))
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var runsRE = regexp.MustCompile(`zoneward_reconcile_runs_total\{kind="incremental",result="ok"\} (\d+)`)

func (s *served) metrics() string { return s.metricsAt(s.addr) }

func (s *served) metricsAt(addr string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// waitRuns waits until n incremental runs have succeeded.
func (s *served) waitRuns(n int) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := runsRE.FindStringSubmatch(s.metrics()); m != nil {
			if got, _ := strconv.Atoi(m[1]); got >= n {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("fewer than %d successful runs:\n%s", n, s.metrics())
}

func (s *served) zone(name string) string {
	b, err := os.ReadFile(filepath.Join(s.zones, name+".zone"))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

func TestServeEndToEnd(t *testing.T) {
	s := startServe(t)
	s.waitRuns(1) // the catch-up run at start applies everything
	if !strings.Contains(s.zone("acme.dev"), "192.0.2.100") {
		t.Fatalf("initial apply missing alice:\n%s", s.zone("acme.dev"))
	}

	// A tenant's change, pushed and announced by a signed webhook.
	edit(t, s.work, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	after := s.push("alice moves")
	if code, body := s.deliver("refs/heads/main", after, webhookSecret, "d-1"); code != http.StatusAccepted {
		t.Fatalf("webhook: %d %s", code, body)
	}
	s.waitRuns(2)
	if z := s.zone("acme.dev"); !strings.Contains(z, "192.0.2.101") || strings.Contains(z, "192.0.2.100") {
		t.Fatalf("push not applied:\n%s", z)
	}

	// The Company revokes erin (her CODEOWNERS line goes) in the same push
	// as a change to her file: the zone keeps her old records.
	edit(t, s.work, ".github/CODEOWNERS", "/zones/acme.dev/erin.yaml       @erin @acme/dns-admins\n", "")
	edit(t, s.work, "zones/acme.dev/erin.yaml", "192.0.2.110", "203.0.113.99")
	after = s.push("revoke erin, and erin's edit")
	if code, _ := s.deliver("refs/heads/main", after, webhookSecret, "d-2"); code != http.StatusAccepted {
		t.Fatalf("webhook not accepted: %d", code)
	}
	s.waitRuns(3)
	z := s.zone("acme.dev")
	if !strings.Contains(z, "erin\t3600\tIN\tA\t192.0.2.110 ; zoneward:zones/acme.dev/erin.yaml") || strings.Contains(z, "203.0.113.99") {
		t.Fatalf("revoked tenant's edit applied or her records lost:\n%s", z)
	}

	m := s.metrics()
	for _, want := range []string{`zoneward_last_applied_revision_info{revision="` + after + `"} 1`, "zoneward_changes_applied_total", `zoneward_zones{state="active"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}

func TestServeWebhookRefusals(t *testing.T) {
	s := startServe(t)
	s.waitRuns(1)
	head := git(t, s.work, "rev-parse", "HEAD")
	for _, tc := range []struct {
		name, ref, secret string
		code              int
		body              string
	}{
		{"missing signature", "refs/heads/main", "", http.StatusUnauthorized, "bad signature"},
		{"wrong secret", "refs/heads/main", "not the secret", http.StatusUnauthorized, "bad signature"},
		{"another branch", "refs/heads/feature", webhookSecret, http.StatusOK, "push to refs/heads/feature ignored"},
		{"a tag", "refs/tags/v1", webhookSecret, http.StatusOK, "push to refs/tags/v1 ignored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := s.deliver(tc.ref, head, tc.secret, "r-"+tc.name)
			if code != tc.code || !strings.Contains(body, tc.body) {
				t.Errorf("got %d %q, want %d %q", code, body, tc.code, tc.body)
			}
		})
	}
	// A tampered body: signed for one payload, sent with another.
	body := `{"ref":"refs/heads/main","after":"x","repository":{"full_name":"acme/dns-zones"}}`
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/webhook", bytes.NewBufferString(strings.Replace(body, "main", "evil", 1)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered body: %d, want 401", resp.StatusCode)
	}
	// A duplicate delivery is acknowledged and ignored.
	if code, _ := s.deliver("refs/heads/main", head, webhookSecret, "dup"); code != http.StatusAccepted {
		t.Errorf("first delivery: %d", code)
	}
	if code, body := s.deliver("refs/heads/main", head, webhookSecret, "dup"); code != http.StatusOK || !strings.Contains(body, "duplicate") {
		t.Errorf("duplicate delivery: %d %q", code, body)
	}
	if resp, err := http.Get("http://" + s.addr + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v", err)
	}
	if m := s.metrics(); strings.Contains(m, `result="error"`) {
		t.Errorf("refused webhooks caused failed runs:\n%s", m)
	}
}

// TestServeOtherBranch: a repository without main is served from the
// branch --branch names, and with serve.branch naming another branch the
// daemon reconciles that one, under that branch's own zoneward.yaml.
func TestServeOtherBranch(t *testing.T) {
	var work string
	s := startServeWith(t, serveSetup{
		prepare: func(t *testing.T, w string) {
			work = w
			edit(t, w, "zoneward.yaml", "policy:\n", "serve:\n  branch: live\n\npolicy:\n")
			commitAll(t, w, "reconcile the live branch")
		},
		bare: func(t *testing.T, origin string) {
			git(t, work, "push", "-q", "origin", "main:staging")
			git(t, work, "checkout", "-q", "-b", "live")
			edit(t, work, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.177")
			commitAll(t, work, "live differs from main")
			git(t, work, "push", "-q", "origin", "live")
			git(t, origin, "symbolic-ref", "HEAD", "refs/heads/live")
			git(t, work, "push", "-q", "origin", ":main") // no main at all
		},
		branch: "staging",
	})
	s.waitRuns(0)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if z, err := os.ReadFile(filepath.Join(s.zones, "acme.dev.zone")); err == nil && strings.Contains(string(z), "192.0.2.177") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the live branch was not applied:\n%s", s.metrics())
}
