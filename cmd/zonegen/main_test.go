package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "estate")
	var out, errs bytes.Buffer
	code := run([]string{"-dir", dir, "-zones", "20", "-records", "12", "-tenants", "4", "-seed", "3",
		"-company-zones", "1", "-change-zone", "2", "-revoke-tenant", "1", "-add-zones", "2"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	// 22 tenant zones + 1 Company zone + 3 subtree files; 4 commits.
	want := regexp.MustCompile(`^zonegen: .*: 26 zone files, 288 records, 4 commits \(head [0-9a-f]{40}\) in [0-9.]+m?s\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("output %q does not match %s", out.String(), want)
	}
}

func TestRunUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no dir", []string{"-zones", "1"}, "-dir is required"},
		{"bad flag", []string{"-dir", "x", "-zones", "many"}, "invalid value"},
		{"bad option", []string{"-dir", "DIR", "-provider", "route53"}, `unknown provider "route53"`},
		{"bad zone", []string{"-dir", "DIR", "-zones", "2", "-change-zone", "5"}, "zone 5 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string(nil), tc.args...)
			for i, a := range args {
				if a == "DIR" {
					args[i] = filepath.Join(t.TempDir(), "estate")
				}
			}
			var out, errs bytes.Buffer
			if code := run(args, &out, &errs); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(errs.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", errs.String(), tc.want)
			}
		})
	}
}
