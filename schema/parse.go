package schema

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ParseOptions carry what validating one file needs from the rest of the repository.
type ParseOptions struct {
	// Policy bounds TTLs, types and sizes. A zero Policy.TTL means
	// DefaultConfig's; a zero field of Policy.Limits, DefaultLimits'.
	Policy        Policy
	Provider      string       // provider type, for messages
	ProviderTypes []string     // types the provider can hold; nil: all
	RecordLimits  RecordLimits // what the provider can hold of each record
	// ProviderName is the provider as records' octodns included and
	// excluded lists name it (ProviderConfig.ID); empty means Provider.
	ProviderName string
}

// recordKeys are the keys of one octoDNS record that zoneward reads, in
// the order record indexes them. Any other key beside them octoDNS
// ignores (octodns/record/base.py reads only these), so zoneward warns.
var recordKeys = []string{"type", "ttl", "value", "values", "octodns", "geo", "dynamic"}

const (
	kType = iota
	kTTL
	kValue
	kValues
	kOctodns
	kGeo
	kDynamic
)

// maxTTL is the largest TTL RFC 2181 §8 allows.
const maxTTL = 1<<31 - 1

// ParseFile parses and validates one zone or subtree file at path (a
// slash-separated path in the repository, which decides the file's origin;
// see ParsePath). It reads octoDNS's record format as octoDNS reads it
// (the README lists where zoneward differs, and why). Every problem is
// reported, in File.Errs, sorted, and what the file says that zoneward
// reads differently or not at all in File.Warnings; records are returned
// even when some are invalid, but nothing from a file with errors may be
// applied. Rules spanning files are checked by Load.
//
// data is untrusted: ParseFile never panics, reads nothing but data, and
// quotes user text in its messages. Its work is bounded by
// opts.Policy.Limits before it is done: a file over file_bytes is not
// parsed, and parsing stops at records_per_file records, YAML aliases
// counted each time they are used, or after a hundred errors.
func ParseFile(path string, data []byte, opts ParseOptions) *File {
	f := &File{Path: path}
	p := &parser{path: path, opts: opts, ttl: opts.Policy.TTL, limits: opts.Policy.Limits.orDefault()}
	if p.ttl == (TTLPolicy{}) {
		p.ttl = DefaultConfig().Policy.TTL
	}
	zone, origin, err := ParsePath(path)
	if err != nil {
		p.errs.Add(Pos{File: path, Line: 1, Col: 1}, "%v", err)
	}
	f.Zone, f.Origin = zone, origin
	p.zone, p.origin = zone, origin
	switch {
	case zone == "":
	case len(data) > p.limits.FileBytes:
		p.errs.Add(Pos{File: path, Line: 1, Col: 1}, "the file is %d bytes, more than policy.limits.file_bytes (%d) allows; split it into subtree files", len(data), p.limits.FileBytes)
	default:
		root, errs := parseYAML(path, data)
		if errs != nil {
			p.errs = append(p.errs, errs...)
			break
		}
		if p.run(root) {
			f.Records = p.records()
			f.Ignored, f.ApexNS = p.ignoredKeys(), p.apexNS()
		}
	}
	p.errs.Sort()
	p.warns.Sort()
	f.Errs, f.Warnings = p.errs, p.warns
	return f
}

// stopParse is the panic that ends a parse at a limit; run recovers it.
// Unwinding from wherever the limit is hit (as text/template/parse does
// with its errors) keeps every loop of the parser free of limit checks.
type stopParse struct{}

// run walks the document and checks the file's records together. It
// returns false when a limit stopped it, leaving the records unchecked.
func (p *parser) run(root *yaml.Node) (done bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopParse); !ok {
				panic(r)
			}
			done = false
		}
	}()
	p.checkTags(root)
	p.document(root)
	p.checkFile()
	return true
}

// records returns the records of every set the provider is to hold,
// sorted.
func (p *parser) records() []Record {
	n := 0
	for _, s := range p.sets {
		if s.applied() {
			n += len(s.recs)
		}
	}
	if n == 0 {
		return nil
	}
	// Sized once: appending set by set regrew the slice about five
	// times per file.
	out := make([]Record, 0, n)
	for _, s := range p.sets {
		if s.applied() {
			out = append(out, s.recs...)
		}
	}
	sortRecords(out)
	return out
}

