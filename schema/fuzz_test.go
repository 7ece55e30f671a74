package schema

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseFile checks that no input makes ParseFile panic and that every
// error it reports has a position a user can go to.
func FuzzParseFile(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("zones/example.com.yaml", data)
	}
	for _, tc := range parseCases {
		p := tc.path
		if p == "" {
			p = "zones/example.com.yaml"
		}
		f.Add(p, []byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		file := ParseFile(path, data, ParseOptions{Policy: DefaultConfig().Policy})
		for _, e := range file.Errs {
			if e.Line <= 0 || e.File != path {
				t.Errorf("error without position: %#v", e)
			}
		}
		if len(file.Errs) == 0 {
			if _, err := Encode(file.Origin, file.Records); err != nil {
				t.Errorf("valid file does not encode: %v", err)
			}
		}
		checkAuthority([]*File{file})
	})
}
