package estate

import "testing"

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(b.TempDir(), Options{Zones: 10000, Records: 20, Tenants: 2000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