// ignoredKeys returns the names and types of the sets the provider is
// not to hold, sorted.
func (p *parser) ignoredKeys() []Ignored {
	var out []Ignored
	for _, s := range p.sets {
		if s.skip != "" {
			out = append(out, Ignored{Name: s.name, Type: s.typ, Reason: s.skip, Pos: p.pos(s.typNode)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// apexNS returns the values of the zone apex's NS set, sorted.
func (p *parser) apexNS() []Record {
	for _, s := range p.sets {
		if s.skip == "" && s.apexNS {
			out := append([]Record(nil), s.recs...)
			sortRecords(out)
			return out
		}
	}
	return nil
}

func sortRecords(rs []Record) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Value < b.Value
	})
}

// parser holds the state of one ParseFile call.
type parser struct {
	path         string
	zone, origin string
	opts         ParseOptions
	ttl          TTLPolicy
	limits       Limits
	errs         ErrorList
	warns        ErrorList
	sets         []*rrset
	// elsewhere is set while reading a record this provider is not to
	// hold (ignored, excluded, the apex NS): the provider's own limits
	// do not apply to it.
	elsewhere bool

	name       *yaml.Node         // the key of the name being read
	values     int                // values read so far, aliases counted each time they are used
	aliasNodes int                // YAML nodes reached through aliases so far
	sizes      map[*yaml.Node]int // alias targets' expanded sizes; -1 while being counted
}

// rrset is one record of the file as written: a name, a type and its values.
type rrset struct {
	name    string
	typ     string
	node    *yaml.Node // the record mapping
	typNode *yaml.Node
	recs    []Record
	skip    string // why the provider is not to hold it (see File.Ignored); "" when it is
	apexNS  bool   // the zone apex's NS: the provider's own, never applied
}

// applied reports whether the provider is to hold the set's records.
func (s *rrset) applied() bool { return s.skip == "" && !s.apexNS }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.add(p.pos(n), format, args...)
}

// add reports a problem at pos, and stops the parse once the file has
// more problems than anyone will read.
func (p *parser) add(pos Pos, format string, args ...any) {
	if len(p.errs) >= maxFileErrors {
		p.errs.Add(pos, "more than %d problems in this file; fix these first", maxFileErrors)
		panic(stopParse{})
	}
	p.errs.Add(pos, format, args...)
}

// warn reports something the file says that zoneward reads differently
// from how it is written, or not at all. Warnings never stop a parse;
// past maxFileErrors of them, one more says so and the rest are dropped
// (an alias can repeat one without bound).
func (p *parser) warn(n *yaml.Node, format string, args ...any) {
	switch {
	case len(p.warns) < maxFileErrors:
		p.warns.Add(p.pos(n), format, args...)
	case len(p.warns) == maxFileErrors:
		p.warns.Add(p.pos(n), "more than %d warnings in this file; the rest are not shown", maxFileErrors)
	}
}

// limit reports a limit reached at n and stops the parse.
func (p *parser) limit(n *yaml.Node, format string, args ...any) {
	p.errs.Add(p.pos(n), format, args...)
	panic(stopParse{})
}

// countValue counts one value about to be read, the unit of
// policy.limits.records_per_file. Past the limit it stops at the value, or
// at the name whose alias stands for it: an alias comes after its anchor,
// so a value written above the name being read is reached through one.
func (p *parser) countValue(n *yaml.Node) {
	p.values++
	if p.values > p.limits.RecordsPerFile {
		if p.name != nil && n != nil && n.Line < p.name.Line {
			n = p.name
		}
		p.limit(n, "more than %d records in this file, the most policy.limits.records_per_file allows (a YAML alias counts as often as it is used); split it into subtree files", p.limits.RecordsPerFile)
	}
}

// deref follows a YAML alias. What the alias stands for is charged, node
// by node, against the file's alias budget before anything reads it: a
// few lines of aliases can stand for millions of nodes (each alias of a
// list of aliases repeats the whole list), and YAML allows an anchor to
// contain its own alias.
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode || n.Alias == nil {
		return n
	}
	budget := aliasNodesPerRecord * p.limits.RecordsPerFile
	p.aliasNodes += p.expanded(n.Alias, budget)
	if p.aliasNodes > budget {
		p.limit(n, "aliases here expand to more than %d YAML nodes (%d per record of policy.limits.records_per_file); write the records out instead", budget, aliasNodesPerRecord)
	}
	return n.Alias
}

// expanded returns the number of nodes n stands for with every alias in it
// followed, counting at most to budget+1 (a node that contains itself
// counts as more than budget). Sizes are remembered, so each node of the
// file is counted once however often aliases use it.
func (p *parser) expanded(n *yaml.Node, budget int) int {
	if p.sizes == nil {
		p.sizes = map[*yaml.Node]int{}
	}
	if s, ok := p.sizes[n]; ok {
		if s < 0 {
			return budget + 1 // n is an alias of something that contains it
		}
		return s
	}
	p.sizes[n] = -1
	size := 1
	for _, c := range n.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			c = c.Alias
		}
		if size += p.expanded(c, budget); size > budget {
			size = budget + 1
			break
		}
	}
	p.sizes[n] = size
	return size
}

