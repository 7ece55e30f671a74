package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	cf "github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/zoneward/zoneward/reconcile"
)

// ErrWithdrawn is returned by Apply for a zone Cloudflare reports moved
// (its Domain Owner pointed the nameservers away) or that has disappeared
// from the account. Such a zone is never written to.
var ErrWithdrawn = errors.New("cloudflare: zone withdrawn by its Domain Owner; not written")

// newCreateLimiter paces zone creations at r (Options.ZoneCreates). A
// burst of a fifth and the rest spread over the window never exceeds
// r.Requests in any window of r.Per, as in newTransport.
func newCreateLimiter(r Rate) *rate.Limiter {
	burst := max(1, r.Requests/5)
	return rate.NewLimiter(rate.Limit(float64(r.Requests-burst)/r.Per.Seconds()), burst)
}

// responseHeaderTimeout bounds the wait for a response once a request is
// sent. A batch of 3,500 operations is one database transaction at
// Cloudflare (docs/cloudflare.md, Batches), so it gets two minutes; a
// connection that hangs longer is retried or left to the next run.
const responseHeaderTimeout = 2 * time.Minute

// Provider is the Cloudflare provider. It implements reconcile.Provider,
// reconcile.Statuser and reconcile.Normalizer, and is safe for concurrent
// use: every method shares one request budget (Options.Rate), so any
// number of workers may call it at once.
//
// Zone IDs and states are cached for the life of the Provider (one run):
// create a new Provider for each run.
type Provider struct {
	opts    Options
	limits  PlanLimits
	c       *client
	creates *rate.Limiter // zone creations, apart from the request budget
	lookups singleflight.Group

	mu     sync.Mutex           // guards the fields below
	zones  map[string]*zoneInfo // by zone name, lower-case, no trailing dot
	listed bool                 // zones holds every zone of the account (Zones was called)
	dnssec map[string]*dns.DNSSEC
}

// zoneInfo is what the provider knows of one zone. A nil *zoneInfo in
// Provider.zones records that the zone is not in the account.
type zoneInfo struct {
	id          string
	name        string // as the API spells it
	status      string // zones.ZoneStatus, or "gone" when requests by ID fail
	nameServers []string
}

const statusGone = "gone"

// New returns a Provider for opts (defaults applied, then validated) that
// authenticates with token. The token is sent only as the Authorization
// header to opts.BaseURL and never appears in errors or output.
func New(opts Options, token string) (*Provider, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ResponseHeaderTimeout = responseHeaderTimeout
	return newProvider(opts, token, base)
}

func newProvider(opts Options, token string, base http.RoundTripper) (*Provider, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("cloudflare: no API token: set $%s (zoneward.yaml: provider.token_env)", opts.TokenEnv)
	}
	warmEncoders()
	tr := newTransport(base, opts.Rate.Requests, opts.Rate.Per)
	return &Provider{
		opts:    opts,
		limits:  opts.Limits(),
		c:       newClient(opts.BaseURL, token, tr),
		creates: newCreateLimiter(opts.ZoneCreates),
		zones:   map[string]*zoneInfo{},
		dnssec:  map[string]*dns.DNSSEC{},
	}, nil
}

// Capabilities implements reconcile.Provider.
func (p *Provider) Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{Name: "cloudflare", Types: Types(), Proxied: true, AutoTTL: true, Comment: true, Tags: p.limits.Tags > 0}
}

// Workers is how many zones the caller should work on at once
// (Options.Workers).
func (p *Provider) Workers() int { return p.opts.Workers }

// Budget returns the request budget the provider keeps to: at most
// requests in any window of per. A daemon sizes its sweeps by it.
func (p *Provider) Budget() (requests int, per time.Duration) {
	return p.opts.Rate.Requests, p.opts.Rate.Per
}

// Stats returns the requests sent so far, by kind.
func (p *Provider) Stats() Stats { return p.c.tr.stats() }

