package schema

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// fastYAML parses the plain subset of YAML that zone files are written in
// (block mappings and sequences indented with spaces, one-line flow
// collections, one-line plain and quoted scalars, full-line comments) into
// the tree yaml.v3 builds for it: same kinds, styles, tags, values, lines
// and columns; comments, which nothing here reads, are left out. For
// anything else (anchors, tags, block scalars, escapes, tabs, non-ASCII,
// multi-line scalars, empty values, trailing comments, anything
// malformed) it returns nil, and the caller asks yaml.v3, which also
// words every syntax error. yaml.v3's scanner and event parser were about
// 80% of ParseFile once values no longer went through miekg/dns; this is
// one pass over the bytes and one allocation per few nodes.
// TestFastYAML and FuzzFastYAML hold it to yaml.v3 node for node.
func fastYAML(data []byte) *yaml.Node {
	src := string(data)
	for i := 0; i < len(src); i++ {
		if c := src[i]; c >= 0x80 || c < 0x20 && c != '\n' || c == 0x7f {
			return nil // tabs, CR, BOM, Unicode: columns count characters
		}
	}
	// One slab for the whole tree: a file has about two nodes per ":"
	// and one per "," or "-"; 32-node slabs are added if that is short.
	est := 4
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case ':':
			est += 2
		case ',', '-':
			est++
		}
	}
	y := &fastParser{src: src, nodes: make([]yaml.Node, est)}
	y.nextLine()
	if y.eof || y.indent != 0 {
		return nil
	}
	var root *yaml.Node
	if y.isSeqEntry() {
		root = y.blockSeq(0)
	} else {
		root = y.blockMap(0)
	}
	if y.failed || !y.eof {
		return nil
	}
	return root
}

type fastParser struct {
	src     string
	off     int    // offset in src of the line after the current one
	line    string // the current line, without its newline and trailing spaces
	lineNo  int    // 1-based number of the current line
	indent  int    // leading spaces of the current line
	eof     bool
	failed  bool
	started bool        // a line with content, or "---", has been read
	nodes   []yaml.Node // allocated a slab at a time
}

// nextLine moves to the next line with content, skipping blank lines and
// full-line comments.
func (y *fastParser) nextLine() {
	for {
		if y.off >= len(y.src) {
			y.eof, y.line, y.indent = true, "", 0
			return
		}
		end := strings.IndexByte(y.src[y.off:], '\n')
		var l string
		if end < 0 {
			l, y.off = y.src[y.off:], len(y.src)
		} else {
			l, y.off = y.src[y.off:y.off+end], y.off+end+1
		}
		y.lineNo++
		l = strings.TrimRight(l, " ")
		t := strings.TrimLeft(l, " ")
		if t == "" || t[0] == '#' {
			continue
		}
		if strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
			if l == "---" && !y.started {
				y.started = true
				continue // the document's start
			}
			y.failed = true // a marker with content, another document, or the end
		}
		y.started = true
		y.line, y.indent = l, len(l)-len(t)
		return
	}
}

func (y *fastParser) node() *yaml.Node {
	if len(y.nodes) == 0 {
		y.nodes = make([]yaml.Node, 32)
	}
	n := &y.nodes[0]
	y.nodes = y.nodes[1:]
	return n
}

func (y *fastParser) isSeqEntry() bool {
	l := y.line[y.indent:]
	return len(l) >= 2 && l[0] == '-' && l[1] == ' '
}

// blockMap reads a block mapping whose keys are at column indent, starting
// at the current line's text at that column (which may follow "- ").
func (y *fastParser) blockMap(indent int) *yaml.Node {
	m := y.node()
	*m = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: y.lineNo, Column: indent + 1}
	for !y.failed && !y.eof && y.indent == indent && !y.isSeqEntry() {
		pos := indent
		k, end := y.scalar(pos, false)
		if k == nil || end >= len(y.line) || y.line[end] != ':' || end-pos > 1000 {
			y.failed = true
			return nil
		}
		end++
		m.Content = append(m.Content, k)
		if end == len(y.line) {
			// The value is the block on the following lines.
			y.nextLine()
			if y.eof || y.indent <= indent {
				y.failed = true // an empty value, or a sequence at the key's indent
				return nil
			}
			var v *yaml.Node
			if y.isSeqEntry() {
				v = y.blockSeq(y.indent)
			} else {
				v = y.blockMap(y.indent)
			}
			m.Content = append(m.Content, v)
		} else {
			if y.line[end] != ' ' {
				y.failed = true
				return nil
			}
			m.Content = append(m.Content, y.inlineValue(y.skipSpaces(end+1), indent))
		}
		if !y.failed && !y.eof && y.indent > indent {
			y.failed = true // a continuation or a misindented line
		}
	}
	if y.failed {
		return nil
	}
	return m
}

