package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateHelp = flag.Bool("update", false, "rewrite testdata/help/*.golden")

// TestHelpGolden keeps every command's help in testdata/help, so a changed
// flag or text is reviewed like code (gopls keeps its usage the same way).
func TestHelpGolden(t *testing.T) {
	for _, cmd := range []string{"", "check", "plan", "apply", "status", "import", "serve", "audit", "version"} {
		name := cmd
		if name == "" {
			name = "zoneward"
		}
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := []string{"--help"}
			if cmd != "" {
				args = []string{cmd, "--help"}
			}
			if code := run(context.Background(), args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			path := filepath.Join("testdata", "help", name+".golden")
			if *updateHelp {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run TestHelpGolden -update creates it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("help of %s changed (review, then go test -run TestHelpGolden -update):\n%s", name, out.String())
			}
		})
	}
}
