package incremental

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"

	"github.com/zoneward/zoneward/reconcile/outdir"
)

// State is what the reconciler remembers between runs: the last revision
// it applied, and the zones of that run (or earlier ones) that failed and
// must be retried. Together they say, per zone, what was applied
// completely: every zone not in Failed is at Revision.
type State struct {
	Revision string            `json:"revision"`
	Failed   map[string]string `json:"failed,omitempty"` // zone → the error it last failed with
	Updated  time.Time         `json:"updated"`
	// Delegated are the zones once seen delegated to the Company's
	// nameservers: such a zone delegated elsewhere later is withdrawn,
	// while one never delegated to them is only pending (see package
	// reconcile/delegation). Only ever grows.
	Delegated []string `json:"delegated,omitempty"`
}

// LoadState reads the state file at path; a missing file (or directory)
// is the zero State. The file and its directory are the reconciler's own
// (see package outdir): a link, on the way or at the file, is refused.
func LoadState(path string) (State, error) {
	d, err := outdir.Open(filepath.Dir(path))
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("reading state: %w", err)
	}
	defer d.Close()
	data, err := d.ReadFile(filepath.Base(path), nil)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("reading state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("%s: %w; delete it to run in full", path, err)
	}
	return s, nil
}

// Retry returns the zones to retry, sorted.
func (s State) Retry() []string {
	out := make([]string, 0, len(s.Failed))
	for z := range s.Failed {
		out = append(out, z)
	}
	sort.Strings(out)
	return out
}

// Advance returns the state after a run at rev over zones (all zones when
// full) in which failed zones failed: the others are now at rev, and
// zones that failed before and were not in this run still wait.
func (s State) Advance(rev string, zones []string, full bool, failed map[string]string, now time.Time) State {
	n := State{Revision: rev, Failed: map[string]string{}, Updated: now.UTC(), Delegated: s.Delegated}
	ran := map[string]bool{}
	for _, z := range zones {
		ran[z] = true
	}
	for z, e := range s.Failed {
		if !full && !ran[z] {
			n.Failed[z] = e
		}
	}
	for z, e := range failed {
		n.Failed[z] = e
	}
	if len(n.Failed) == 0 {
		n.Failed = nil
	}
	return n
}

// Retried returns the state after a run over zones only (named zones, or
// a sweep's batch) in which failed zones failed: the revision is not
// advanced, since the other zones were not applied; zones that failed are
// retried by the next run, and zones of the run that did not fail no
// longer are.
func (s State) Retried(zones []string, failed map[string]string, now time.Time) State {
	n := s
	n.Failed = map[string]string{}
	for z, e := range s.Failed {
		n.Failed[z] = e
	}
	for _, z := range zones {
		delete(n.Failed, z)
	}
	for z, e := range failed {
		n.Failed[z] = e
	}
	if len(n.Failed) == 0 {
		n.Failed = nil
	}
	if len(zones) > 0 {
		n.Updated = now.UTC()
	}
	return n
}

// Save writes s to path in one atomic write (outdir.Temp), so a crash
// leaves either the old state or the new one, never a torn file, and the
// new one is durable when Save returns. The directory is created when
// missing; as for LoadState, nothing is written through a link.
func (s State) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	d, err := outdir.MkdirAll(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	defer d.Close()
	if err := d.WriteFile(filepath.Base(path), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	return nil
}
