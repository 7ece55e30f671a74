package schema

import (
	"strings"
	"testing"
)

func TestConfigGitHubAccessAndApp(t *testing.T) {
	base := "provider: {type: zonefile}\n"
	cfg, errs := ParseConfig([]byte(base))
	if errs.Err() != nil || cfg.GitHub.Access != "read" {
		t.Fatalf("default access = %q, %v; want read", cfg.GitHub.Access, errs.Err())
	}
	for _, a := range []string{"read", "triage", "write", "none"} {
		cfg, errs := ParseConfig([]byte(base + "github: {access: " + a + "}\n"))
		if errs.Err() != nil || cfg.GitHub.Access != a {
			t.Errorf("access %s: %q, %v", a, cfg.GitHub.Access, errs.Err())
		}
	}
	for in, want := range map[string]string{
		"github: {access: admin}\n":     `zoneward.yaml:2:18: github.access is "admin"`,
		"github: {app: {app_id: 12}}\n": "zoneward.yaml:2:15: github.app needs app_id, installation_id and private_key_env",
		"github: {app: {app_id: 12, installation_id: 3, private_key_env: K, extra: 1}}\n": "extra",
	} {
		_, errs := ParseConfig([]byte(base + in))
		if errs.Err() == nil || !strings.Contains(errs.Err().Error(), want) {
			t.Errorf("%q: %v, want %q", in, errs.Err(), want)
		}
	}
	cfg, errs = ParseConfig([]byte(base + "github: {app: {app_id: 12, installation_id: 3, private_key_env: K}}\nserve: {metrics_listen: '127.0.0.1:9090'}\n"))
	if errs.Err() != nil || cfg.GitHub.App != (GitHubApp{AppID: "12", InstallationID: 3, PrivateKeyEnv: "K"}) || cfg.Serve.MetricsListen != "127.0.0.1:9090" {
		t.Errorf("app and metrics_listen: %+v %+v, %v", cfg.GitHub.App, cfg.Serve, errs.Err())
	}
}
