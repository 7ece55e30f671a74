package schema

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeStrict decodes n into v (a pointer to a struct) and reports, at
// their positions, keys that v has no field for and values of the wrong
// type. yaml.v3's KnownFields works only on a Decoder over bytes, which
// would lose the positions of a node nested in a larger document.
func decodeStrict(file string, n *yaml.Node, v any) ErrorList {
	var errs ErrorList
	checkKeys(file, n, reflect.TypeOf(v).Elem(), &errs)
	if err := n.Decode(v); err != nil {
		errs = append(errs, yamlErrors(file, err)...)
	}
	return errs
}

func checkKeys(file string, n *yaml.Node, t reflect.Type, errs *ErrorList) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A type that decodes itself (ProviderConfig) checks its own keys.
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		var names []string
		var collect func(t reflect.Type)
		collect = func(t reflect.Type) {
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				opts := strings.Split(f.Tag.Get("yaml"), ",")
				// yaml.v3's ",inline": the embedded struct's keys are this one's.
				if f.Anonymous && f.Type.Kind() == reflect.Struct && slices.Contains(opts[1:], "inline") {
					collect(f.Type)
					continue
				}
				if opts[0] == "" || opts[0] == "-" || !f.IsExported() {
					continue
				}
				fields[opts[0]] = f.Type
				names = append(names, opts[0])
			}
		}
		collect(t)
		sort.Strings(names)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, Errorf(nodePos(file, k), "unknown key %q (known keys: %s)", k.Value, strings.Join(names, ", ")))
				continue
			}
			checkKeys(file, val, ft, errs)
		}
	case (t.Kind() == reflect.Slice) && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			checkKeys(file, c, t.Elem(), errs)
		}
	}
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlErrors turns yaml.v3's errors ("yaml: line 3: …", or a TypeError
// listing "line 3: cannot unmarshal …") into positioned Errors.
func yamlErrors(file string, err error) ErrorList {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var out ErrorList
	for _, m := range msgs {
		pos := Pos{File: file}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			pos.Line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		if pos.Line == 0 {
			pos.Line = 1
		}
		if strings.Contains(m, "exceeded max depth") {
			// yaml.v3's own bound on flow and indentation levels.
			m = "YAML nested more than 10000 levels deep, the YAML parser's limit; a zone file needs fewer than ten"
		}
		out = append(out, Errorf(pos, "%s", m))
	}
	return out
}

func nodePos(file string, n *yaml.Node) Pos {
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// parseYAML parses data as one YAML document and returns its top node.
// An empty file, or one holding only "---" or comments, is an empty
// mapping. A second document is an error: yaml.v3 would silently read the
// first one only, and the records after a "---" line would be lost.
//
// yaml.v3 bounds nesting (10,000 levels) and does not expand aliases into
// the node tree, so parsing costs time and memory in proportion to data;
// what aliases stand for is bounded where they are followed (parser.deref).
func parseYAML(file string, data []byte) (root *yaml.Node, errs ErrorList) {
	defer func() {
		// yaml.v3 turns its own failures into errors; anything else it
		// panics with is a bug its input found. The file is then
		// refused, rather than the process taken down by a pull request.
		if r := recover(); r != nil {
			root = nil
			errs = ErrorList{Errorf(Pos{File: file, Line: 1, Col: 1}, "the YAML parser failed on this file (%v); simplify it", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return emptyMapping(), nil
	case err != nil:
		return nil, yamlErrors(file, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		// Text after a "..." that ends the first document.
		errs = yamlErrors(file, err)
		for _, e := range errs {
			e.Msg += `: text after the end of the YAML document ("..."); a zone file is one document`
		}
		return nil, errs
	default:
		return nil, ErrorList{Errorf(nodePos(file, &next), `a second YAML document starts here: a zone file is one document, and records after a "---" line would be lost; remove the line`)}
	}
	if len(doc.Content) == 0 {
		return emptyMapping(), nil
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" && root.Value == "" {
		return emptyMapping(), nil // "---" alone
	}
	return root, nil
}

func emptyMapping() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
}
