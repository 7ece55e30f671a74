package incremental

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// State is what the reconciler remembers between runs: the last revision
// it applied, and the zones of that run (or earlier ones) that failed and
// must be retried. Together they say, per zone, what was applied
// completely: every zone not in Failed is at Revision.
type State struct {
	Revision string            `json:"revision"`
	Failed   map[string]string `json:"failed,omitempty"` // zone → the error it last failed with
	Updated  time.Time         `json:"updated"`
}

// LoadState reads the state file at path; a missing file is the zero State.
func LoadState(path string) (State, error) {
	data, err := os.ReadFile(path)
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
	n := State{Revision: rev, Failed: map[string]string{}, Updated: now.UTC()}
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

// Save writes s to path atomically: a temporary file in the same
// directory, synced, then renamed over path, so a crash leaves either the
// old state or the new one, never a torn file.
func (s State) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	f, err := os.CreateTemp(dir, ".state-*.tmp")
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("saving state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("saving state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	return nil
}