// Requests implements reconcile.RequestCounter: Stats by its JSON names
// ("records_list", "batch", …). Retries and rate-limited answers are also
// counted among the kinds; the total is left out.
func (p *Provider) Requests() map[string]int {
	s := p.Stats()
	return map[string]int{
		"zones_list": s.ZonesList, "zones_get": s.ZonesGet, "zone_create": s.ZoneCreate,
		"records_list": s.RecordsList, "batch": s.Batch, "dnssec": s.DNSSEC, "other": s.Other,
		"retries": s.Retries, "rate_limited": s.RateLimited,
	}
}

// Normalize implements reconcile.Normalizer: it returns r as Cloudflare
// stores and reads it back. Names are lower-cased and fully qualified;
// proxied records have automatic TTL; an automatic TTL is 1; only A, AAAA,
// CNAME and ALIAS can be proxied; the user's comment loses line breaks and
// surrounding space and is cut to fit beside the marker within the plan's
// comment limit (the marker is never cut). ALIAS stays ALIAS: it is
// written as an apex CNAME and read back as ALIAS.
func (p *Provider) Normalize(r reconcile.Record) reconcile.Record { return normalize(r, p.limits) }

// key is the cache key of a zone name.
func key(zone string) string { return strings.ToLower(strings.TrimSuffix(zone, ".")) }