func (p *parser) pos(n *yaml.Node) Pos {
	if n == nil || n.Line == 0 {
		return Pos{File: p.path, Line: 1, Col: 1}
	}
	return nodePos(p.path, n)
}

// pairs returns the keys and values of the mapping n (already followed
// through deref), alternating as in yaml.Node.Content, with YAML merge
// keys ("<<: *base", "<<: [*a, *b]") resolved as PyYAML resolves them
// for octoDNS: the mapping's own keys win over merged ones, and of the
// merged mappings the first listed wins. yaml.v3 leaves merge keys in the
// node tree for its reader to apply. Every merged mapping is reached
// through deref, so a merge key costs the alias budget what the aliases
// it names stand for, each time it is used, and records it brings in are
// counted as they are read: merge keys are no way around the limits.
func (p *parser) pairs(n *yaml.Node) []*yaml.Node {
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMergeKey(n.Content[i]) {
			merges = true
			break
		}
	}
	if !merges {
		return n.Content
	}
	var own []*yaml.Node
	var merged [][]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			own = append(own, k, v)
			continue
		}
		v = p.deref(v)
		switch v.Kind {
		case yaml.MappingNode:
			merged = append(merged, p.pairs(v))
		case yaml.SequenceNode:
			for _, it := range v.Content {
				it = p.deref(it)
				if it.Kind != yaml.MappingNode {
					p.errorf(it, "a merge key (<<) takes a mapping or a list of mappings")
					continue
				}
				merged = append(merged, p.pairs(it))
			}
		default:
			p.errorf(v, "a merge key (<<) takes a mapping or a list of mappings")
		}
	}
	// Merging copies keys, and mappings merged into mappings merged into
	// … copy them again at every level, aliases or not: the copies are
	// charged to the alias budget too, so that a few kilobytes of nested
	// merges cannot make the parser copy without bound.
	copies := 0
	for _, m := range merged {
		copies += len(m) / 2
	}
	p.aliasNodes += copies
	if budget := aliasNodesPerRecord * p.limits.RecordsPerFile; p.aliasNodes > budget {
		p.limit(n, "merge keys and aliases here expand to more than %d YAML nodes (%d per record of policy.limits.records_per_file); write the records out instead", budget, aliasNodesPerRecord)
	}
	seen := make(map[string]bool, len(own)/2)
	for i := 0; i < len(own); i += 2 {
		seen[own[i].Value] = true
	}
	out := own
	for _, m := range merged {
		for i := 0; i+1 < len(m); i += 2 {
			if !seen[m[i].Value] {
				seen[m[i].Value] = true
				out = append(out, m[i], m[i+1])
			}
		}
	}
	return out
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag == "!!merge"
}

// yamlTags are the tags a zone file may write explicitly: YAML's core
// schema, which PyYAML's SafeLoader (octoDNS's reader) also reads.
var yamlTags = []string{"!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!!merge"}

// checkTags refuses explicit tags outside yamlTags, !include first: yaml.v3
// would read "!include x.yaml" as the text "x.yaml". It walks the tree as
// written, not through aliases, so its work is bounded by the file's size.
func (p *parser) checkTags(n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Style&yaml.TaggedStyle != 0 && !slices.Contains(yamlTags, n.Tag) {
		if n.Tag == "!include" {
			p.errorf(n, "!include is refused: a zone file must be self-contained, so that its owner alone decides what it holds (an included file could be anyone's); write the records here")
		} else {
			p.errorf(n, "YAML tag %q is not one zoneward reads; remove it", n.Tag)
		}
	}
	for _, c := range n.Content {
		p.checkTags(c)
	}
}

