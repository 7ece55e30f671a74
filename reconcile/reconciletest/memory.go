// Package reconciletest provides an in-memory provider for testing the
// engine, and a conformance suite every real provider must pass.
package reconciletest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// Memory is a provider that keeps zones in memory. It is safe for
// concurrent use.
type Memory struct {
	Caps reconcile.Capabilities

	mu     sync.Mutex // guards the fields below
	zones  map[string][]reconcile.Record
	status map[string]reconcile.ZoneState
	fail   map[string]error
	nextID int
	writes int
}

// NewMemory returns an empty provider that can hold every schema type.
func NewMemory() *Memory {
	return &Memory{
		Caps:   reconcile.Capabilities{Name: "memory", Types: schema.Types, Proxied: true, AutoTTL: true, Comment: true},
		zones:  map[string][]reconcile.Record{},
		status: map[string]reconcile.ZoneState{},
		fail:   map[string]error{},
	}
}

// Capabilities implements reconcile.Provider.
func (m *Memory) Capabilities() reconcile.Capabilities { return m.Caps }

// Records implements reconcile.Provider.
func (m *Memory) Records(ctx context.Context, zone string) ([]reconcile.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs, ok := m.zones[zone]
	if !ok {
		return nil, reconcile.ErrZoneNotFound
	}
	return append([]reconcile.Record(nil), rs...), nil
}

// Apply implements reconcile.Provider. It fails whole, before any change,
// for a zone set to fail with FailZone.
func (m *Memory) Apply(ctx context.Context, zone string, ch reconcile.Changes) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fail[zone]; err != nil {
		return err
	}
	m.writes++
	rs := m.zones[zone]
	del := map[string]bool{}
	for _, r := range ch.Delete {
		del[r.ID] = true
	}
	upd := map[string]reconcile.Record{}
	for _, u := range ch.Update {
		if u.Old.ID == "" {
			return fmt.Errorf("update of %s without an ID", u.Old.Key())
		}
		upd[u.Old.ID] = u.New
	}
	var out []reconcile.Record
	for _, r := range rs {
		if del[r.ID] {
			delete(del, r.ID)
			continue
		}
		if n, ok := upd[r.ID]; ok {
			n.ID, n.Line = r.ID, 0
			r = n
			delete(upd, r.ID)
		}
		out = append(out, r)
	}
	if len(del) > 0 || len(upd) > 0 {
		return fmt.Errorf("zone %s: %d deletes and %d updates name unknown records", zone, len(del), len(upd))
	}
	for _, r := range ch.Create {
		m.nextID++
		r.ID, r.Line = strconv.Itoa(m.nextID), 0
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	m.zones[zone] = out
	if _, ok := m.status[zone]; !ok {
		m.status[zone] = reconcile.ZoneActive
	}
	return nil
}

// ZoneStatus implements reconcile.Statuser.
func (m *Memory) ZoneStatus(ctx context.Context, zone string) (reconcile.ZoneStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.status[zone]
	if !ok {
		st = reconcile.ZoneMissing
	}
	return reconcile.ZoneStatus{State: st, Nameservers: []string{"ns1.memory.test.", "ns2.memory.test."}}, nil
}

// Add places records in zone as if written by hand (or by an earlier run,
// when they carry a File marker).
func (m *Memory) Add(zone string, rs ...reconcile.Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		m.nextID++
		r.ID = strconv.Itoa(m.nextID)
		m.zones[zone] = append(m.zones[zone], r)
	}
	if _, ok := m.status[zone]; !ok {
		m.status[zone] = reconcile.ZoneActive
	}
}

// SetState sets a zone's lifecycle state.
func (m *Memory) SetState(zone string, st reconcile.ZoneState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status[zone] = st
}

// FailZone makes every Apply to zone fail with err (nil to heal it).
func (m *Memory) FailZone(zone string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail[zone] = err
}

// Writes counts successful Apply calls.
func (m *Memory) Writes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writes
}

// Zone returns a copy of zone's records.
func (m *Memory) Zone(zone string) []reconcile.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]reconcile.Record(nil), m.zones[zone]...)
}
