package schema

import (
	"fmt"
	"path"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ConfigFile is where the Company's configuration lives in a zones repository.
const ConfigFile = "zoneward.yaml"

// Config is zoneward.yaml: the Company's provider, people and policy.
type Config struct {
	Provider ProviderConfig `yaml:"provider"`
	Company  Company        `yaml:"company"`
	Policy   Policy         `yaml:"policy"`
	GitHub   GitHub         `yaml:"github"`
	Serve    Serve          `yaml:"serve"`
	Audit    Audit          `yaml:"audit"`
}

// ProviderConfig names the provider; its other keys belong to the provider
// and are decoded by it through Decode, so schema knows no provider's options.
type ProviderConfig struct {
	Type string `yaml:"type"`
	// Name is what octoDNS records' included and excluded lists call this
	// provider; empty means Type. A repository whose octoDNS configuration
	// named the target differently ("cloudflare-prod") sets it, so those
	// lists keep their meaning.
	Name string `yaml:"name"`

	file string
	node *yaml.Node
}

// ID is the provider's name in records' octodns included and excluded
// lists: Name, or Type when Name is empty.
func (p ProviderConfig) ID() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Type
}

// Decode decodes the provider block into v, a pointer to the provider's
// options struct whose yaml tags name its keys. "type" and "name" are
// schema's and skipped. Unknown keys and wrong types are errors with
// positions.
func (p ProviderConfig) Decode(v any) error {
	if p.node == nil {
		return nil
	}
	n := *p.node
	n.Content = nil
	for i := 0; i+1 < len(p.node.Content); i += 2 {
		if k := p.node.Content[i].Value; k == "type" || k == "name" {
			continue
		}
		n.Content = append(n.Content, p.node.Content[i], p.node.Content[i+1])
	}
	errs := decodeStrict(p.file, &n, v)
	errs.Sort()
	return errs.Err()
}

// UnmarshalYAML keeps the node so that Decode can read the provider's keys.
func (p *ProviderConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			var dst *string
			switch n.Content[i].Value {
			case "type":
				dst = &p.Type
			case "name":
				dst = &p.Name
			default:
				continue
			}
			if err := n.Content[i+1].Decode(dst); err != nil {
				return err
			}
		}
	}
	p.node = n
	return nil
}

// Company lists the Company's people and the files it runs itself.
type Company struct {
	// Admins are GitHub users ("@bob") and teams ("@acme/dns-admins"). An
	// owner listed here never makes a file active: only a tenant does.
	Admins []string `yaml:"admins"`
	// Files are glob patterns (path.Match, plus "**" for any depth) of
	// files the Company runs itself; they are active without a tenant.
	Files []string `yaml:"files"`
}

// IsAdmin reports whether owner (a CODEOWNERS owner or a GitHub login,
// with or without "@") is listed in Admins. GitHub logins and team names
// are case-insensitive.
func (c Company) IsAdmin(owner string) bool {
	o := normalizeOwner(owner)
	for _, a := range c.Admins {
		if normalizeOwner(a) == o {
			return true
		}
	}
	return false
}