func (p *parser) document(root *yaml.Node) {
	root = p.deref(root)
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a zone file is a mapping of names to records, as in octoDNS")
		return
	}
	content := p.pairs(root)
	seen := make(map[string]*yaml.Node, len(content)/2)
	for i := 0; i+1 < len(content); i += 2 {
		k, v := content[i], p.deref(content[i+1])
		if k.Kind == yaml.ScalarNode && k.Tag == "!!null" && k.Value != "" {
			// PyYAML reads it as None, which octoDNS turns into the
			// name "None".
			p.errorf(k, "name %s is YAML's null, not text; quote it ('%s':) for a name %q, or write '' for the origin %q", k.Value, k.Value, k.Value, p.origin)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "a name must be text; write '' for the origin %q", p.origin)
			continue
		}
		name, err := relName(k.Value, p.origin)
		if err != nil {
			p.errorf(k, "%v", err)
			continue
		}
		if first, dup := seen[name]; dup {
			p.errorf(k, "name %q is already declared at line %d; give it one list of records", k.Value, first.Line)
			continue
		}
		seen[name] = k
		p.name = k
		switch v.Kind {
		case yaml.MappingNode:
			p.record(name, v)
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				p.errorf(k, "name %q has an empty list of records", k.Value)
			}
			for _, r := range v.Content {
				r = p.deref(r)
				if r.Kind != yaml.MappingNode {
					p.errorf(r, "a record is a mapping of type, ttl and value or values")
					continue
				}
				p.record(name, r)
			}
		default:
			p.errorf(k, "name %q needs a record (a mapping with type and value) or a list of records", k.Value)
		}
	}
}

// record reads one record mapping at the fully qualified name.
func (p *parser) record(name string, n *yaml.Node) {
	// Keys and values by their index in recordKeys, not in maps: a record
	// is parsed for every value of every file.
	var keys, vals [7]*yaml.Node // len(recordKeys)
	content := p.pairs(n)
	for i := 0; i+1 < len(content); i += 2 {
		k := content[i]
		j := slices.Index(recordKeys, k.Value)
		if j < 0 {
			p.warn(k, "record key %q is not read, by zoneward or by octoDNS, and has no effect; check its spelling (record keys: %s)", k.Value, strings.Join(recordKeys, ", "))
			continue
		}
		if keys[j] != nil {
			p.errorf(k, "record key %q is repeated", k.Value)
			continue
		}
		keys[j] = k
		vals[j] = p.deref(content[i+1])
	}

	o := p.octodns(vals[kOctodns])
	tn := vals[kType]
	if tn == nil {
		p.errorf(n, "record has no type")
		return
	}
	skip := o.skip(p.providerName())
	typ, ok := p.recordType(tn, skip)
	if !ok {
		if skip != "" && typ != "" {
			// Still a name and type to leave alone, as octoDNS would.
			p.sets = append(p.sets, &rrset{name: name, typ: typ, node: n, typNode: tn, skip: skip})
		}
		return
	}
	apexNS := typ == "NS" && name == p.zone
	p.elsewhere = skip != "" || apexNS
	defer func() { p.elsewhere = false }()
	p.placement(typ, name, tn)
	for _, k := range []int{kGeo, kDynamic} {
		if keys[k] != nil && skip == "" {
			// octoDNS with strict_supports: false does the same for a
			// provider without SUPPORTS_GEO or SUPPORTS_DYNAMIC
			// (octodns/provider/base.py _process_desired_zone).
			p.warn(keys[k], "%s rules are not applied; the default values are published (zoneward's providers have no traffic steering)", recordKeys[k])
		}
	}

	ttl := p.ttl.Default
	if ttn := vals[kTTL]; ttn != nil {
		ttl = p.recordTTL(ttn)
	}
	if o.proxiedNode != nil && o.proxied {
		switch typ {
		case "A", "AAAA", "CNAME", "ALIAS":
		default:
			p.errorf(o.proxiedNode, "proxied is only for A, AAAA, CNAME and ALIAS records, not %s", typ)
		}
	}

	set := &rrset{name: name, typ: typ, node: n, typNode: tn, skip: skip, apexNS: apexNS}
	p.sets = append(p.sets, set)
	seen := map[string]*yaml.Node{}
	add := func(vn *yaml.Node, pos Pos) {
		p.countValue(vn)
		v, ok := p.value(typ, name, vn)
		if !ok {
			return
		}
		if first, dup := seen[v]; dup {
			p.errorf(vn, "duplicate %s value %q (also at line %d)", typ, v, first.Line)
			return
		}
		seen[v] = vn
		set.recs = append(set.recs, Record{
			Name: name, Type: typ, TTL: ttl, Value: v,
			Proxied: o.proxied, AutoTTL: o.autoTTL, Comment: o.comment, Tags: strings.Join(o.tags, "\n"),
			Pos: pos,
		})
	}
	vn, vsn := vals[kValue], vals[kValues]
	switch {
	case vn != nil && vsn != nil:
		// octoDNS would read values and silently drop value.
		p.errorf(keys[kValues], "record has both value and values; use one of them")
	case vn == nil && vsn == nil:
		p.errorf(n, "%s record has no value or values", typ)
	default:
		// octoDNS takes either key with one value or a list of them
		// (ValuesMixin in octodns/record/base.py).
		key, list := keys[kValue], vn
		if list == nil {
			key, list = keys[kValues], vsn
		}
		if list.Kind != yaml.SequenceNode {
			add(list, p.pos(n))
			break
		}
		if len(list.Content) == 0 {
			p.errorf(list, "%s is empty", key.Value)
			return
		}
		for i, it := range list.Content {
			if i > 0 && singleValue(typ) {
				p.errorf(it, "%s takes a single value", typ)
				break
			}
			add(it, p.pos(p.deref(it)))
		}
	}
}