// blockSeq reads a block sequence whose "-" are at column indent.
func (y *fastParser) blockSeq(indent int) *yaml.Node {
	s := y.node()
	*s = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: y.lineNo, Column: indent + 1}
	for !y.failed && !y.eof && y.indent == indent && y.isSeqEntry() {
		pos := indent + 2
		for pos < len(y.line) && y.line[pos] == ' ' {
			pos++
		}
		var item *yaml.Node
		switch c := y.line[pos]; {
		case c == '[' || c == '{' || c == '\'' || c == '"':
			item = y.inlineValue(pos, indent)
		case y.startsKey(pos):
			// "- key: value": a mapping whose keys line up after the dash.
			y.indent = pos
			item = y.blockMap(pos)
			if !y.failed && !y.eof && y.indent > indent {
				y.failed = true
			}
		default:
			item = y.inlineValue(pos, indent)
		}
		if y.failed {
			return nil
		}
		s.Content = append(s.Content, item)
	}
	if y.failed {
		return nil
	}
	return s
}

// startsKey reports whether a plain or quoted scalar followed by ": " or
// a final ":" starts at pos.
func (y *fastParser) startsKey(pos int) bool {
	end, ok := y.scanScalar(pos, false)
	if !ok || end >= len(y.line) || y.line[end] != ':' {
		return false
	}
	return end+1 == len(y.line) || y.line[end+1] == ' '
}

// inlineValue reads the value at pos, which must end the line, and moves
// to the next line, which must not be indented more than the collection
// the value is in.
func (y *fastParser) inlineValue(pos, indent int) *yaml.Node {
	var n *yaml.Node
	var end int
	switch y.line[pos] {
	case '[', '{':
		n, end = y.flow(pos)
	default:
		n, end = y.scalar(pos, false)
	}
	if n == nil || end != len(y.line) {
		y.failed = true
		return nil
	}
	y.nextLine()
	if !y.eof && y.indent > indent {
		y.failed = true // a multi-line scalar, or bad indentation
	}
	return n
}

// flow reads a one-line flow mapping or sequence at pos and returns it
// and the offset after it.
func (y *fastParser) flow(pos int) (*yaml.Node, int) {
	n := y.node()
	closer := byte(']')
	*n = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: y.lineNo, Column: pos + 1}
	if y.line[pos] == '{' {
		closer = '}'
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
	}
	i := y.skipSpaces(pos + 1)
	if i < len(y.line) && y.line[i] == closer {
		return n, i + 1
	}
	for {
		if i >= len(y.line) {
			return nil, 0
		}
		v, end := y.flowItem(i)
		if v == nil {
			return nil, 0
		}
		n.Content = append(n.Content, v)
		if closer == '}' {
			if end+1 >= len(y.line) || y.line[end] != ':' || y.line[end+1] != ' ' || end-i > 1000 {
				return nil, 0
			}
			if v, end = y.flowItem(y.skipSpaces(end + 1)); v == nil {
				return nil, 0
			}
			n.Content = append(n.Content, v)
		}
		i = y.skipSpaces(end)
		if i >= len(y.line) {
			return nil, 0
		}
		switch y.line[i] {
		case closer:
			return n, i + 1
		case ',':
			i = y.skipSpaces(i + 1)
			if i < len(y.line) && (y.line[i] == closer || y.line[i] == ',') {
				return nil, 0
			}
		default:
			return nil, 0
		}
	}
}

func (y *fastParser) flowItem(pos int) (*yaml.Node, int) {
	if pos >= len(y.line) {
		return nil, 0
	}
	if c := y.line[pos]; c == '[' || c == '{' {
		return y.flow(pos)
	}
	return y.scalar(pos, true)
}

