package schema

import (
	"strings"
	"testing"
)

// TestConfigServeSchedules: serve.audit_schedule takes what serve.schedule
// takes, is checked the same way, and is off unless set.
func TestConfigServeSchedules(t *testing.T) {
	base := "provider: {type: zonefile}\n"
	cfg, errs := ParseConfig([]byte(base))
	if errs.Err() != nil || cfg.Serve.Schedule != "@every 15m" || cfg.Serve.AuditSchedule != "" {
		t.Fatalf("defaults: schedule %q, audit_schedule %q, %v; want @every 15m and none", cfg.Serve.Schedule, cfg.Serve.AuditSchedule, errs.Err())
	}
	for _, v := range []string{"@every 1h", "@daily", "41 5 * * *"} {
		cfg, errs := ParseConfig([]byte(base + "serve: {audit_schedule: '" + v + "'}\n"))
		if errs.Err() != nil || cfg.Serve.AuditSchedule != v {
			t.Errorf("audit_schedule %q: %q, %v", v, cfg.Serve.AuditSchedule, errs.Err())
		}
	}
	for in, want := range map[string]string{
		"serve: {schedule: '@every soon'}\n":                               `zoneward.yaml:2:19: serve.schedule "@every soon": bad duration`,
		"serve: {audit_schedule: '@every soon'}\n":                         `zoneward.yaml:2:25: serve.audit_schedule "@every soon": bad duration`,
		"serve:\n  schedule: '@every 1h'\n  audit_schedule: '@every 1x'\n": `zoneward.yaml:4:19: serve.audit_schedule "@every 1x": bad duration`,
	} {
		_, errs := ParseConfig([]byte(base + in))
		if got := errs.Err(); got == nil || !strings.Contains(got.Error(), want) {
			t.Errorf("%q: %v, want %q", in, got, want)
		}
	}
}