// singleValue reports whether a name holds at most one record of typ.
func singleValue(typ string) bool {
	// RFC 1034 §3.6.2 (CNAME), RFC 6672 §2.4 (DNAME); an ALIAS stands
	// for a CNAME.
	return typ == "CNAME" || typ == "ALIAS" || typ == "DNAME"
}

// providerName is the provider as included and excluded lists name it.
func (p *parser) providerName() string {
	if p.opts.ProviderName != "" {
		return p.opts.ProviderName
	}
	return p.opts.Provider
}

// recordType reads and checks the type against what exists, the Company's
// policy and the provider. For a record the provider is not to hold (skip
// says why), a type zoneward cannot read is only a warning, and neither
// policy.types nor the provider's types apply: the record asks nothing of
// this provider.
func (p *parser) recordType(tn *yaml.Node, skip string) (string, bool) {
	if tn.Kind != yaml.ScalarNode || tn.Tag == "!!null" {
		p.errorf(tn, "type must be a record type such as A or MX")
		return "", false
	}
	typ := strings.ToUpper(tn.Value)
	refuse := func(format string, args ...any) (string, bool) {
		if skip == "" {
			p.errorf(tn, format, args...)
			return "", false
		}
		p.warn(tn, "%s; the record is %s here, so nothing is done with it", fmt.Sprintf(format, args...), skip)
		return typ, false
	}
	switch {
	case typ == "SPF":
		return refuse("SPF records were retired by RFC 7208; publish the policy as a TXT record")
	case slices.Contains(octodnsOwnTypes, typ):
		return refuse("%s is specific to octoDNS providers that serve it as something other than DNS data; zoneward's providers cannot hold it", tn.Value)
	case strings.Contains(typ, "/"):
		prov, _, _ := strings.Cut(tn.Value, "/")
		return refuse("type %q is specific to the octoDNS provider %q; zoneward's providers cannot hold it", tn.Value, prov)
	case !KnownType(typ):
		return refuse("unknown record type %q (supported: %s)", tn.Value, strings.Join(Types, ", "))
	}
	if skip != "" {
		return typ, true
	}
	if len(p.opts.Policy.Types) > 0 && !containsFold(p.opts.Policy.Types, typ) {
		p.errorf(tn, "policy.types in zoneward.yaml does not allow %s", typ)
	}
	if p.opts.ProviderTypes != nil && !containsFold(p.opts.ProviderTypes, typ) {
		p.errorf(tn, "the %s provider cannot hold %s records", p.opts.Provider, typ)
	}
	return typ, true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// placement checks where a type may stand: rules that depend on one
// record only.
func (p *parser) placement(typ, name string, tn *yaml.Node) {
	apex := name == p.zone
	switch typ {
	case "CNAME":
		if apex {
			p.errorf(tn, "CNAME is not allowed at the zone apex %q (RFC 1912 §2.4); use ALIAS", p.zone)
		}
	case "ALIAS":
		if !apex {
			p.errorf(tn, "ALIAS is only allowed at the zone apex (name '' in the zone file %s); use CNAME", ZoneFilePath(p.zone))
		}
	case "NS":
		// The apex NS are the provider's (Cloudflare assigns them, the
		// zonefile provider writes provider.nameservers): accepted, as
		// octoDNS accepts a root NS record for a provider without
		// SUPPORTS_ROOT_NS, and never applied.
		if strings.HasPrefix(name, "*.") {
			p.errorf(tn, "NS at the wildcard name %s: a wildcard cannot be delegated (RFC 4592 §4.2), and name servers refuse to load a zone that tries", p.show(name))
		}
	case "A", "AAAA", "MX":
		// BIND lets Active Directory's gc._msdcs.<forest> hold
		// addresses (checkowner in
		// https://gitlab.isc.org/isc-projects/bind9/-/blob/main/lib/dns/rdata/in_1/a_1.c).
		if !IsHostOwner(name) && !(typ == "A" && strings.HasPrefix(name, "gc._msdcs.") && IsHostname(name[len("gc._msdcs."):])) {
			p.errorf(tn, "%s at %s: the name is not a host name (letters, digits and '-' in each label, a leading '*' allowed), and name servers refuse to load a zone with %s records there (BIND check-names)", typ, p.show(name), typ)
		}
	case "SRV", "URI":
		// RFC 2782 and RFC 7553: the owner is _service._proto.name. As
		// octoDNS (SrvNameValidator, UriNameValidator in
		// octodns/record/srv.py and uri.py), the service label may be a
		// wildcard ("*._tcp") and the next label is not checked.
		first, rest, _ := strings.Cut(relative(name, p.zone), ".")
		if !(first == "*" || strings.HasPrefix(first, "_") && len(first) > 1) || rest == "" {
			p.errorf(tn, "%s name %q must start with a _service label (or \"*\") and a protocol label, such as \"_sip._tcp\"", typ, strings.TrimSuffix(relative(name, p.origin), "."))
		}
	}
}

func (p *parser) recordTTL(n *yaml.Node) uint32 {
	v, ok := number(n)
	if !ok || v > maxTTL {
		p.errorf(n, "ttl %q is not a number of seconds", n.Value)
		return p.ttl.Default
	}
	switch {
	case v < uint64(p.ttl.Min):
		p.errorf(n, "ttl %d is below policy.ttl.min (%d)", v, p.ttl.Min)
	case p.ttl.Max > 0 && v > uint64(p.ttl.Max):
		p.errorf(n, "ttl %d is above policy.ttl.max (%d)", v, p.ttl.Max)
	}
	return uint32(v)
}

// octodnsMeta is what zoneward keeps from a record's octodns: block.
type octodnsMeta struct {
	ignored     bool
	excluded    []string
	included    []string
	proxied     bool
	proxiedNode *yaml.Node
	autoTTL     bool
	comment     string
	tags        []string
}

// skip says why the provider named provider is not to hold the record, as
// octoDNS's Zone.changes decides it (octodns/zone/base.py): an ignored
// record, one whose excluded list names the provider, or one whose
// included list does not. "" means it is to hold it.
func (o octodnsMeta) skip(provider string) string {
	switch {
	case o.ignored:
		return "ignored"
	case slices.Contains(o.excluded, provider):
		return fmt.Sprintf("excluded for %q", provider)
	case len(o.included) > 0 && !slices.Contains(o.included, provider):
		return fmt.Sprintf("not included for %q", provider)
	}
	return ""
}

// cloudflareKeys are the keys of octodns.cloudflare zoneward honours.
var cloudflareKeys = []string{"proxied", "auto-ttl", "comment", "tags"}

// Cloudflare's limits on record tags: "name:value" pairs, names of letters,
// digits, "-" and "_" up to 32 characters, values up to 100, 20 tags per
// record (https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/).
const (
	maxTags        = 20
	maxTagName     = 32
	maxTagValue    = 100
	tagNameLetters = "abcdefghijklmnopqrstuvwxyz0123456789-_"
)

// octodns reads the metadata block. Keys of other providers (route53,
// ns1, …) and healthcheck are octoDNS's and left alone, so that an
// octoDNS user's file works unchanged. lenient is read and has no effect:
// octoDNS relaxes its own validation with it (Record.new in
// octodns/record/base.py), but what zoneward refuses a name server or the
// provider would refuse too.
func (p *parser) octodns(n *yaml.Node) octodnsMeta {
	var o octodnsMeta
	if n == nil {
		return o
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "octodns must be a mapping (such as cloudflare: {proxied: true})")
		return o
	}
	content := p.pairs(n)
	for i := 0; i+1 < len(content); i += 2 {
		k, v := content[i], p.deref(content[i+1])
		switch k.Value {
		case "ignored":
			o.ignored = p.boolNode(v, "octodns.ignored")
		case "lenient":
			p.boolNode(v, "octodns.lenient")
		case "excluded":
			o.excluded = p.providerList(v, "octodns.excluded")
		case "included":
			o.included = p.providerList(v, "octodns.included")
		case "cloudflare":
			p.cloudflare(v, &o)
		}
	}
	return o
}

