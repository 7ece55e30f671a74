package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoneward/zoneward/cmd/zonegen/estate"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
	"github.com/zoneward/zoneward/reconcile/incremental"
)

// estates caches generated repositories across benchmarks of one run:
// generating 10,000 zones takes longer than planning them. TestMain
// removes them.
var estates sync.Map // size → *estate.Estate

func TestMain(m *testing.M) {
	// Every test on Cloudflare talks to a cftest server with its default
	// token; set once here rather than per test with t.Setenv, which a
	// parallel test may not call.
	os.Setenv("CLOUDFLARE_API_TOKEN", cftest.DefaultToken)
	code := m.Run()
	estates.Range(func(_, e any) bool {
		os.RemoveAll(e.(*estate.Estate).Dir)
		return true
	})
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

func benchEstate(b *testing.B, zones int, applied bool) *estate.Estate {
	b.Helper()
	key := fmt.Sprintf("%d/%v", zones, applied)
	if e, ok := estates.Load(key); ok {
		return e.(*estate.Estate)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("zoneward-bench-%d-%d-%v", os.Getpid(), zones, applied))
	os.RemoveAll(dir)
	e, err := estate.Generate(dir, estate.Options{Zones: zones, Records: 20, Seed: 1, CompanyZones: zones / 1000, RevokedTenants: zones / 500})
	if err != nil {
		b.Fatal(err)
	}
	if applied {
		r, err := newRunner(dir, "main")
		if err != nil {
			b.Fatal(err)
		}
		out, err := r.run(context.Background(), runOptions{rev: "main", apply: true, force: true})
		if err != nil || out.result.Err() != nil {
			b.Fatalf("apply: %v %v", err, out.result.Err())
		}
	}
	estates.Store(key, e)
	return e
}

// BenchmarkLoad measures loading and validating a repository: parse every
// zone file, CODEOWNERS and zoneward.yaml, and decide every grant.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, src := range []string{"worktree", "git"} {
			b.Run(fmt.Sprintf("zones=%d/%s", n, src), func(b *testing.B) {
				e := benchEstate(b, n, false)
				g := &globals{repo: e.Dir}
				if src == "git" {
					g.rev = "main"
				}
				b.ResetTimer()
				for b.Loop() {
					l, err := load(context.Background(), g, nil)
					if err != nil {
						b.Fatal(err)
					}
					if len(l.repo.Errs) > 0 {
						b.Fatalf("estate has errors: %v", l.repo.Errs[0])
					}
					l.close()
				}
				b.ReportMetric(float64(n), "zones")
			})
		}
	}
}

// BenchmarkPlanZonefile measures a whole no-change plan against the
// zonefile provider as the CLI runs one: a new runner (nothing cached),
// load, validate, grants, desired state, read every zone file, diff.
// BenchmarkPlanZonefileWarm is the same plan run again by one runner, as
// the daemon runs its sweeps: unchanged files come from its parse cache.
func BenchmarkPlanZonefile(b *testing.B) { benchPlanZonefile(b, false) }

func BenchmarkPlanZonefileWarm(b *testing.B) { benchPlanZonefile(b, true) }

func benchPlanZonefile(b *testing.B, warm bool) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) {
			e := benchEstate(b, n, true)
			r, err := newRunner(e.Dir, "main")
			if err != nil {
				b.Fatal(err)
			}
			if warm {
				if _, err := r.run(context.Background(), runOptions{rev: "main"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if !warm {
					if r, err = newRunner(e.Dir, "main"); err != nil {
						b.Fatal(err)
					}
				}
				out, err := r.run(context.Background(), runOptions{rev: "main"})
				if err != nil {
					b.Fatal(err)
				}
				if out.plan.HasChanges() {
					b.Fatal("a plan right after apply has changes")
				}
			}
			b.ReportMetric(float64(n), "zones")
		})
	}
}

