package reconcile

import (
	"fmt"

	"github.com/zoneward/zoneward/schema"
)

// UnsafeError is a zone plan refused by the safety thresholds: it would
// update or delete too large a part of the zone at once, which is more
// often a mistake (a truncated file, a wrong revision) than an intent.
type UnsafeError struct {
	Zone       string
	Manageable int // records the zone holds that a reconciler may manage
	Updates    int
	Deletes    int
	Threshold  schema.Thresholds
}

func (e *UnsafeError) Error() string {
	var what string
	switch {
	case frac(e.Updates, e.Manageable) > e.Threshold.Update:
		what = fmt.Sprintf("update %d of %d records (%.0f%%, over the %.0f%% threshold)",
			e.Updates, e.Manageable, 100*frac(e.Updates, e.Manageable), 100*e.Threshold.Update)
	default:
		what = fmt.Sprintf("delete %d of %d records (%.0f%%, over the %.0f%% threshold)",
			e.Deletes, e.Manageable, 100*frac(e.Deletes, e.Manageable), 100*e.Threshold.Delete)
	}
	return fmt.Sprintf("zone %s: refused: the plan would %s; check the change, then apply with --force", e.Zone, what)
}

func frac(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// CheckSafe returns an *UnsafeError when zp's changes exceed th, as octoDNS
// does: zones with fewer than th.MinRecords records are never refused, and
// updates that change only zoneward's marker do not count.
func CheckSafe(zp *ZonePlan, th schema.Thresholds) *UnsafeError {
	if zp.Manageable < th.MinRecords || zp.Manageable == 0 {
		return nil
	}
	updates := 0
	for _, u := range zp.Changes.Update {
		if u.ChangesDNS() {
			updates++
		}
	}
	deletes := len(zp.Changes.Delete)
	if frac(updates, zp.Manageable) > th.Update || frac(deletes, zp.Manageable) > th.Delete {
		return &UnsafeError{Zone: zp.Zone, Manageable: zp.Manageable, Updates: updates, Deletes: deletes, Threshold: th}
	}
	return nil
}
