package cftest_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specPath is the DNS subset of Cloudflare's OpenAPI description; testdata/README.md says where it comes from.
const specPath = "testdata/cloudflare-openapi-dns.json"

// specURL names the document for the validator's $ref resolution. Every $ref in it is local ("#/…"), and
// loadSpec installs no loader, so nothing is ever fetched.
const specURL = "https://api.cloudflare.com/openapi/cloudflare-openapi-dns.json"

// spec is the OpenAPI document with a JSON Schema validator (github.com/santhosh-tekuri/jsonschema) for the
// schemas in it. OpenAPI 3.0's Schema Object is "an extended subset of" JSON Schema Wright Draft 00, draft 4
// with clarifications, so the schemas are compiled as draft 4; the one extension the file relies on,
// nullable, is rewritten into JSON Schema first.
type spec struct {
	doc map[string]any

	mu       sync.Mutex
	c        *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema // by JSON pointer
}

func loadSpec() (*spec, error) {
	f, err := os.Open(specPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", specPath, err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not a JSON object", specPath)
	}
	nullable(doc)
	sp := &spec{doc: doc, compiled: map[string]*jsonschema.Schema{}}
	// The batch operation's 200 schema is an unresolvable $ref (x-unresolved-refs; testdata/README.md), so a
	// schema for it is added, built from the documented shape (docs/cloudflare.md, Batches): the common
	// envelope with result.{deletes,patches,puts,posts} arrays of dns-records_dns-record.
	rec := map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/dns-records_dns-record"}}
	doc["x-cftest"] = map[string]any{"batch-200": map[string]any{"allOf": []any{
		map[string]any{"$ref": "#/components/schemas/dns-records_api-response-common"},
		map[string]any{"properties": map[string]any{"result": map[string]any{
			"type": "object", "required": []any{"deletes", "patches", "puts", "posts"},
			"properties": map[string]any{"deletes": rec, "patches": rec, "puts": rec, "posts": rec},
		}}},
	}}}
	sp.c = jsonschema.NewCompiler()
	sp.c.DefaultDraft(jsonschema.Draft4)
	sp.c.AssertFormat()
	sp.c.UseLoader(jsonschema.SchemeURLLoader{}) // no scheme: a $ref outside the document fails, never loads
	if err := sp.c.AddResource(specURL, doc); err != nil {
		return nil, err
	}
	return sp, nil
}

// nullable rewrites OpenAPI 3.0's "nullable: true" beside "type: T" as "type: [T, null]", which is what it
// means: "A true value adds "null" to the allowed types specified by the type keyword" (OpenAPI 3.0.3,
// Schema Object). The file has no nullable without a type.
func nullable(v any) {
	switch v := v.(type) {
	case map[string]any:
		if v["nullable"] == true {
			if t, ok := v["type"].(string); ok {
				v["type"] = []any{t, "null"}
			}
		}
		for _, e := range v {
			nullable(e)
		}
	case []any:
		for _, e := range v {
			nullable(e)
		}
	}
}

// pointer returns the JSON pointer of tokens, escaped.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// lookup returns the value at a JSON pointer into the document.
func (sp *spec) lookup(ptr string) (any, error) {
	var cur any = sp.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %q is not in an object", ptr, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%s does not resolve", ptr)
		}
	}
	return cur, nil
}

// responseSchema returns the pointer to the schema of a response to method on the spec path template (e.g.
// /zones/{zone_id}) with the given status, trying the exact status, then 4XX/4xx-style ranges.
func (sp *spec) responseSchema(pathTmpl, method string, status int) (string, error) {
	op := pointer("paths", pathTmpl, strings.ToLower(method), "responses")
	resps, err := sp.lookup(op)
	if err != nil {
		return "", err
	}
	for _, k := range []string{fmt.Sprint(status), fmt.Sprintf("%dXX", status/100), fmt.Sprintf("%dxx", status/100), "default"} {
		if _, ok := resps.(map[string]any)[k]; ok {
			return op + pointer(k, "content", "application/json", "schema"), nil
		}
	}
	return "", fmt.Errorf("no response %d for %s %s", status, method, pathTmpl)
}

// validate validates v (decoded with encoding/json) against the schema at ptr. The error, if any, is a
// *jsonschema.ValidationError; violations lists its failing keywords.
func (sp *spec) validate(ptr string, v any) error {
	sp.mu.Lock()
	sch, ok := sp.compiled[ptr]
	if !ok {
		var err error
		if sch, err = sp.c.Compile(specURL + "#" + ptr); err != nil {
			sp.mu.Unlock()
			return fmt.Errorf("compiling %s: %w", ptr, err)
		}
		sp.compiled[ptr] = sch
	}
	sp.mu.Unlock()
	return sch.Validate(v)
}

// A violation is one failing keyword: where in the instance, and what failed (a kind.* value such as
// *kind.Minimum, with what was found and wanted).
type violation struct {
	at   string // JSON pointer into the validated value
	kind jsonschema.ErrorKind
}

// violations returns the keywords that failed in err, leaving out the ones that failed only because
// a keyword below them did (allOf, $ref, properties and the like).
func violations(err error) []violation {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, violation{at: pointer(e.InstanceLocation...), kind: e.ErrorKind})
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}
