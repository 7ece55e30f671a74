package zonefile

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// TestDirSyncer checks group commit: every sync returns nil only after an
// fsync that started after the caller registered its rename succeeded,
// and fewer fsyncs run than callers.
func TestDirSyncer(t *testing.T) {
	const callers = 200
	var (
		mu      sync.Mutex
		renamed = make(map[int]bool) // callers whose rename is done
		covered = make(map[int]bool) // callers a successful fsync covered
		calls   int
	)
	var d dirSyncer
	fail := errors.New("injected fsync failure")
	d.fsync = func(string) error {
		mu.Lock()
		calls++
		n := calls
		started := make([]int, 0, len(renamed))
		for i := range renamed {
			started = append(started, i)
		}
		mu.Unlock()
		time.Sleep(100 * time.Microsecond) // a journal commit, so that callers pile up
		if n%7 == 1 {
			return fail // the first and every seventh fsync fail
		}
		mu.Lock()
		for _, i := range started {
			covered[i] = true
		}
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			mu.Lock()
			renamed[i] = true
			mu.Unlock()
			err := d.sync("dir")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, fail):
			case err != nil:
				t.Errorf("caller %d: %v", i, err)
			case !covered[i]:
				t.Errorf("caller %d: sync returned before an fsync after its rename succeeded", i)
			}
		})
	}
	wg.Wait()
	t.Logf("%d callers, %d fsyncs", callers, calls)
	if calls >= callers {
		t.Errorf("%d fsyncs for %d callers: none shared", calls, callers)
	}
}
