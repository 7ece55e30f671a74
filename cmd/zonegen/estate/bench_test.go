package estate

import (
	"path/filepath"
	"testing"
)

// BenchmarkGenerate is the scale: 10,000 zones × 20 records.
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(filepath.Join(b.TempDir(), "estate"), Options{Zones: 10000, Records: 20, Tenants: 2000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangeOneZone is the second commit on a 10,000-zone estate.
func BenchmarkChangeOneZone(b *testing.B) {
	e, err := Generate(filepath.Join(b.TempDir(), "estate"), Options{Zones: 10000, Records: 20, Tenants: 2000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if err := e.ChangeOneZone(i % 10000); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
