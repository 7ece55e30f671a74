// Package cloudflare is the zoneward provider for Cloudflare DNS: one
// account, one API token, tens of thousands of zones, one request budget.
package cloudflare

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/zoneward/zoneward/schema"
)

// DefaultTokenEnv is the environment variable the token is read from when
// zoneward.yaml's provider.token_env is not set.
const DefaultTokenEnv = "CLOUDFLARE_API_TOKEN"

// Plans, as zoneward.yaml's provider.plan names them.
const (
	PlanFree = "free"
	PlanPaid = "paid" // Pro, Business and Enterprise share the same limits below
)

// Options configure a [Provider]. The CLI decodes them from zoneward.yaml's
// provider block (schema.ProviderConfig.Decode); the yaml tags are the keys.
// Zero fields take the defaults listed on each field.
type Options struct {
	// AccountID is the Cloudflare account whose zones are managed. Zones of
	// other accounts the token can see are never read or written.
	AccountID string `yaml:"account_id"`
	// TokenEnv names the environment variable holding the API token
	// (default DefaultTokenEnv). The CLI reads it and passes the token to
	// New; the token itself never appears in zoneward.yaml.
	TokenEnv string `yaml:"token_env"`
	// Plan is "free" (default) or "paid"; it sets the batch size and the
	// comment length (see PlanLimits).
	Plan string `yaml:"plan"`
	// CreateZones lets Apply create a zone that is missing from the account.
	CreateZones bool `yaml:"create_zones"`
	// DNSSEC turns DNSSEC on for managed zones and reports their DS record.
	DNSSEC bool `yaml:"dnssec"`
	// Rate is the request budget of the whole process (default 1200 per 5m).
	Rate Rate `yaml:"rate"`
	// ZoneCreates paces zone creation (default 25 per 10m): "you can only
	// sign up a maximum of 25 domains every 10 minutes"
	// (https://developers.cloudflare.com/fundamentals/manage-domains/add-multiple-sites-automation/#limitations).
	// Raise it only where Cloudflare raised the account's limit.
	ZoneCreates Rate `yaml:"zone_creates"`
	// Workers is how many zones the caller should work on at once
	// (default 8). Every request still goes through the one Rate budget.
	Workers int `yaml:"workers"`
	// BaseURL overrides the API endpoint, for tests against a local
	// server (cftest) only: anything but Cloudflare's own endpoint must be
	// a loopback address. zoneward.yaml can be edited in a pull request
	// and plans run with the token, so an arbitrary URL would let a pull
	// request send the token anywhere.
	BaseURL string `yaml:"base_url"`
}

// Rate is a request budget: at most Requests in any window of length Per.
type Rate struct {
	Requests int           `yaml:"requests"`
	Per      time.Duration `yaml:"per"`
}

// Defaults. The rate is Cloudflare's global API limit, "1200 requests per
// five minute period per user", which applies to the token as a whole
// (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
// Eight workers keep a 4 requests/s budget busy when requests take up to
// two seconds each, and no more than that is useful.
const (
	defaultRequests = 1200
	defaultPer      = 5 * time.Minute
	defaultWorkers  = 8
	// Cloudflare's sign-up limit; see Options.ZoneCreates.
	defaultZoneCreates      = 25
	defaultZoneCreateWindow = 10 * time.Minute
	defaultBaseURL          = "https://api.cloudflare.com/client/v4/"
	// maxRequests bounds rate.requests: the client keeps one timestamp per
	// request of a window, and no Cloudflare limit comes near this.
	maxRequests = 1_000_000
)

// PlanLimits are the per-plan limits that shape requests.
type PlanLimits struct {
	// BatchOps is how many record operations one batch request may carry:
	// "Free: 200, Pro: 3,500, Business: 3,500, Enterprise: 3,500"
	// (https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/).
	BatchOps int
	// CommentChars is the record comment length limit: 100 on Free, 500 on
	// paid plans (https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/).
	CommentChars int
	// Tags is how many tags a record may carry: "DNS record tags:
	// Available on paid plans", 20 per record, none on Free (the same
	// page). On Free the provider writes records without their tags
	// (octodns.cloudflare.tags is ignored, and check says so), rather than
	// have Cloudflare refuse them.
	Tags int
}

