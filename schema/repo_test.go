package schema

import (
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestLoadParallelMatchesSequential checks that Load, which parses files
// on several goroutines, returns what parsing them one by one gives.
func TestLoadParallelMatchesSequential(t *testing.T) {
	fsys := fstest.MapFS{ConfigFile: {Data: []byte("provider: {type: zonefile}\n")}}
	for i := range 200 {
		p := fmt.Sprintf("zones/z%03d.example.yaml", i)
		body := fmt.Sprintf("www: {type: A, value: 192.0.2.%d}\n", i%256)
		if i%7 == 0 {
			body += "bad: {type: A, value: nope}\n"
		}
		fsys[p] = &fstest.MapFile{Data: []byte(body)}
	}
	r, err := Load(fsys, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := walkTree(fsys)
	if err != nil {
		t.Fatal(err)
	}
	paths := zonePaths(tr)
	if len(r.Files) != len(paths) {
		t.Fatalf("%d files, want %d", len(r.Files), len(paths))
	}
	popts := ParseOptions{Policy: r.Config.Policy, Provider: r.Config.Provider.Type}
	var errs ErrorList
	for i, p := range paths {
		want := ParseFile(p, fsys[p].Data, popts)
		checkAuthority([]*File{want})
		want.Errs.Sort()
		errs = append(errs, want.Errs...)
		if !reflect.DeepEqual(r.Files[i], want) {
			t.Errorf("file %d: got %+v, want %+v", i, r.Files[i], want)
		}
	}
	if len(r.Errs) != len(errs) {
		t.Errorf("%d errors, want %d", len(r.Errs), len(errs))
	}
}

// unreadableFS fails to read the paths in bad.
type unreadableFS struct {
	fstest.MapFS
	bad map[string]bool
}

func (f unreadableFS) Open(name string) (fs.File, error) {
	if f.bad[name] {
		return nil, fmt.Errorf("disk on fire")
	}
	return f.MapFS.Open(name)
}

// TestLoadUnreadableFirstInOrder checks that, whichever worker fails
// first, Load reports the first unreadable file in path order.
func TestLoadUnreadableFirstInOrder(t *testing.T) {
	m := fstest.MapFS{ConfigFile: {Data: []byte("provider: {type: zonefile}\n")}}
	bad := map[string]bool{}
	for i := range 100 {
		p := fmt.Sprintf("zones/z%03d.example.yaml", i)
		m[p] = &fstest.MapFile{Data: []byte("www: {type: A, value: 192.0.2.1}\n")}
		if i >= 40 && i%10 == 0 {
			bad[p] = true
		}
	}
	for range 20 {
		_, err := Load(unreadableFS{m, bad}, LoadOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), "reading zones/z040.example.yaml: ") {
			t.Fatalf("err = %v, want the read error of zones/z040.example.yaml", err)
		}
	}
}
