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
PASS
`
	results, header, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if header["cpu"] != "Test CPU" || results["BenchmarkCloudflareOneZone/cold"]["requests/op"] != 3 {
		t.Fatalf("parse: %v %v", header, results)
	}
	var b bytes.Buffer
	if err := write(&b, results, header); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| Load, validate and plan 10,000 zones × 20 records against zonefile | 2.50 s | < 2 s | **missed** |",
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