// Limits returns the limits of o's plan.
func (o Options) Limits() PlanLimits {
	if o.Plan == PlanPaid {
		return PlanLimits{BatchOps: 3500, CommentChars: 500, Tags: 20}
	}
	return PlanLimits{BatchOps: 200, CommentChars: 100}
}

// RecordLimits returns what Cloudflare holds of each record on o's plan,
// for validation (schema.LoadOptions.ProviderLimits):
//   - "Each DNS record has a maximum wire format size of 4,096 bytes";
//     "The Content for each TXT record must be 2,048 characters or
//     less", and records of one name and type may have at most 8,192
//     characters of content together
//     (https://developers.cloudflare.com/dns/manage-dns-records/reference/dns-record-types/);
//   - records per zone: "Free: 200, Pro: 3,500, Business: 3,500,
//     Enterprise: 3,500" (Free zones created before 2024-09-01 hold
//     1,000, which zoneward cannot tell offline: the smaller bound is the
//     safe one) (https://developers.cloudflare.com/dns/manage-dns-records/faq/).
func (o Options) RecordLimits() schema.RecordLimits {
	l := schema.RecordLimits{RecordBytes: 4096, TXTChars: 2048, RRsetChars: 8192, RecordsPerZone: 200,
		TagsIgnored: "Cloudflare keeps record tags on paid plans only, and provider.plan is free"}
	if o.Plan == PlanPaid {
		l.RecordsPerZone = 3500
		l.TagsIgnored = ""
	}
	return l
}

// WithDefaults returns o with its zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.TokenEnv == "" {
		o.TokenEnv = DefaultTokenEnv
	}
	if o.Plan == "" {
		// Free's limits are the smaller ones, so they are safe on any plan.
		o.Plan = PlanFree
	}
	if o.Rate.Requests == 0 {
		o.Rate.Requests = defaultRequests
	}
	if o.Rate.Per == 0 {
		o.Rate.Per = defaultPer
	}
	if o.Workers == 0 {
		o.Workers = defaultWorkers
	}
	if o.ZoneCreates.Requests == 0 {
		o.ZoneCreates.Requests = defaultZoneCreates
	}
	if o.ZoneCreates.Per == 0 {
		o.ZoneCreates.Per = defaultZoneCreateWindow
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	return o
}

// Validate reports every problem with o (after defaults), each naming its
// zoneward.yaml key.
func (o Options) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("zoneward.yaml: provider.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if o.AccountID == "" {
		bad("account_id", "required: the Cloudflare account ID whose zones are managed")
	} else if strings.ContainsAny(o.AccountID, "/?#&= \t\r\n") {
		// It goes into query strings and JSON; refuse what could change a request's meaning.
		bad("account_id", "%q is not an account ID", o.AccountID)
	}
	if o.Plan != PlanFree && o.Plan != PlanPaid {
		bad("plan", "%q: must be %q or %q", o.Plan, PlanFree, PlanPaid)
	}
	if o.Rate.Requests < 1 || o.Rate.Requests > maxRequests {
		bad("rate.requests", "%d: must be between 1 and %d", o.Rate.Requests, maxRequests)
	}
	if o.Rate.Per <= 0 {
		bad("rate.per", "%s: must be a positive duration such as 5m", o.Rate.Per)
	}
	if o.ZoneCreates.Requests < 1 || o.ZoneCreates.Requests > maxRequests {
		bad("zone_creates.requests", "%d: must be between 1 and %d", o.ZoneCreates.Requests, maxRequests)
	}
	if o.ZoneCreates.Per <= 0 {
		bad("zone_creates.per", "%s: must be a positive duration such as 10m", o.ZoneCreates.Per)
	}
	if o.Workers < 1 {
		bad("workers", "%d: must be at least 1", o.Workers)
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("base_url", "%q is not an http(s) URL", o.BaseURL)
	} else if o.BaseURL != defaultBaseURL && !loopback(u.Hostname()) {
		bad("base_url", "%q: only a loopback address is allowed (for tests); the API token is never sent elsewhere", o.BaseURL)
	}
	return errors.Join(errs...)
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
