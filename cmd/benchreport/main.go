// Command benchreport turns `go test -bench` output into BENCHMARKS.md:
// each figure zoneward is measured by, with its target, whether it is
// met, the machine it ran on and the command that reproduces it.
//
//	go test -run '^$' -bench . ./... | go run ./cmd/benchreport -o BENCHMARKS.md
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
)

// figure is one row of the report: a metric of one benchmark.
type figure struct {
	title  string
	bench  string  // benchmark name with sub-benchmarks, without the -GOMAXPROCS suffix
	pkg    string  // package path, for the reproduce command
	unit   string  // "ns/op" or a custom metric
	scale  float64 // multiply the value by this
	shown  string  // unit shown
	target string
	met    func(v float64) bool // nil: no target
}

var figures = []figure{
	{title: "Load and validate 1,000 zones × 20 records (working tree)", bench: "BenchmarkLoad/zones=1000/worktree", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Load and validate 10,000 zones × 20 records (working tree)", bench: "BenchmarkLoad/zones=10000/worktree", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Load and validate 1,000 zones (Git revision)", bench: "BenchmarkLoad/zones=1000/git", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Load and validate 10,000 zones (Git revision)", bench: "BenchmarkLoad/zones=10000/git", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Load, validate and plan 1,000 zones against zonefile (no changes)", bench: "BenchmarkPlanZonefile/zones=1000", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Load, validate and plan 10,000 zones × 20 records against zonefile, one CLI run (nothing cached)", bench: "BenchmarkPlanZonefile/zones=10000", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s",
		target: "< 2 s", met: func(v float64) bool { return v < 2 }},
	{title: "The same plan again in one process, as the daemon sweeps (unchanged files from the parse cache)", bench: "BenchmarkPlanZonefileWarm/zones=10000", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s",
		target: "< 2 s", met: func(v float64) bool { return v < 2 }},
	{title: "Peak RSS: validate and plan 10,000 zones × 20 records (zoneward plan process)", bench: "BenchmarkPlanZonefileRSS/zones=10000", pkg: "./cmd/zoneward", unit: "peak-RSS-MiB", scale: 1, shown: "MiB",
		target: "< 512 MiB", met: func(v float64) bool { return v < 512 }},
	{title: "Affected zones between two commits, one-zone change (10,000 zones)", bench: "BenchmarkAffected/one-zone-change", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Affected zones between two commits, tenant revoked (10,000 zones)", bench: "BenchmarkAffected/revoke-tenant", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "One-zone change in 10,000 zones (--since): local work", bench: "BenchmarkCloudflareSince/one-zone-change", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s",
		target: "< 2 s", met: func(v float64) bool { return v < 2 }},
	{title: "One-zone change in 10,000 zones (--since): provider requests", bench: "BenchmarkCloudflareSince/one-zone-change", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests",
		target: "≤ 3", met: func(v float64) bool { return v <= 3 }},
	{title: "Revoking one tenant in 10,000 zones (--since): provider requests", bench: "BenchmarkCloudflareSince/revoke-tenant", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests"},
	{title: "One zone planned with --zone, zone ID not cached (cold)", bench: "BenchmarkCloudflareOneZone/cold", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests",
		target: "≤ 3", met: func(v float64) bool { return v <= 3 }},
	{title: "One zone planned with --zone, zone ID cached (warm)", bench: "BenchmarkCloudflareOneZone/warm", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests",
		target: "≤ 2", met: func(v float64) bool { return v <= 2 }},
	{title: "First apply of 1,000 new zones × 20 records: provider requests", bench: "BenchmarkCloudflareFirstApply/zones=1000", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests"},
	{title: "No-change plan of 1,000 zones: provider requests", bench: "BenchmarkCloudflareNoChange/zones=1000", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests"},
	{title: "No-change sweep of 10,000 zones: provider requests", bench: "BenchmarkCloudflareSweep/zones=10000", pkg: "./cmd/zoneward", unit: "requests/op", scale: 1, shown: "requests"},
	{title: "Sweep: requests per window used ÷ allowed", bench: "BenchmarkCloudflareSweep/zones=10000", pkg: "./cmd/zoneward", unit: "rate-used", scale: 100, shown: "%",
		target: "≥ 90%", met: func(v float64) bool { return v >= 90 }},
	{title: "Sweep: 429 responses", bench: "BenchmarkCloudflareSweep/zones=10000", pkg: "./cmd/zoneward", unit: "429s", scale: 1, shown: "",
		target: "0", met: func(v float64) bool { return v == 0 }},
	{title: "Apply 1,000 zones, 1 worker, 50 ms latency (wall time)", bench: "BenchmarkCloudflareWorkers/workers=1", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Apply 1,000 zones, 8 workers, 50 ms latency (wall time)", bench: "BenchmarkCloudflareWorkers/workers=8", pkg: "./cmd/zoneward", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Speed-up of 8 workers over 1", bench: "BenchmarkCloudflareWorkers/speedup", pkg: "./cmd/zoneward", unit: "x", scale: 1, shown: "×",
		target: "≥ 5×", met: func(v float64) bool { return v >= 5 }},
	{title: "Parse one zone file of 20 records", bench: "BenchmarkParseFile", pkg: "./schema", unit: "ns/op", scale: 1e-3, shown: "µs"},
	{title: "Takeover audit of 10,000 zones (targets as generated, shared): wall time", bench: "BenchmarkAudit/shared-targets", pkg: "./reconcile/audit", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Takeover audit of 10,000 zones (targets as generated, shared): DNS queries", bench: "BenchmarkAudit/shared-targets", pkg: "./reconcile/audit", unit: "queries/op", scale: 1, shown: "queries"},
	{title: "Takeover audit of 10,000 zones, a distinct target per zone: wall time", bench: "BenchmarkAudit/distinct-targets", pkg: "./reconcile/audit", unit: "ns/op", scale: 1e-9, shown: "s"},
	{title: "Takeover audit of 10,000 zones, a distinct target per zone: DNS queries", bench: "BenchmarkAudit/distinct-targets", pkg: "./reconcile/audit", unit: "queries/op", scale: 1, shown: "queries"},
	{title: "rfc2136 on BIND: no-change plan of 1,000 zones, DNS messages", bench: "BenchmarkMessages/plan-1000-zones-no-change", pkg: "./reconcile/rfc2136", unit: "msgs/plan", scale: 1, shown: "messages"},
	{title: "rfc2136 on BIND: one-zone change (plan and apply), DNS messages", bench: "BenchmarkMessages/one-zone-change", pkg: "./reconcile/rfc2136", unit: "msgs/change", scale: 1, shown: "messages",
		target: "≤ 2", met: func(v float64) bool { return v <= 2 }},
}

// history explains how the targets were reached, before and after; it is
// kept here so that every `make bench` writes it again.
//
//go:embed history.md
var history string

func main() {
	out := flag.String("o", "BENCHMARKS.md", "write the report to `FILE`")
	flag.Parse()
	results, header, err := parse(os.Stdin, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	defer f.Close()
	if err := write(f, results, header); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// parse reads `go test -bench` output (the Go benchmark format, read with
// golang.org/x/perf/benchfmt) into name → unit → value, the name without
// its -GOMAXPROCS suffix and the values in the units the benchmark
// reported (the last run of a benchmark wins), and the goos, goarch and
// cpu configuration lines. A malformed benchmark line is reported to warn
// and skipped: its figure shows as not measured.
func parse(r io.Reader, warn io.Writer) (map[string]map[string]float64, map[string]string, error) {
	results := map[string]map[string]float64{}
	header := map[string]string{}
	br := benchfmt.NewReader(r, "stdin")
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			fmt.Fprintf(warn, "benchreport: %v\n", rec)
		case *benchfmt.Result:
			for _, k := range []string{"goos", "goarch", "cpu"} {
				if v := rec.GetConfig(k); v != "" {
					header[k] = v
				}
			}
			base, parts := rec.Name.Parts()
			name := "Benchmark" + string(base)
			for _, p := range parts {
				if p[0] == '/' {
					name += string(p)
				}
			}
			vals := map[string]float64{}
			for _, v := range rec.Values {
				if v.OrigUnit != "" { // benchfmt tidies ns/op into sec/op; the figures use what was written
					vals[v.OrigUnit] = v.OrigValue
				} else {
					vals[v.Unit] = v.Value
				}
			}
			results[name] = vals
		}
	}
	return results, header, br.Err()
}

func write(w io.Writer, results map[string]map[string]float64, header map[string]string) error {
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	fmt.Fprintf(w, "# Benchmarks\n\nWritten by `make bench` on %s. Machine: %s, %d cores, %s, %s/%s, %s.\n\n",
		time.Now().UTC().Format("2006-01-02"), orDash(header["cpu"]), runtime.NumCPU(), memTotal(),
		orDash(header["goos"]), orDash(header["goarch"]), strings.TrimSpace(string(goVersion)))
	fmt.Fprintf(w, "Targets are met here, in benchmarks, never asserted as timings in tests. The machine is shared; time\nfigures vary run to run by up to about 30%%, request counts do not vary.\n\n")
	fmt.Fprintf(w, "| figure | value | target | | reproduce |\n|---|---|---|---|---|\n")
	for _, f := range figures {
		vals, ok := results[f.bench]
		v, ok2 := vals[f.unit]
		cmd := fmt.Sprintf("`go test -run '^$' -bench '^%s$' %s`", benchPattern(f.bench), f.pkg)
		if !ok || !ok2 {
			fmt.Fprintf(w, "| %s | not measured | %s | | %s |\n", f.title, orDash(f.target), cmd)
			continue
		}
		x := v * f.scale
		status := ""
		if f.met != nil {
			status = "met"
			if !f.met(x) {
				status = "**missed**"
			}
		}
		fmt.Fprintf(w, "| %s | %s %s | %s | %s | %s |\n", f.title, format(x), f.shown, orDash(f.target), status, cmd)
	}
	fmt.Fprintf(w, "\n%s", history)
	var extra []string
	for name := range results {
		known := false
		for _, f := range figures {
			known = known || f.bench == name
		}
		if !known {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		fmt.Fprintf(w, "\n## Other benchmarks\n\n| benchmark | figures |\n|---|---|\n")
		for _, name := range extra {
			var parts []string
			for _, u := range sortedUnits(results[name]) {
				parts = append(parts, format(results[name][u])+" "+u)
			}
			fmt.Fprintf(w, "| %s | %s |\n", name, strings.Join(parts, ", "))
		}
	}
	return nil
}

// benchPattern turns "BenchmarkX/a=1/b" into the -bench regexp that runs
// exactly it: each level anchored.
func benchPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return strings.Join(parts, "$/^")
}

func sortedUnits(m map[string]float64) []string {
	var out []string
	for u := range m {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

func format(v float64) string {
	switch {
	case v == float64(int64(v)):
		return strconv.FormatInt(int64(v), 10)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func memTotal() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return fmt.Sprintf("%d GiB memory", (kb+512*1024)/(1024*1024))
		}
	}
	return "memory unknown"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