// providerList reads an included or excluded list of provider names.
// One name alone is taken as a list of it, as octoDNS's "in" test reads
// a string that is the whole name.
func (p *parser) providerList(n *yaml.Node, what string) []string {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []string
	for _, it := range items {
		if s, ok := p.scalar(it, what+" item"); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) cloudflare(v *yaml.Node, o *octodnsMeta) {
	if v.Kind != yaml.MappingNode {
		p.errorf(v, "octodns.cloudflare must be a mapping of %s", strings.Join(cloudflareKeys, ", "))
		return
	}
	content := p.pairs(v)
	for j := 0; j+1 < len(content); j += 2 {
		ck, cv := content[j], p.deref(content[j+1])
		switch ck.Value {
		case "proxied":
			o.proxied = p.boolNode(cv, "octodns.cloudflare.proxied")
			o.proxiedNode = ck
		case "auto-ttl":
			o.autoTTL = p.boolNode(cv, "octodns.cloudflare.auto-ttl")
		case "comment":
			if s, ok := p.scalar(cv, "octodns.cloudflare.comment"); ok {
				if i := nonPrintableUnicode(s); i >= 0 {
					p.errorf(cv, "octodns.cloudflare.comment has a control character at offset %d", i)
				}
				o.comment = s
			}
		case "tags":
			o.tags = p.tags(cv)
			if len(o.tags) > 0 && p.opts.RecordLimits.TagsIgnored != "" {
				p.warn(ck, "octodns.cloudflare.tags is ignored: %s", p.opts.RecordLimits.TagsIgnored)
				o.tags = nil
			}
		default:
			p.errorf(ck, "unknown key %q in octodns.cloudflare (known keys: %s)", ck.Value, strings.Join(cloudflareKeys, ", "))
		}
	}
}

// tags reads octodns.cloudflare.tags, a list of "name" or "name:value",
// checked against Cloudflare's rules. Names compare case-insensitively
// there, so they are lower-cased; the list is sorted, since Cloudflare
// keeps a set.
func (p *parser) tags(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "octodns.cloudflare.tags must be a list of \"name:value\" tags")
		return nil
	}
	if len(n.Content) > maxTags {
		p.errorf(n, "octodns.cloudflare.tags has %d tags; Cloudflare keeps at most %d per record", len(n.Content), maxTags)
		return nil
	}
	var out []string
	seen := map[string]*yaml.Node{}
	for _, it := range n.Content {
		s, ok := p.scalar(it, "octodns.cloudflare.tags item")
		if !ok {
			continue
		}
		name, value, hasValue := strings.Cut(s, ":")
		name = strings.ToLower(name)
		switch {
		case name == "" || len(name) > maxTagName || strings.Trim(name, tagNameLetters) != "":
			p.errorf(it, "tag %q: its name (before the \":\") must be 1 to %d letters, digits, \"-\" or \"_\"", s, maxTagName)
			continue
		case utf8.RuneCountInString(value) > maxTagValue:
			p.errorf(it, "tag %q: its value (after the \":\") is longer than %d characters", s, maxTagValue)
			continue
		case nonPrintableUnicode(value) >= 0:
			p.errorf(it, "tag %q has a control character", s)
			continue
		}
		t := name
		if hasValue {
			t += ":" + value
		}
		if first, dup := seen[t]; dup {
			p.errorf(it, "tag %q is repeated (also at line %d)", s, first.Line)
			continue
		}
		seen[t] = it
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func nonPrintableUnicode(s string) int {
	for i, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return i
		}
	}
	return -1
}