func (y *fastParser) skipSpaces(i int) int {
	for i < len(y.line) && y.line[i] == ' ' {
		i++
	}
	return i
}

// scalar reads a one-line scalar at pos and returns it and the offset
// after it (after trailing spaces of a plain scalar are dropped).
func (y *fastParser) scalar(pos int, flow bool) (*yaml.Node, int) {
	end, ok := y.scanScalar(pos, flow)
	if !ok {
		return nil, 0
	}
	n := y.node()
	*n = yaml.Node{Kind: yaml.ScalarNode, Line: y.lineNo, Column: pos + 1}
	switch y.line[pos] {
	case '\'':
		n.Style, n.Tag = yaml.SingleQuotedStyle, "!!str"
		n.Value = y.line[pos+1 : end-1]
		if strings.Contains(n.Value, "''") {
			n.Value = strings.ReplaceAll(n.Value, "''", "'")
		}
	case '"':
		n.Style, n.Tag = yaml.DoubleQuotedStyle, "!!str"
		n.Value = y.line[pos+1 : end-1]
	default:
		n.Value = strings.TrimRight(y.line[pos:end], " ")
		n.Tag, ok = plainTag(n.Value)
		if !ok {
			return nil, 0
		}
	}
	return n, end
}

// scanScalar finds the end of the scalar at pos: after its closing quote,
// or where a plain scalar stops (": ", a final ":", and in flow context
// ",[]{}"). ok is false for what fastYAML leaves to yaml.v3.
func (y *fastParser) scanScalar(pos int, flow bool) (end int, ok bool) {
	l := y.line
	if pos >= len(l) {
		return 0, false
	}
	switch c := l[pos]; c {
	case '\'':
		for i := pos + 1; i < len(l); i++ {
			if l[i] == '\'' {
				if i+1 < len(l) && l[i+1] == '\'' {
					i++
					continue
				}
				return i + 1, true
			}
		}
		return 0, false
	case '"':
		for i := pos + 1; i < len(l); i++ {
			switch l[i] {
			case '\\':
				return 0, false
			case '"':
				return i + 1, true
			}
		}
		return 0, false
	case '-':
		if pos+1 >= len(l) || l[pos+1] == ' ' {
			return 0, false
		}
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', ' ':
		return 0, false
	}
	i := pos
	for i < len(l) {
		c := l[i]
		switch {
		case c == '#' || c == '?' && flow:
			return 0, false
		case c == ':' && (i+1 == len(l) || l[i+1] == ' '):
			return trimEnd(l, pos, i), true
		case flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}'):
			return trimEnd(l, pos, i), true
		}
		i++
	}
	return i, true
}

// trimEnd returns the end of l[pos:i] without trailing spaces.
func trimEnd(l string, pos, i int) int {
	for i > pos && l[i-1] == ' ' {
		i--
	}
	return i
}

// plainTag resolves a plain scalar's tag as yaml.v3 does (resolve.go);
// ok is false for the forms left to yaml.v3 (timestamps, merge keys).
func plainTag(s string) (string, bool) {
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool", true
	case "", "~", "null", "Null", "NULL":
		return "!!null", true
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float", true
	case "<<":
		return "", false
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float", true
		}
	case c >= '0' && c <= '9' || c == '+' || c == '-':
		// Neither a number nor a timestamp can have two dots, so an
		// unquoted IPv4 address is text without the three failed
		// parses below, each of which allocates its error.
		if strings.Count(s, ".") > 1 {
			return "!!str", true
		}
		if len(s) > 4 && s[4] == '-' && strings.Trim(s[:4], "0123456789") == "" {
			return "", false // maybe a timestamp
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return "!!int", true
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "!!int", true
		}
		if yamlStyleFloat(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return "!!float", true
			}
		}
		if strings.HasPrefix(plain, "0b") || strings.HasPrefix(plain, "-0b") || strings.HasPrefix(plain, "0o") || strings.HasPrefix(plain, "-0o") {
			return "", false
		}
	}
	return "!!str", true
}

// yamlStyleFloat matches ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$,
// yaml.v3's float syntax, without a regexp.
func yamlStyleFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
