package cloudflare

import (
	"strings"
	"testing"
	"time"

	"github.com/zoneward/zoneward/schema"
)

func TestOptionsFromZonewardYAML(t *testing.T) {
	cfg, errs := schema.ParseConfig([]byte(`
provider:
  type: cloudflare
  account_id: acc123
  token_env: CF_TOKEN
  plan: paid
  create_zones: true
  dnssec: true
  rate: {requests: 600, per: 5m}
  workers: 4
`))
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	var o Options
	if err := cfg.Provider.Decode(&o); err != nil {
		t.Fatal(err)
	}
	want := Options{AccountID: "acc123", TokenEnv: "CF_TOKEN", Plan: PlanPaid, CreateZones: true, DNSSEC: true,
		Rate: Rate{Requests: 600, Per: 5 * time.Minute}, Workers: 4}
	if o != want {
		t.Errorf("decoded %+v\nwant %+v", o, want)
	}
	if l := o.Limits(); l.BatchOps != 3500 || l.CommentChars != 500 {
		t.Errorf("paid limits %+v", l)
	}
}

func TestOptionsUnknownKey(t *testing.T) {
	cfg, errs := schema.ParseConfig([]byte("provider:\n  type: cloudflare\n  acount_id: x\n"))
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	var o Options
	err := cfg.Provider.Decode(&o)
	if err == nil || !strings.Contains(err.Error(), `unknown key "acount_id"`) {
		t.Errorf("Decode error = %v, want unknown key", err)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{AccountID: "a"}.WithDefaults()
	if o.TokenEnv != "CLOUDFLARE_API_TOKEN" || o.Plan != PlanFree || o.Rate != (Rate{1200, 5 * time.Minute}) ||
		o.Workers != 8 || o.BaseURL != "https://api.cloudflare.com/client/v4/" {
		t.Errorf("defaults %+v", o)
	}
	if l := o.Limits(); l.BatchOps != 200 || l.CommentChars != 100 {
		t.Errorf("free limits %+v", l)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	o := Options{AccountID: "a b", Plan: "pro", Rate: Rate{Requests: -1, Per: -time.Second}, Workers: -2, BaseURL: "ftp://x"}
	err := o.WithDefaults().Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`zoneward.yaml: provider.account_id: "a b" is not an account ID`,
		`zoneward.yaml: provider.plan: "pro": must be "free" or "paid"`,
		"zoneward.yaml: provider.rate.requests: -1: must be between 1 and 1000000",
		"zoneward.yaml: provider.rate.per: -1s: must be a positive duration",
		"zoneward.yaml: provider.workers: -2: must be at least 1",
		`zoneward.yaml: provider.base_url: "ftp://x" is not an http(s) URL`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if err := (Options{}).WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), "provider.account_id: required") {
		t.Errorf("missing account: %v", err)
	}
}

func TestNewRefusesMissingTokenWithoutLeaking(t *testing.T) {
	if _, err := New(Options{AccountID: "a", TokenEnv: "MY_TOKEN"}, " "); err == nil || !strings.Contains(err.Error(), "$MY_TOKEN") {
		t.Errorf("New without token: %v", err)
	}
	const secret = "s3cr3t-token-value"
	_, err := New(Options{Plan: "bogus"}, secret)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("New error %v (must fail and not show the token)", err)
	}
}

func TestBaseURLOnlyLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"":                                                   true, // the default, Cloudflare's endpoint
		"https://api.cloudflare.com/client/v4/":              true,
		"http://127.0.0.1:4321/client/v4/":                   true,
		"http://[::1]:4321/client/v4/":                       true,
		"http://localhost:4321/client/v4/":                   true,
		"https://evil.example/client/v4/":                    false,
		"https://api.cloudflare.com.evil.example/client/v4/": false,
	} {
		err := Options{AccountID: "a", BaseURL: url}.WithDefaults().Validate()
		if (err == nil) != ok {
			t.Errorf("base_url %q: %v", url, err)
		}
	}
}
