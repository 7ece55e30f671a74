package cloudflare

import (
	"encoding/json"
	"sync"

	cf "github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

// warmEncoders builds cloudflare-go's JSON encoders for every request body
// this package sends, once per process, before any worker runs.
//
// cloudflare-go v7.9.0's internal/apijson caches encoder functions in a
// process-wide map, and the cached closures keep the *encoder of the call
// that built them; building the encoder of a type met later (the dynamic
// type of a cloudflare.Raw field, say) writes that shared *encoder while
// other goroutines read it. Two workers sending their first batches at
// once are a data race (go test -race, cmd/zoneward
// TestCloudflareFaultsConverge). Once every type is built, encoding only
// reads. The Once guards a third-party global, so it is one too.
var warmEncoders = sync.OnceFunc(func() {
	raw := json.RawMessage(`[]`)
	_, _ = dns.RecordBatchParams{
		ZoneID:  cf.F("warm"),
		Deletes: cf.F([]dns.RecordBatchParamsDelete{{ID: cf.F("warm")}}),
		Puts:    cf.Raw[[]dns.BatchPutUnionParam](raw),
		Posts:   cf.Raw[[]dns.RecordBatchParamsPostUnion](raw),
	}.MarshalJSON()
	_, _ = dns.DNSSECEditParams{ZoneID: cf.F("warm"), Status: cf.F(dns.DNSSECEditParamsStatusActive)}.MarshalJSON()
	_, _ = zones.ZoneNewParams{
		Account: cf.F(zones.ZoneNewParamsAccount{ID: cf.F("warm")}),
		Name:    cf.F("warm.invalid"),
		Type:    cf.F(zones.TypeFull),
	}.MarshalJSON()
})