// BenchmarkAffected measures the affected-zone computation between two
// commits of a 10,000-zone repository: a one-zone change, and a tenant's
// revocation through CODEOWNERS. The figure zones/op is the scope found.
func BenchmarkAffected(b *testing.B) {
	for _, kind := range []string{"one-zone-change", "revoke-tenant"} {
		b.Run(kind, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "estate")
			e, err := estate.Generate(dir, estate.Options{Zones: 10000, Records: 20, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			base := e.Head().String()
			if kind == "one-zone-change" {
				err = e.ChangeOneZone(42)
			} else {
				err = e.RevokeTenant(7)
			}
			if err != nil {
				b.Fatal(err)
			}
			head := e.Head().String()
			l, err := load(context.Background(), &globals{repo: dir, rev: head}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer l.close()
			var zones int
			b.ResetTimer()
			for b.Loop() {
				s, err := incremental.Affected(context.Background(), dir, base, head, l.repo)
				if err != nil || s.Full {
					b.Fatalf("%+v %v", s, err)
				}
				zones = len(s.Zones)
			}
			b.ReportMetric(float64(zones), "zones/op")
		})
	}
}

// cfBench is a Cloudflare estate: a zones repository whose zoneward.yaml
// points at an in-process Cloudflare API server.
type cfBench struct {
	srv *cftest.Server
	e   *estate.Estate
	dir string
}

// newCFBench generates zones zones and a cftest server with the given rate
// limit, and writes the provider block with extra keys (rate, workers…).
func newCFBench(b *testing.B, zones int, serverRate int, window time.Duration, extra string) *cfBench {
	b.Helper()
	srv := cftest.NewServer(cftest.WithRateLimit(serverRate, window), cftest.WithZoneCreateLimit(1_000_000, time.Minute))
	b.Cleanup(srv.Close)
	dir := filepath.Join(b.TempDir(), "estate")
	// The provider keys ride in every commit zonegen makes, so later
	// commits (ChangeOneZone, RevokeTenant) keep them.
	e, err := estate.Generate(dir, estate.Options{Zones: zones, Records: 20, Seed: 1, CompanyZones: zones / 1000,
		RevokedTenants: zones / 500, Provider: estate.ProviderCloudflare, AccountID: srv.AccountID(), BaseURL: srv.BaseURL(),
		ProviderExtra: "create_zones: true\nzone_creates: {requests: 1000000, per: 1s}\n" + extra})
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("CLOUDFLARE_API_TOKEN", cftest.DefaultToken)
	// The zones are in the account and active, as after their Domain
	// Owners pointed the nameservers: Cloudflare refuses new zones while
	// more than 50 are pending and fewer are active, so a first apply of
	// 1,000 zones created by zoneward cannot happen in one run anyway.
	for _, z := range append(e.Zones(), e.CompanyZones()...) {
		srv.AddZone(strings.TrimSuffix(z, "."))
	}
	srv.ResetLog()
	return &cfBench{srv: srv, e: e, dir: dir}
}

// fast is a provider budget far above anything here: these benchmarks
// count requests; the sweep benchmark measures pacing on its own.
const fast = "rate: {requests: 1000000, per: 1s}\n"

func (c *cfBench) runner(b *testing.B) *runner {
	b.Helper()
	r, err := newRunner(c.dir, "main")
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func (c *cfBench) apply(b *testing.B, r *runner, o runOptions) *runOutcome {
	b.Helper()
	o.apply, o.force = true, true
	if o.rev == "" {
		o.rev = "main"
	}
	out, err := r.run(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	if err := out.result.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkCloudflareOneZone: requests for a change to one zone of a
// 10,000-zone repository, planned and applied with --zone, by a fresh
// process (zone ID unknown: cold) and by a process that knows it (warm).
func BenchmarkCloudflareOneZone(b *testing.B) {
	c := newCFBench(b, 10000, 1_000_000, time.Second, fast)
	zone := c.e.Zones()[42]
	c.apply(b, c.runner(b), runOptions{zones: []string{zone}})
	warm := c.runner(b)
	c.apply(b, warm, runOptions{zones: []string{zone}})
	for _, mode := range []string{"cold", "warm"} {
		b.Run(mode, func(b *testing.B) {
			c.srv.ResetLog()
			for i := 0; b.Loop(); i++ {
				if err := c.e.ChangeOneZone(42); err != nil {
					b.Fatal(err)
				}
				r := warm
				if mode == "cold" {
					r = c.runner(b)
				}
				out := c.apply(b, r, runOptions{zones: []string{zone}})
				if c, u, d := out.plan.Changes(); c+u+d == 0 {
					b.Fatal("the change was not planned")
				}
			}
			b.ReportMetric(float64(len(c.srv.Requests()))/float64(b.N), "requests/op")
		})
	}
}

// BenchmarkCloudflareSince: requests and local time of an incremental
// apply (--since last) in a 10,000-zone repository applied before: a
// one-zone change, and a tenant revoked through CODEOWNERS.
func BenchmarkCloudflareSince(b *testing.B) {
	c := newCFBench(b, 10000, 1_000_000, time.Second, fast)
	c.apply(b, c.runner(b), runOptions{})
	for _, kind := range []string{"one-zone-change", "revoke-tenant"} {
		b.Run(kind, func(b *testing.B) {
			c.srv.ResetLog()
			tenant := 1
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				var err error
				if kind == "one-zone-change" {
					err = c.e.ChangeOneZone(100 + i)
				} else {
					for ; tenant < 1000; tenant++ {
						if err = c.e.RevokeTenant(tenant); err == nil {
							tenant++
							break
						}
					}
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c.apply(b, c.runner(b), runOptions{since: "last"})
			}
			b.ReportMetric(float64(len(c.srv.Requests()))/float64(b.N), "requests/op")
		})
	}
}

// BenchmarkCloudflareFirstApply: requests for a first apply of 1,000 new
// zones of 20 records: zones in the account and empty, every record new.
func BenchmarkCloudflareFirstApply(b *testing.B) {
	b.Run("zones=1000", func(b *testing.B) {
		var reqs int
		for b.Loop() {
			b.StopTimer()
			c := newCFBench(b, 1000, 1_000_000, time.Second, fast)
			b.StartTimer()
			c.apply(b, c.runner(b), runOptions{})
			reqs += len(c.srv.Requests())
		}
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
	})
}

// BenchmarkCloudflareNoChange: requests for a plan of 1,000 zones that
// changes nothing, by a fresh process.
func BenchmarkCloudflareNoChange(b *testing.B) {
	b.Run("zones=1000", func(b *testing.B) {
		c := newCFBench(b, 1000, 1_000_000, time.Second, fast)
		c.apply(b, c.runner(b), runOptions{})
		c.srv.ResetLog()
		for b.Loop() {
			out, err := c.runner(b).run(context.Background(), runOptions{rev: "main"})
			if err != nil {
				b.Fatal(err)
			}
			if out.plan.HasChanges() {
				b.Fatal("changes after apply")
			}
		}
		b.ReportMetric(float64(len(c.srv.Requests()))/float64(b.N), "requests/op")
	})
}

// BenchmarkCloudflareSweep: a no-change sweep of 10,000 zones under a
// request budget, scaled down in time (250 requests a second rather than
// 1,200 in 5 minutes) so it runs in about 40 s. At 500 a second the
// in-process server and the client share two cores and the sweep is bound
// by CPU (89% of the budget used), not by the budget it is meant to pace. rate-used is the
// requests actually sent per full window divided by those allowed;
// 429s counts the refusals.
func BenchmarkCloudflareSweep(b *testing.B) {
	b.Run("zones=10000", func(b *testing.B) {
		const budget, window = 250, time.Second
		c := newCFBench(b, 10000, budget, window, fmt.Sprintf("rate: {requests: %d, per: %s}\n", budget, window))
		// Seed through a provider of its own, fast, on a server that
		// allows it; then measure the sweep alone.
		c.srv.SetRateLimit(1_000_000, window)
		seed := c.runner(b)
		c.apply(b, seed, runOptions{})
		c.srv.SetRateLimit(budget, window)
		var used float64
		var n429, reqs int
		for b.Loop() {
			c.srv.ResetLog()
			c.srv.ResetArrivals()
			out, err := c.runner(b).run(context.Background(), runOptions{rev: "main", apply: true})
			if err != nil {
				b.Fatal(err)
			}
			if out.plan.HasChanges() {
				b.Fatal("changes in a no-change sweep")
			}
			counts := c.srv.WindowCounts(window)
			if len(counts) > 2 {
				counts = counts[1 : len(counts)-1] // whole windows only
			}
			sum := 0
			for _, n := range counts {
				sum += n
			}
			used = float64(sum) / float64(len(counts)) / budget
			reqs = len(c.srv.Requests())
			for _, r := range c.srv.Requests() {
				if r.Status == 429 {
					n429++
				}
			}
		}
		b.ReportMetric(float64(reqs), "requests/op")
		b.ReportMetric(used, "rate-used")
		b.ReportMetric(float64(n429), "429s")
	})
}

// BenchmarkCloudflareWorkers: wall time of a first apply of 1,000 zones
// with 1 worker and with 8, when every request takes 50 ms (a latency-bound
// budget), and the speed-up.
func BenchmarkCloudflareWorkers(b *testing.B) {
	times := map[int]time.Duration{}
	for _, w := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				c := newCFBench(b, 1000, 1_000_000, time.Second, fast+fmt.Sprintf("workers: %d\n", w))
				c.srv.SetFault(func(*http.Request) cftest.Fault { return cftest.Fault{Latency: 50 * time.Millisecond} })
				r := c.runner(b)
				b.StartTimer()
				start := time.Now()
				c.apply(b, r, runOptions{})
				total += time.Since(start)
			}
			times[w] = total / time.Duration(b.N)
		})
	}
	if times[1] > 0 && times[8] > 0 {
		b.Run("speedup", func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(float64(times[1])/float64(times[8]), "x")
		})
	}
}

// BenchmarkPlanZonefileRSS: peak resident memory of a `zoneward plan`
// process validating and planning 10,000 zones × 20 records. It reads the
// child's VmHWM from /proc while it runs: rusage's maxrss is wrong here,
// because Go starts children sharing the parent's address space until
// exec (CLONE_VM), so a child of this large test process reports the
// parent's size.
func BenchmarkPlanZonefileRSS(b *testing.B) {
	b.Run("zones=10000", func(b *testing.B) {
		e := benchEstate(b, 10000, true)
		bin := zonewardBinary(b)
		var peak int64
		for b.Loop() {
			cmd := exec.Command(bin, "plan", "--repo", e.Dir, "--rev", "main", "--detailed-exitcode")
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		poll:
			for {
				if kb := vmHWM(status); kb > peak {
					peak = kb
				}
				select {
				case err := <-done:
					if err != nil {
						b.Fatalf("zoneward plan: %v", err)
					}
					break poll
				case <-time.After(2 * time.Millisecond):
				}
			}
		}
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	})
}

// vmHWM returns the VmHWM (peak resident set, KiB) in a /proc status file,
// or 0 when the process is gone.
func vmHWM(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	return 0
}