func normalizeOwner(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// RunsFile reports whether file matches one of Files.
func (c Company) RunsFile(file string) bool {
	for _, pat := range c.Files {
		if companyGlob(pat, file) {
			return true
		}
	}
	return false
}

// companyGlob is path.Match with "**" matching any number of path elements.
func companyGlob(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	pp := strings.Split(pattern, "/")
	np := strings.Split(name, "/")
	var match func(pp, np []string) bool
	match = func(pp, np []string) bool {
		for len(pp) > 0 {
			if pp[0] == "**" {
				for i := 0; i <= len(np); i++ {
					if match(pp[1:], np[i:]) {
						return true
					}
				}
				return false
			}
			if len(np) == 0 {
				return false
			}
			if ok, _ := path.Match(pp[0], np[0]); !ok {
				return false
			}
			pp, np = pp[1:], np[1:]
		}
		return len(np) == 0
	}
	return match(pp, np)
}

// Policy is the Company's rules for what files may contain and what a plan
// may do.
type Policy struct {
	Types      []string   `yaml:"types"` // allowed record types; empty: all supported
	TTL        TTLPolicy  `yaml:"ttl"`
	Thresholds Thresholds `yaml:"thresholds"`
	Revoked    string     `yaml:"revoked"`   // RevokedFreeze or RevokedPurge
	Unmanaged  string     `yaml:"unmanaged"` // UnmanagedKeep or UnmanagedDelete

	// The takeover guard (risk.go). Addresses is AddressesAny,
	// AddressesUnicast (the default) or AddressesPublic; files matching
	// AddressExceptions (globs, as company.files) are exempt from it.
	Addresses         string   `yaml:"addresses"`
	AddressExceptions []string `yaml:"address_exceptions"`
	// Reserved are globs over fully qualified names ("*" matches any
	// characters, dots included) that only company.files may declare.
	Reserved []string `yaml:"reserved"`
	// DenyTargets are names no record may point at, nor at any name
	// below them.
	DenyTargets []string `yaml:"deny_targets"`
	// ClaimableSuffixes are service suffixes where anyone may claim an
	// unused name; `zoneward audit` reports a target below one that does
	// not exist as claimable. Default: DefaultClaimableSuffixes.
	ClaimableSuffixes []string `yaml:"claimable_suffixes"`

	// Limits bound what one file or zone can make zoneward do (limits.go).
	Limits Limits `yaml:"limits"`

	// EscapedSemicolons is octoDNS YamlProvider's escaped_semicolons: true
	// (nil, the default) when TXT values write ";" as "\;", false for a
	// repository whose files write it bare.
	EscapedSemicolons *bool `yaml:"escaped_semicolons"`
}

// SemicolonsEscaped reports whether TXT values write ";" as "\;".
func (p Policy) SemicolonsEscaped() bool { return p.EscapedSemicolons == nil || *p.EscapedSemicolons }

// Values of Policy.Revoked and Policy.Unmanaged.
const (
	RevokedFreeze   = "freeze"
	RevokedPurge    = "purge"
	UnmanagedKeep   = "keep"
	UnmanagedDelete = "delete"
)

// Values of Policy.Addresses.
const (
	AddressesAny     = "any"     // every address a record can hold
	AddressesUnicast = "unicast" // no address that can never be a host's (the default)
	AddressesPublic  = "public"  // only addresses reachable from the Internet
)

// TTLPolicy bounds record TTLs, in seconds.
type TTLPolicy struct {
	Min     uint32 `yaml:"min"`
	Max     uint32 `yaml:"max"`
	Default uint32 `yaml:"default"`
}

// Thresholds refuse plans that would change too much of a zone at once:
// a zone with at least MinRecords records may have at most Update of them
// updated and Delete of them deleted (fractions), unless forced. octoDNS
// uses the same 30% / 10 records defaults.
type Thresholds struct {
	Update     float64 `yaml:"update"`
	Delete     float64 `yaml:"delete"`
	MinRecords int     `yaml:"min_records"`
}

// GitHub configures revocation by repository access and pull-request
// comments. Empty Repository turns remote checks off.
type GitHub struct {
	Repository string `yaml:"repository"` // "owner/name"
	TokenEnv   string `yaml:"token_env"`
	APIURL     string `yaml:"api_url"`
	// Access is the least repository role that keeps a tenant's grant
	// alive: read (the default), triage or write; none turns the check
	// off, for a public repository.
	Access string    `yaml:"access"`
	App    GitHubApp `yaml:"app"`
}

// GitHubApp authenticates as a GitHub App installation, in place of the
// token in GitHub.TokenEnv, when AppID is set.
type GitHubApp struct {
	AppID          string `yaml:"app_id"`
	InstallationID int64  `yaml:"installation_id"`
	PrivateKeyEnv  string `yaml:"private_key_env"` // the variable holding the PEM private key
}

// Serve configures the `zoneward serve` daemon.
type Serve struct {
	Listen           string `yaml:"listen"`
	Branch           string `yaml:"branch"`
	Schedule         string `yaml:"schedule"`
	AuditSchedule    string `yaml:"audit_schedule"` // the takeover audit's, as Schedule; "" (the default) runs none
	WebhookSecretEnv string `yaml:"webhook_secret_env"`
	Remote           string `yaml:"remote"`
	MetricsListen    string `yaml:"metrics_listen"` // serve /metrics here, not on Listen, when set
	StateFile        string `yaml:"state_file"`
}

// Audit configures `zoneward audit`, the takeover audit.
type Audit struct {
	// Resolver lists recursive resolvers ("192.0.2.53" or
	// "192.0.2.53:5353", IP addresses: a resolver's own name would need a
	// resolver), asked in order. Empty means the system's, from
	// /etc/resolv.conf.
	Resolver []string `yaml:"resolver"`
	// Timeout bounds one DNS exchange; 0 means dnsquery's default.
	Timeout time.Duration `yaml:"timeout"`
	// Concurrency bounds the names resolved at once; 0 means dnsquery's
	// default.
	Concurrency int `yaml:"concurrency"`
	// IssueLabel marks the issues `audit --issues` keeps. Only users with
	// triage access can label an issue, so a tenant cannot plant one.
	IssueLabel string `yaml:"issue_label"`
}

// DefaultConfig returns the configuration that applies where zoneward.yaml
// is silent.
func DefaultConfig() Config {
	return Config{
		Provider: ProviderConfig{Type: "zonefile"},
		Policy: Policy{
			TTL:        TTLPolicy{Min: 60, Max: 86400, Default: 3600},
			Thresholds: Thresholds{Update: 0.3, Delete: 0.3, MinRecords: 10},
			Revoked:    RevokedFreeze,
			Unmanaged:  UnmanagedKeep,

			Addresses:         AddressesUnicast,
			ClaimableSuffixes: DefaultClaimableSuffixes(),
			Limits:            DefaultLimits(),
		},
		Audit:  Audit{IssueLabel: "zoneward-audit"},
		GitHub: GitHub{TokenEnv: "GITHUB_TOKEN", Access: "read"},
		// No scheduled audit by default: it sends DNS queries to
		// audit.resolver from wherever the daemon runs and, with the
		// github block, writes issues; an operator turns that on knowingly,
		// and not while a scheduled workflow audits the same repository.
		Serve: Serve{
			Listen:           ":8080",
			Branch:           "main",
			Schedule:         "@every 15m",
			WebhookSecretEnv: "ZONEWARD_WEBHOOK_SECRET",
			StateFile:        ".zoneward/state.json",
		},
	}
}

// ParseConfig parses zoneward.yaml. Keys it does not know are errors, so
// that a misspelt policy never silently falls back to a default.
func ParseConfig(data []byte) (Config, ErrorList) {
	cfg := DefaultConfig()
	n, errs := parseYAML(ConfigFile, data)
	if errs != nil {
		return cfg, errs
	}
	if n.Kind != yaml.MappingNode {
		return cfg, ErrorList{Errorf(nodePos(ConfigFile, n), "zoneward.yaml must be a mapping of provider, company, policy, github, serve and audit")}
	}
	errs = decodeStrict(ConfigFile, n, &cfg)
	cfg.Provider.file = ConfigFile
	errs = append(errs, cfg.check(n)...)
	errs.Sort()
	return cfg, errs
}

// check validates values that decoding alone cannot, pointing at the key.
func (c *Config) check(root *yaml.Node) ErrorList {
	var errs ErrorList
	at := func(keys ...string) Pos {
		n := root
		for _, k := range keys {
			next := lookup(n, k)
			if next == nil {
				break
			}
			n = next
		}
		return nodePos(ConfigFile, n)
	}
	if c.Provider.Type == "" {
		errs.Add(at("provider"), "provider.type is required (zonefile or cloudflare)")
	}
	if i := nonPrintable(c.Provider.Name); i >= 0 {
		errs.Add(at("provider", "name"), "provider.name has character %q; write the name the octoDNS configuration gave the provider", charAt(c.Provider.Name, i))
	}
	switch c.Policy.Revoked {
	case RevokedFreeze, RevokedPurge:
	default:
		errs.Add(at("policy", "revoked"), "policy.revoked is %q; use freeze or purge", c.Policy.Revoked)
	}
	switch c.Policy.Unmanaged {
	case UnmanagedKeep, UnmanagedDelete:
	default:
		errs.Add(at("policy", "unmanaged"), "policy.unmanaged is %q; use keep or delete", c.Policy.Unmanaged)
	}
	t := c.Policy.TTL
	if t.Min > t.Max {
		errs.Add(at("policy", "ttl"), "policy.ttl.min (%d) is above policy.ttl.max (%d)", t.Min, t.Max)
	} else if t.Default < t.Min || t.Default > t.Max {
		errs.Add(at("policy", "ttl", "default"), "policy.ttl.default (%d) is outside %d..%d", t.Default, t.Min, t.Max)
	}
	l := c.Policy.Limits
	for _, k := range []struct {
		key     string
		v, max  int
		meaning string
	}{
		{"file_bytes", l.FileBytes, MaxFileBytes, "bytes"},
		{"records_per_file", l.RecordsPerFile, MaxRecordsPerFile, "records"},
		{"records_per_zone", l.RecordsPerZone, MaxRecordsPerZone, "records"},
	} {
		if k.v < 1 || k.v > k.max {
			errs.Add(at("policy", "limits", k.key), "policy.limits.%s is %d; use a number of %s from 1 to %d", k.key, k.v, k.meaning, k.max)
		}
	}
	th := c.Policy.Thresholds
	if th.Update < 0 || th.Update > 1 {
		errs.Add(at("policy", "thresholds", "update"), "policy.thresholds.update is %v; use a fraction from 0 to 1 (0.3 is 30%%)", th.Update)
	}
	if th.Delete < 0 || th.Delete > 1 {
		errs.Add(at("policy", "thresholds", "delete"), "policy.thresholds.delete is %v; use a fraction from 0 to 1 (0.3 is 30%%)", th.Delete)
	}
	for i, ty := range c.Policy.Types {
		if !KnownType(strings.ToUpper(ty)) {
			errs.Add(at("policy", "types"), "policy.types[%d]: unknown record type %q (supported: %s)", i, ty, strings.Join(Types, ", "))
		}
	}
	for i, pat := range c.Company.Files {
		if _, err := path.Match(strings.ReplaceAll(pat, "**", "x"), ""); err != nil {
			errs.Add(at("company", "files"), "company.files[%d]: bad pattern %q: %v", i, pat, err)
		}
	}
	for i, a := range c.Company.Admins {
		if !strings.HasPrefix(a, "@") {
			errs.Add(at("company", "admins"), "company.admins[%d]: %q is not a GitHub user or team; write it as in CODEOWNERS (\"@login\" or \"@org/team\")", i, a)
		}
	}
	errs = append(errs, c.checkGuard(at)...)
	switch c.GitHub.Access {
	case "read", "triage", "write", "none":
	default:
		errs.Add(at("github", "access"), "github.access is %q; use read, triage or write (the least role that keeps a tenant's grant), or none", c.GitHub.Access)
	}
	if a := c.GitHub.App; a != (GitHubApp{}) && (a.AppID == "" || a.InstallationID <= 0 || a.PrivateKeyEnv == "") {
		errs.Add(at("github", "app"), "github.app needs app_id, installation_id and private_key_env")
	}
	for _, k := range []struct{ key, v string }{{"schedule", c.Serve.Schedule}, {"audit_schedule", c.Serve.AuditSchedule}} {
		if k.v == "" {
			continue
		}
		if _, err := parseDurationOrCron(k.v); err != nil {
			errs.Add(at("serve", k.key), "serve.%s %q: %v", k.key, k.v, err)
		}
	}
	return errs
}

// parseDurationOrCron accepts the forms robfig/cron's parser takes; only
// "@every" durations are checked here, the rest by the daemon.
func parseDurationOrCron(s string) (time.Duration, error) {
	if d, ok := strings.CutPrefix(s, "@every "); ok {
		dur, err := time.ParseDuration(d)
		if err != nil {
			return 0, fmt.Errorf("bad duration: %w", err)
		}
		return dur, nil
	}
	return 0, nil
}

func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
