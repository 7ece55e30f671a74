package cftest_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// specPath is the DNS subset of Cloudflare's OpenAPI description; testdata/README.md says where it comes from.
const specPath = "testdata/cloudflare-openapi-dns.json"

// spec is a loaded OpenAPI document with a JSON Schema validator for the subset of keywords the file uses:
// $ref, allOf, anyOf, oneOf, properties, required, additionalProperties, type, nullable, enum, items,
// minimum, maximum, minLength, maxLength, pattern, uniqueItems and the formats date-time, hostname, ipv4,
// ipv6. Keywords it does not know are ignored, as JSON Schema says annotations should be.
type spec struct {
	root map[string]any
}

func loadSpec() (*spec, error) {
	b, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", specPath, err)
	}
	return &spec{root: root}, nil
}

// pointer resolves a local JSON pointer such as #/components/schemas/x.
func (s *spec) pointer(ref string) (any, error) {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("non-local $ref %q", ref)
	}
	var cur any = s.root
	for _, tok := range strings.Split(p, "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return cur, nil
}

// responseSchema returns the schema for a response to method on the spec path template (e.g.
// /zones/{zone_id}) with the given status, trying the exact status, then 4XX/4xx-style ranges.
func (s *spec) responseSchema(pathTmpl, method string, status int) (any, error) {
	item, err := s.pointer("#/paths/" + strings.ReplaceAll(pathTmpl, "/", "~1"))
	if err != nil {
		return nil, err
	}
	op, ok := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no %s %s in spec", method, pathTmpl)
	}
	resps := op["responses"].(map[string]any)
	for _, k := range []string{fmt.Sprint(status), fmt.Sprintf("%dXX", status/100), fmt.Sprintf("%dxx", status/100), "default"} {
		if r, ok := resps[k].(map[string]any); ok {
			return r["content"].(map[string]any)["application/json"].(map[string]any)["schema"], nil
		}
	}
	return nil, fmt.Errorf("no response %d for %s %s", status, method, pathTmpl)
}

// validate returns every violation of schema by v (decoded with encoding/json), each prefixed by its
// location in v.
func (s *spec) validate(schema, v any, at string) []string {
	sc, ok := schema.(map[string]any)
	if !ok {
		return nil // true schema, e.g. "items": {}
	}
	if ref, ok := sc["$ref"].(string); ok {
		target, err := s.pointer(ref)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		return s.validate(target, v, at)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }

	for _, sub := range list(sc["allOf"]) {
		errs = append(errs, s.validate(sub, v, at)...)
	}
	if subs := list(sc["anyOf"]); len(subs) > 0 {
		var all []string
		ok := false
		for _, sub := range subs {
			e := s.validate(sub, v, at)
			if len(e) == 0 {
				ok = true
				break
			}
			all = append(all, e...)
		}
		if !ok {
			fail("matches none of anyOf: %s", strings.Join(all, "; "))
		}
	}
	if subs := list(sc["oneOf"]); len(subs) > 0 {
		n := 0
		var all []string
		for _, sub := range subs {
			if e := s.validate(sub, v, at); len(e) == 0 {
				n++
			} else if len(all) < 3 {
				all = append(all, e...)
			}
		}
		if n != 1 {
			fail("matches %d of oneOf, want exactly 1 (first mismatches: %s)", n, strings.Join(all, "; "))
		}
	}
	if enum, ok := sc["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if reflect.DeepEqual(e, v) {
				found = true
			}
		}
		if !found {
			fail("%v not in enum %v", v, enum)
		}
	}
	if v == nil {
		// OpenAPI 3.0: null is allowed only with nullable: true (or an enum containing null, checked above).
		if _, typed := sc["type"]; typed && sc["nullable"] != true {
			fail("null, but not nullable")
		}
		return errs
	}
	if typ, ok := sc["type"].(string); ok && !hasType(v, typ) {
		fail("%s, want type %s", describe(v), typ)
		return errs
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := sc["properties"].(map[string]any)
		for _, r := range list(sc["required"]) {
			if _, ok := x[r.(string)]; !ok {
				fail("missing required property %q", r)
			}
		}
		for k, pv := range x {
			if ps, ok := props[k]; ok {
				errs = append(errs, s.validate(ps, pv, at+"."+k)...)
			} else if sc["additionalProperties"] == false {
				fail("property %q not allowed", k)
			} else if ap, ok := sc["additionalProperties"].(map[string]any); ok {
				errs = append(errs, s.validate(ap, pv, at+"."+k)...)
			}
		}
	case []any:
		if items, ok := sc["items"]; ok {
			for i, e := range x {
				errs = append(errs, s.validate(items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
		if sc["uniqueItems"] == true {
			for i := range x {
				for j := i + 1; j < len(x); j++ {
					if reflect.DeepEqual(x[i], x[j]) {
						fail("items %d and %d are equal", i, j)
					}
				}
			}
		}
	case float64:
		if m, ok := sc["minimum"].(float64); ok && x < m {
			fail("%v below minimum %v", x, m)
		}
		if m, ok := sc["maximum"].(float64); ok && x > m {
			fail("%v above maximum %v", x, m)
		}
	case string:
		n := float64(len([]rune(x)))
		if m, ok := sc["minLength"].(float64); ok && n < m {
			fail("length %v below minLength %v", n, m)
		}
		if m, ok := sc["maxLength"].(float64); ok && n > m {
			fail("length %v above maxLength %v", n, m)
		}
		if p, ok := sc["pattern"].(string); ok {
			if re, err := regexp.Compile(p); err != nil {
				fail("bad pattern %q: %v", p, err)
			} else if !re.MatchString(x) {
				fail("%q does not match pattern %q", x, p)
			}
		}
		if f, ok := sc["format"].(string); ok {
			if err := checkFormat(f, x); err != nil {
				fail("%q is not a valid %s: %v", x, f, err)
			}
		}
	}
	return errs
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := v.(bool)
		return ok
	}
	return true
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return fmt.Sprintf("string %q", v)
	case float64:
		return fmt.Sprintf("number %v", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	}
	return fmt.Sprintf("%T", v)
}

var hostnameRE = regexp.MustCompile(`^(?i:[a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9])?)(\.(?i:[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?))*$`)

func checkFormat(format, s string) error {
	switch format {
	case "date-time":
		_, err := time.Parse(time.RFC3339Nano, s)
		return err
	case "hostname":
		if len(s) > 253 || !hostnameRE.MatchString(s) {
			return fmt.Errorf("not a host name")
		}
	case "ipv4":
		if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
			return fmt.Errorf("not IPv4")
		}
	case "ipv6":
		if ip := net.ParseIP(s); ip == nil || ip.To4() != nil {
			return fmt.Errorf("not IPv6")
		}
	}
	return nil
}