// boolNode reads a flag as PyYAML (YAML 1.1, octoDNS's reader) does:
// true and false, and unquoted yes, no, on and off, in lower case,
// capitalised or upper case.
func (p *parser) boolNode(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return b
		}
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style == 0 {
		switch n.Value {
		case "yes", "Yes", "YES", "on", "On", "ON":
			return true
		case "no", "No", "NO", "off", "Off", "OFF":
			return false
		}
	}
	p.errorf(n, "%s must be true or false, not %q", what, n.Value)
	return false
}

// checkFile applies the rules that relate records of the file to each
// other. Records the provider is not to hold count too: octoDNS validates
// the zone with them.
func (p *parser) checkFile() {
	byKey := make(map[string]*rrset, len(p.sets))
	byName := make(map[string][]*rrset, len(p.sets))
	delegated := map[string]*rrset{}
	dnames := map[string]*rrset{}
	for _, s := range p.sets {
		key := s.name + " " + s.typ
		if first, dup := byKey[key]; dup {
			p.errorf(s.node, "duplicate %s record for %s (first at line %d); put all its values in one record", s.typ, p.show(s.name), first.node.Line)
			continue
		}
		byKey[key] = s
		byName[s.name] = append(byName[s.name], s)
		switch {
		case s.typ == "NS" && s.name != p.zone:
			delegated[s.name] = s
		case s.typ == "DNAME":
			dnames[s.name] = s
		}
	}
	lim := p.opts.RecordLimits
	for _, s := range p.sets {
		if byKey[s.name+" "+s.typ] != s {
			continue
		}
		if s.applied() {
			p.checkSetLimits(s, lim)
		}
		switch s.typ {
		case "CNAME":
			for _, o := range byName[s.name] {
				if o != s {
					p.errorf(s.node, "CNAME at %s must be the only record at its name (RFC 1034 §3.6.2), but there is %s at line %d", p.show(s.name), o.typ, o.node.Line)
					break
				}
			}
		case "ALIAS":
			// An ALIAS answers A and AAAA queries with its target's
			// addresses (Cloudflare stores it as a flattened CNAME), so A or
			// AAAA beside it would contradict it; providers refuse the pair.
			for _, o := range byName[s.name] {
				if o.typ == "A" || o.typ == "AAAA" {
					p.errorf(s.node, "ALIAS at %s answers for A and AAAA itself, but there is %s at line %d; keep one or the other", p.show(s.name), o.typ, o.node.Line)
					break
				}
			}
		case "DNAME":
			// RFC 6672 §2.3: no NS beside a DNAME but at a zone apex.
			if ns := delegated[s.name]; ns != nil {
				p.errorf(s.node, "DNAME at %s stands beside the NS delegation at line %d; a DNAME may have NS beside it only at the zone apex (RFC 6672 §2.3)", p.show(s.name), ns.node.Line)
			}
		case "MX":
			for _, r := range s.recs {
				if strings.HasSuffix(r.Value, " .") {
					if !strings.HasPrefix(r.Value, "0 ") {
						p.add(r.Pos, "a null MX (exchange \".\", RFC 7505) must have preference 0")
					} else if len(s.recs) > 1 {
						p.add(r.Pos, "a null MX (exchange \".\", RFC 7505) must be the only MX at its name")
					}
				}
			}
		}
		if d, ok := nameAbove(s.name, p.origin, dnames); ok && d.name != s.name {
			// RFC 6672 §2.4: a DNAME redirects every name below its
			// owner, so no resolver ever sees these records.
			p.errorf(s.node, "%s is below the DNAME at %s (line %d), which redirects every name below it: the record would never be answered", p.show(s.name), p.show(d.name), d.node.Line)
		}
		if cut, ok := nameAbove(s.name, p.origin, delegated); ok {
			switch {
			case p.glue(s, cut):
				// Addresses of the delegation's own name servers below
				// (or at) the cut: what a parent must serve for the
				// referral to work, and what octoDNS's
				// GlueForInZoneNsZoneValidator asks for
				// (octodns/zone/ns.py).
			case cut.name == s.name:
				if s.typ != "NS" && s.typ != "DS" {
					p.errorf(s.node, "%s at %s stands beside its NS delegation (line %d); only NS and DS belong at a zone cut", s.typ, p.show(s.name), cut.node.Line)
				}
			default:
				p.errorf(s.node, "%s is below the NS delegation of %s (line %d); only the delegated zone can hold it", p.show(s.name), p.show(cut.name), cut.node.Line)
			}
		}
	}
}