// Zones lists every zone of the account, 50 a page (the API's maximum),
// fills the zone cache, and returns the zone names, fully qualified and
// sorted. After it, looking up a zone costs no request. Engines planning
// many zones call it once: 10,000 zones cost 200 requests instead of
// 10,000.
func (p *Provider) Zones(ctx context.Context) ([]string, error) {
	list := func(page int) (*zonePage, error) {
		res, err := p.c.zones.List(ctx, zones.ZoneListParams{
			Account: cf.F(zones.ZoneListParamsAccount{ID: cf.F(p.opts.AccountID)}),
			Page:    cf.F(float64(page)),
			PerPage: cf.F(float64(zonesPerPage)),
		})
		if err != nil {
			return nil, fmt.Errorf("listing zones, page %d: %w", page, apiError(err))
		}
		pages, _ := resultInfoInt(res.ResultInfo.JSON.ExtraFields, "total_pages")
		return &zonePage{zones: res.Result, pages: pages}, nil
	}
	first, err := list(1)
	if err != nil {
		return nil, err
	}
	pages := make([]*zonePage, max(first.pages, 1))
	pages[0] = first
	// The first page says how many there are; the rest are fetched by a
	// few workers at once, each request still paced by the budget.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.opts.Workers)
	for i := 1; i < len(pages); i++ {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			pg, err := list(i + 1)
			pages[i] = pg
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for _, pg := range pages {
		for _, z := range pg.zones {
			if z.Account.ID != "" && z.Account.ID != p.opts.AccountID {
				continue
			}
			p.zones[key(z.Name)] = infoOf(&z)
			names = append(names, key(z.Name)+".")
		}
	}
	p.listed = true
	slices.Sort(names)
	return slices.Compact(names), nil
}

type zonePage struct {
	zones []zones.Zone
	pages int
}

func infoOf(z *zones.Zone) *zoneInfo {
	return &zoneInfo{id: z.ID, name: z.Name, status: string(z.Status), nameServers: slices.Clone(z.NameServers)}
}

// lookup returns what is known of zone, asking Cloudflare once per run:
// GET /zones?name=<zone>&account.id=<account>. It returns nil for a zone
// that is not in the account.
func (p *Provider) lookup(ctx context.Context, zone string) (*zoneInfo, error) {
	k := key(zone)
	p.mu.Lock()
	zi, ok := p.zones[k]
	listed := p.listed
	p.mu.Unlock()
	if ok || listed {
		return zi, nil
	}
	// Workers asking for the same zone at once share one request.
	v, err, _ := p.lookups.Do(k, func() (any, error) {
		zi, err := p.fetchZone(ctx, k)
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		p.zones[k] = zi
		p.mu.Unlock()
		return zi, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*zoneInfo), nil
}

// fetchZone asks Cloudflare for zone k in the account.
func (p *Provider) fetchZone(ctx context.Context, k string) (*zoneInfo, error) {
	res, err := p.c.zones.List(ctx, zones.ZoneListParams{
		Account: cf.F(zones.ZoneListParamsAccount{ID: cf.F(p.opts.AccountID)}),
		Name:    cf.F(k),
		// per_page has a minimum of 5 (docs/cloudflare.md, Listing zones);
		// a name matches one zone.
		PerPage: cf.F(5.0),
	})
	if err != nil {
		return nil, fmt.Errorf("looking up zone %q: %w", k, apiError(err))
	}
	for i := range res.Result {
		z := &res.Result[i]
		if key(z.Name) == k && (z.Account.ID == "" || z.Account.ID == p.opts.AccountID) {
			return infoOf(z), nil
		}
	}
	return nil, nil
}

// markGone records that requests for zi's ID fail: the zone was deleted
// (after being moved, or by the Company) since it was looked up.
func (p *Provider) markGone(zi *zoneInfo) {
	p.mu.Lock()
	zi.status = statusGone
	p.mu.Unlock()
}

func (p *Provider) status(zi *zoneInfo) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return zi.status
}

// codeNoRoute is 7003 "No route for the URI" (docs/cloudflare.md, Errors):
// the answer for a zone ID that no longer exists.
const codeNoRoute = 7003

// zoneGone reports whether err says the zone ID no longer routes: 7003 at
// any 4xx status, or a 404 without a code.
func zoneGone(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 &&
		(ae.Code == codeNoRoute || ae.Outer == codeNoRoute || (ae.Status == http.StatusNotFound && ae.Code == 0))
}

// Records implements reconcile.Provider. It costs one request per 5,000
// records, plus one to look the zone up unless Zones or an earlier call
// already did. Apex NS records and records Cloudflare marks read-only are
// left out; records without a zoneward marker have File "".
func (p *Provider) Records(ctx context.Context, zone string) ([]reconcile.Record, error) {
	zi, err := p.lookup(ctx, zone)
	if err != nil {
		return nil, err
	}
	if zi == nil {
		return nil, fmt.Errorf("zone %q: %w", key(zone), reconcile.ErrZoneNotFound)
	}
	return p.records(ctx, zi)
}

func (p *Provider) records(ctx context.Context, zi *zoneInfo) ([]reconcile.Record, error) {
	raw, err := p.c.listRecords(ctx, zi.id)
	if err != nil {
		if zoneGone(err) {
			p.markGone(zi)
		}
		return nil, fmt.Errorf("zone %q: %w", zi.name, err)
	}
	apex := key(zi.name) + "."
	out := make([]reconcile.Record, 0, len(raw))
	for i := range raw {
		a := &raw[i]
		if a.skip(apex) {
			continue
		}
		r, err := fromAPI(a, apex)
		if err != nil {
			if r.File == "" {
				// A record zoneward never wrote, of a type or shape it
				// cannot represent: leave it out rather than fail the
				// zone; it is never touched either way.
				continue
			}
			return nil, fmt.Errorf("zone %q: record %s: %w", zi.name, a.ID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ZoneStatus implements reconcile.Statuser: active and pending zones with
// the two nameservers Cloudflare assigned, moved or vanished zones as
// withdrawn, zones not in the account as missing. With Options.DNSSEC it
// turns DNSSEC on for an active or pending zone where it is off (once per
// run) and reports the DS record; that costs one request per zone and run,
// two when DNSSEC had to be turned on.
func (p *Provider) ZoneStatus(ctx context.Context, zone string) (reconcile.ZoneStatus, error) {
	zi, err := p.lookup(ctx, zone)
	if err != nil {
		return reconcile.ZoneStatus{}, err
	}
	if zi == nil {
		return reconcile.ZoneStatus{State: reconcile.ZoneMissing, Detail: "not in the account"}, nil
	}
	status := p.status(zi)
	st := reconcile.ZoneStatus{Detail: status, Nameservers: slices.Clone(zi.nameServers)}
	switch zones.ZoneStatus(status) {
	case zones.ZoneStatusActive:
		st.State = reconcile.ZoneActive
	case zones.ZoneStatusPending, zones.ZoneStatusInitializing:
		st.State = reconcile.ZonePending
	default: // moved, gone, deleted: the Domain Owner has left
		st.State = reconcile.ZoneWithdrawn
		return st, nil
	}
	if p.opts.DNSSEC {
		d, err := p.ensureDNSSEC(ctx, zi)
		if err != nil {
			return st, fmt.Errorf("zone %q: %w", zi.name, err)
		}
		if d != nil && d.DS != "" {
			st.DS = []string{d.DS}
		}
	}
	return st, nil
}

// ensureDNSSEC reads the zone's DNSSEC state and enables it when disabled.
// The result is cached for the run: DNSSEC is enabled once.
func (p *Provider) ensureDNSSEC(ctx context.Context, zi *zoneInfo) (*dns.DNSSEC, error) {
	p.mu.Lock()
	d, ok := p.dnssec[zi.id]
	p.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := p.c.dnssec.Get(ctx, dns.DNSSECGetParams{ZoneID: cf.F(zi.id)})
	if err != nil {
		return nil, fmt.Errorf("reading DNSSEC: %w", apiError(err))
	}
	if d.Status == dns.DNSSECStatusDisabled || d.Status == dns.DNSSECStatusPendingDisabled {
		if d, err = p.enableDNSSEC(ctx, zi); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	p.dnssec[zi.id] = d
	p.mu.Unlock()
	return d, nil
}

func (p *Provider) enableDNSSEC(ctx context.Context, zi *zoneInfo) (*dns.DNSSEC, error) {
	d, err := p.c.dnssec.Edit(ctx, dns.DNSSECEditParams{ZoneID: cf.F(zi.id), Status: cf.F(dns.DNSSECEditParamsStatusActive)})
	if err != nil {
		return nil, fmt.Errorf("enabling DNSSEC: %w", apiError(err))
	}
	p.mu.Lock()
	p.dnssec[zi.id] = d
	p.mu.Unlock()
	return d, nil
}

// createZone adds zone to the account (POST /zones, type full; it starts
// pending), paced to the sign-up limit, and enables DNSSEC on it when
// configured.
func (p *Provider) createZone(ctx context.Context, zone string) (*zoneInfo, error) {
	k := key(zone)
	if err := p.creates.Wait(ctx); err != nil {
		return nil, fmt.Errorf("creating zone %q: %w", k, err)
	}
	z, err := p.c.zones.New(ctx, zones.ZoneNewParams{
		Account: cf.F(zones.ZoneNewParamsAccount{ID: cf.F(p.opts.AccountID)}),
		Name:    cf.F(k),
		Type:    cf.F(zones.TypeFull),
	})
	var zi *zoneInfo
	if err != nil {
		err = apiError(err)
		// A creation that may have happened (no answer, 5xx) or that
		// collided with one made meanwhile: look again rather than guess.
		if !temporary(err) && !isCode(err, zoneExistsCode) {
			return nil, fmt.Errorf("creating zone %q: %w", k, err)
		}
		found, lerr := p.fetchZone(ctx, k)
		if lerr != nil || found == nil {
			return nil, fmt.Errorf("creating zone %q: %w", k, err)
		}
		zi = found
	} else {
		zi = infoOf(z)
	}
	p.mu.Lock()
	p.zones[k] = zi
	p.mu.Unlock()
	if p.opts.DNSSEC {
		if _, err := p.enableDNSSEC(ctx, zi); err != nil {
			return zi, fmt.Errorf("zone %q: %w", k, err)
		}
	}
	return zi, nil
}

// zoneExistsCode is Cloudflare's "already exists" answer to POST /zones
// (1061, as cftest models it; the real code is not documented).
const zoneExistsCode = 1061

func isCode(err error, code int) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == code || ae.Outer == code)
}

// Apply implements reconcile.Provider. It writes changes in as few batch
// requests as the plan allows (200 or 3,500 operations each), deletes
// first, then updates, then creates, so that a name can change type in
// one Apply. A batch is all or nothing at Cloudflare; when one is refused,
// Apply finds the refused records by splitting it and applies the rest,
// and returns *reconcile.RejectedError naming each refused record with
// Cloudflare's code and message. A batch that may or may not have landed
// (no answer, 5xx) is checked against the zone's records before anything
// is sent again, so nothing is applied twice.
//
// A zone missing from the account is created first when
// Options.CreateZones is set; a withdrawn zone is refused with
// ErrWithdrawn. Cancelling ctx stops between requests; the error says how
// far Apply got, and the next run completes the rest.
func (p *Provider) Apply(ctx context.Context, zone string, changes reconcile.Changes) error {
	if changes.Empty() {
		return nil
	}
	zi, err := p.lookup(ctx, zone)
	if err != nil {
		return err
	}
	if zi == nil {
		if !p.opts.CreateZones {
			return fmt.Errorf("zone %q (zoneward.yaml: provider.create_zones is off): %w", key(zone), reconcile.ErrZoneNotFound)
		}
		if zi, err = p.createZone(ctx, zone); err != nil {
			return err
		}
	}
	switch zones.ZoneStatus(p.status(zi)) {
	case zones.ZoneStatusActive, zones.ZoneStatusPending, zones.ZoneStatusInitializing:
	default:
		return fmt.Errorf("zone %q (%s): %w", zi.name, p.status(zi), ErrWithdrawn)
	}

	ops, rejected := p.ops(changes)
	a := &applier{p: p, zi: zi}
	var errs []error
	for chunk := range slices.Chunk(ops, p.limits.BatchOps) {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		rej, err := settle(ctx, chunk, a.submit)
		rejected = append(rejected, rej...)
		if err != nil {
			errs = append(errs, err)
			break
		}
	}
	if len(errs) > 0 {
		errs[0] = fmt.Errorf("zone %q: applied %d of %d operations: %w", zi.name, a.applied, len(ops), errs[0])
	}
	if len(rejected) > 0 {
		errs = append([]error{&reconcile.RejectedError{Rejected: rejected}}, errs...)
	}
	return errors.Join(errs...)
}

// op is one record operation of a batch.
type op struct {
	kind string           // "delete", "update" or "create", as in reconcile.Rejection.Op
	rec  reconcile.Record // the desired record (for deletes, the actual one), normalized
	id   string           // the record to delete or overwrite
	body body             // for updates and creates
}

// ops turns changes into batch operations in the order Cloudflare runs a
// batch (deletes, patches, puts, posts; docs/cloudflare.md, Batches), so
// that cutting the list into batches anywhere keeps that order across
// batches. Records that cannot be expressed are refused here, before any
// request.
func (p *Provider) ops(ch reconcile.Changes) ([]op, []reconcile.Rejection) {
	var ops []op
	var rej []reconcile.Rejection
	for _, r := range ch.Delete {
		if r.ID == "" {
			rej = append(rej, reconcile.Rejection{Record: r, Op: "delete", Err: errors.New("no record ID")})
			continue
		}
		ops = append(ops, op{kind: "delete", rec: r, id: r.ID})
	}
	for _, u := range ch.Update {
		b, err := toBody(u.New, p.limits)
		switch {
		case u.Old.ID == "":
			err = errors.New("no record ID")
		case err == nil:
			b.ID = u.Old.ID
		}
		if err != nil {
			rej = append(rej, reconcile.Rejection{Record: u.New, Op: "update", Err: err})
			continue
		}
		ops = append(ops, op{kind: "update", rec: normalize(u.New, p.limits), id: u.Old.ID, body: b})
	}
	for _, r := range ch.Create {
		b, err := toBody(r, p.limits)
		if err != nil {
			rej = append(rej, reconcile.Rejection{Record: r, Op: "create", Err: err})
			continue
		}
		ops = append(ops, op{kind: "create", rec: normalize(r, p.limits), body: b})
	}
	return ops, rej
}

// submitFunc sends ops as one batch. It returns the operations it sent
// last (fewer than ops when some had already landed) and the error.
type submitFunc func(ctx context.Context, ops []op) (sent []op, err error)

// settle applies ops through submit, finding the operations Cloudflare
// refuses. A batch is all or nothing and its error names only the first
// failure, so a refused batch is split and each part settled in order:
// around the failing operation when the error points at it (a batch with
// one bad record costs four requests), in halves otherwise (about
// 2·log2(n) more). Nothing valid is held back by one bad record.
func settle(ctx context.Context, ops []op, submit submitFunc) ([]reconcile.Rejection, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sent, err := submit(ctx, ops)
	if err == nil {
		return nil, nil
	}
	var ae *APIError
	if !errors.As(err, &ae) || !refusal(ae) {
		return nil, err
	}
	if len(sent) == 1 {
		return []reconcile.Rejection{{Record: sent[0].rec, Op: sent[0].kind, Err: ae}}, nil
	}
	var rejected []reconcile.Rejection
	for _, part := range split(sent, ae.Pointer) {
		rej, err := settle(ctx, part, submit)
		rejected = append(rejected, rej...)
		if err != nil {
			return rejected, err
		}
	}
	return rejected, nil
}

// refusal reports whether e refuses the batch's content, as opposed to
// the request as a whole (authentication, rate limit, a zone that has
// gone), which splitting cannot help.
func refusal(e *APIError) bool {
	switch {
	case e.Status < 400 || e.Status >= 500:
		return false
	case e.Status == http.StatusUnauthorized, e.Status == http.StatusForbidden, e.Status == http.StatusTooManyRequests:
		return false
	case zoneGone(e):
		return false
	}
	return true
}

// split cuts a refused batch for settle: around the operation pointer
// names ("/deletes/2", "/puts/0", "/posts/5": Cloudflare's
// errors[].source.pointer into the request body), or in halves.
func split(ops []op, pointer string) [][]op {
	if i, ok := opIndex(ops, pointer); ok {
		var parts [][]op
		for _, p := range [][]op{ops[:i], ops[i : i+1], ops[i+1:]} {
			if len(p) > 0 {
				parts = append(parts, p)
			}
		}
		if len(parts) > 1 {
			return parts
		}
	}
	mid := len(ops) / 2
	return [][]op{ops[:mid], ops[mid:]}
}

// opIndex maps a source pointer to the index in ops, which are in batch
// order (deletes, then updates sent as puts, then creates sent as posts).
func opIndex(ops []op, pointer string) (int, bool) {
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	if len(parts) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 0 {
		return 0, false
	}
	want := map[string]string{"deletes": "delete", "puts": "update", "posts": "create"}[parts[0]]
	if want == "" {
		return 0, false
	}
	for i, o := range ops {
		if o.kind == want {
			if n == 0 {
				return i, true
			}
			n--
		}
	}
	return 0, false
}

// applier sends one Apply's batches to one zone.
type applier struct {
	p       *Provider
	zi      *zoneInfo
	applied int // operations known to have landed
}

// Resubmissions after a batch whose fate is unknown: each costs a record
// listing and a batch. Two cover a blip; more is the next run's job.
const maxResubmits = 2

// submit sends ops as one batch. When the outcome is unknown (no answer or
// a 5xx: the batch may have been committed before the failure), it lists
// the zone's records and sends again only what has not landed, so that a
// create is never made twice and a delete never sent for a record already
// gone.
func (a *applier) submit(ctx context.Context, ops []op) ([]op, error) {
	for attempt := 0; ; attempt++ {
		err := a.batch(ctx, ops)
		if err == nil {
			a.applied += len(ops)
			return ops, nil
		}
		if ctx.Err() != nil || !temporary(err) || attempt == maxResubmits || isStatus(err, http.StatusTooManyRequests) {
			return ops, err
		}
		left, lerr := a.residual(ctx, ops)
		if lerr != nil {
			return ops, fmt.Errorf("%w (and checking what landed: %v)", err, lerr)
		}
		a.applied += len(ops) - len(left)
		if len(left) == 0 {
			return nil, nil
		}
		ops = left
	}
}

func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// batch sends ops as one POST /zones/{id}/dns_records/batch. The answer
// echoes every record written; nothing of it is needed, so it is taken
// raw rather than decoded through the SDK's record unions, which would
// cost more CPU than the rest of the apply (see listRecords).
func (a *applier) batch(ctx context.Context, ops []op) error {
	params, err := batchParams(a.zi.id, ops)
	if err != nil {
		return err
	}
	var raw []byte
	if _, err := a.p.c.records.Batch(ctx, params, option.WithResponseBodyInto(&raw)); err != nil {
		err = apiError(err)
		if zoneGone(err) {
			a.p.markGone(a.zi)
		}
		return fmt.Errorf("batch of %d: %w", len(ops), err)
	}
	return nil
}

// batchParams is the batch request for ops. The SDK's typed unions need
// one Go type per record type for puts and posts; the bodies are sent raw
// instead (cloudflare.Raw), as toBody builds them for every type.
func batchParams(zoneID string, ops []op) (dns.RecordBatchParams, error) {
	var dels []dns.RecordBatchParamsDelete
	var puts, posts []body
	for _, o := range ops {
		switch o.kind {
		case "delete":
			dels = append(dels, dns.RecordBatchParamsDelete{ID: cf.F(o.id)})
		case "update":
			puts = append(puts, o.body)
		case "create":
			posts = append(posts, o.body)
		}
	}
	params := dns.RecordBatchParams{ZoneID: cf.F(zoneID)}
	if len(dels) > 0 {
		params.Deletes = cf.F(dels)
	}
	if len(puts) > 0 {
		raw, err := json.Marshal(puts)
		if err != nil {
			return params, err
		}
		params.Puts = cf.Raw[[]dns.BatchPutUnionParam](json.RawMessage(raw))
	}
	if len(posts) > 0 {
		raw, err := json.Marshal(posts)
		if err != nil {
			return params, err
		}
		params.Posts = cf.Raw[[]dns.RecordBatchParamsPostUnion](json.RawMessage(raw))
	}
	return params, nil
}

// residual returns the operations of ops whose effect is not in the zone
// now: deletes whose record still exists, updates whose record differs
// from the desired one, creates with no matching record.
func (a *applier) residual(ctx context.Context, ops []op) ([]op, error) {
	have, err := a.p.records(ctx, a.zi)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]reconcile.Record, len(have))
	type ident struct{ name, typ, value, file string }
	present := map[ident]bool{}
	for _, r := range have {
		byID[r.ID] = r
		present[ident{r.Name, r.Type, r.Value, r.File}] = true
	}
	var left []op
	for _, o := range ops {
		switch o.kind {
		case "delete":
			if _, ok := byID[o.id]; !ok {
				continue
			}
		case "update":
			if cur, ok := byID[o.id]; ok && same(cur, o.rec) {
				continue
			}
		case "create":
			if present[ident{o.rec.Name, o.rec.Type, o.rec.Value, o.rec.File}] {
				continue
			}
		}
		left = append(left, o)
	}
	return left, nil
}

// same reports whether actual a is desired d in everything Cloudflare
// stores.
func same(a, d reconcile.Record) bool {
	return a.Name == d.Name && a.Type == d.Type && a.Value == d.Value && a.TTL == d.TTL &&
		a.AutoTTL == d.AutoTTL && a.Proxied == d.Proxied && a.File == d.File && a.Comment == d.Comment &&
		a.Tags == d.Tags
}
