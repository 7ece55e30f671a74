package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	in := `goos: linux
goarch: amd64
cpu: Test CPU
BenchmarkPlanZonefile/zones=10000-2   1   2500000000 ns/op   10000 zones
BenchmarkCloudflareOneZone/cold-2     3   100 ns/op   3.000 requests/op
BenchmarkCloudflareOneZone/warm-2     3   100 ns/op   2.000 requests/op
BenchmarkSomethingElse-2              5   42 ns/op
BenchmarkBroken-2                     1   12 ns/op   7
BenchmarkParseFile
BenchmarkParseFile-2                  9   48170 ns/op   9000 B/op
PASS
`
	var warn bytes.Buffer
	results, header, err := parse(strings.NewReader(in), &warn)
	if err != nil {
		t.Fatal(err)
	}
	if header["cpu"] != "Test CPU" || results["BenchmarkCloudflareOneZone/cold"]["requests/op"] != 3 {
		t.Fatalf("parse: %v %v", header, results)
	}
	// Values stay in the units written (not benchfmt's tidied sec/op); -v's name-only line is no result.
	if got := results["BenchmarkParseFile"]; got["ns/op"] != 48170 || got["B/op"] != 9000 || len(got) != 2 {
		t.Errorf("BenchmarkParseFile: %v", got)
	}
	// A malformed line is reported with its line number, and is no result.
	if _, ok := results["BenchmarkBroken"]; ok || !strings.Contains(warn.String(), "stdin:8: missing units") {
		t.Errorf("malformed line: results %v, warnings %q", results["BenchmarkBroken"], warn.String())
	}
	var b bytes.Buffer
	if err := write(&b, results, header); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| Load, validate and plan 10,000 zones × 20 records against zonefile, one CLI run (nothing cached) | 2.50 s | < 2 s | **missed** |",
		"| One zone planned with --zone, zone ID not cached (cold) | 3 requests | ≤ 3 | met |",
		"| Peak RSS: validate and plan 10,000 zones × 20 records (zoneward plan process) | not measured |",
		"| BenchmarkSomethingElse | 42 ns/op |",
		"Machine: Test CPU",
		"## How the targets were reached",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchPattern(t *testing.T) {
	p := benchPattern("BenchmarkLoad/zones=1000/git")
	if p != `BenchmarkLoad$/^zones=1000$/^git` {
		t.Fatalf("pattern %q", p)
	}
	// go test splits -bench at "/" and matches each level; check the levels.
	for i, level := range strings.Split("^"+p+"$", "/") {
		name := []string{"BenchmarkLoad", "zones=1000", "git"}[i]
		if !regexp.MustCompile(level).MatchString(name) || regexp.MustCompile(level).MatchString(name+"0") {
			t.Errorf("level %q does not match exactly %q", level, name)
		}
	}
}