// checkSetLimits checks one name and type against the provider's limits.
func (p *parser) checkSetLimits(s *rrset, lim RecordLimits) {
	if lim.RRsetRecords > 0 && len(s.recs) > lim.RRsetRecords {
		p.errorf(s.node, "%d %s values at %s, more than %s holds at one name and type (%d)", len(s.recs), s.typ, p.show(s.name), p.provider(), lim.RRsetRecords)
	}
	if lim.RRsetChars > 0 {
		n := 0
		for _, r := range s.recs {
			n += len(r.Value)
		}
		if n > lim.RRsetChars {
			p.errorf(s.node, "the %s values at %s are %d characters together, more than %s holds at one name and type (%d)", s.typ, p.show(s.name), n, p.provider(), lim.RRsetChars)
		}
	}
}

// glue reports whether s holds addresses of a name server that the
// delegation cut names.
func (p *parser) glue(s, cut *rrset) bool {
	if s.typ != "A" && s.typ != "AAAA" {
		return false
	}
	for _, r := range cut.recs {
		if r.Value == s.name {
			return true
		}
	}
	return false
}

// nameAbove finds the nearest set of sets at or above name, within origin.
func nameAbove(name, origin string, sets map[string]*rrset) (*rrset, bool) {
	if len(sets) == 0 {
		return nil, false
	}
	for n := name; n != "" && n != "."; {
		if s, ok := sets[n]; ok {
			return s, true
		}
		if n == origin {
			break
		}
		i := strings.IndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[i+1:]
	}
	return nil, false
}

// show quotes name as the file writes it: relative to the origin, ” for
// the origin itself.
func (p *parser) show(name string) string {
	if r := relative(name, p.origin); r != "" {
		return strconv.Quote(r)
	}
	return "''"
}
