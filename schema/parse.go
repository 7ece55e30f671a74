package schema

import (
	"slices"
	"sort"
	"strconv"
	"strings"

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
}

// recordKeys are the keys of one octoDNS record that zoneward reads.
var recordKeys = []string{"type", "ttl", "value", "values", "octodns"}

// maxTTL is the largest TTL RFC 2181 §8 allows.
const maxTTL = 1<<31 - 1

// ParseFile parses and validates one zone or subtree file at path (a
// slash-separated path in the repository, which decides the file's origin;
// see ParsePath). Every problem is reported, in File.Errs, sorted; records
// are returned even when some are invalid, but nothing from a file with
// errors may be applied. Rules spanning files are checked by Load.
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
		}
	}
	p.errs.Sort()
	f.Errs = p.errs
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
	p.document(root)
	p.checkFile()
	return true
}

// records returns the records of every set, sorted.
func (p *parser) records() []Record {
	n := 0
	for _, s := range p.sets {
		n += len(s.recs)
	}
	if n == 0 {
		return nil
	}
	// Sized once: appending set by set regrew the slice about five
	// times per file.
	out := make([]Record, 0, n)
	for _, s := range p.sets {
		out = append(out, s.recs...)
	}
	sortRecords(out)
	return out
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
	sets         []*rrset

	name       *yaml.Node         // the key of the name being read
	values     int                // values read so far, aliases counted each time they are used
	aliasNodes int                // YAML nodes reached through aliases so far
	sizes      map[*yaml.Node]int // alias targets' expanded sizes; -1 while being counted
}

// rrset is one record of the file as written: a name, a type and its values.
type rrset struct {
	name string
	typ  string
	node *yaml.Node // the record mapping
	recs []Record
}

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

func (p *parser) document(root *yaml.Node) {
	root = p.deref(root)
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a zone file is a mapping of names to records, as in octoDNS")
		return
	}
	seen := make(map[string]*yaml.Node, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], p.deref(root.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!null" && k.Value != "" {
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
	// Keys and values by their index in recordKeys: two maps per record
	// were a tenth of ParseFile's allocations.
	var keys, vals [5]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		j := slices.Index(recordKeys, k.Value)
		if j < 0 {
			p.errorf(k, "unknown record key %q (allowed: %s)", k.Value, strings.Join(recordKeys, ", "))
			continue
		}
		if keys[j] != nil {
			p.errorf(k, "record key %q is repeated", k.Value)
			continue
		}
		keys[j] = k
		vals[j] = p.deref(n.Content[i+1])
	}
	const kType, kTTL, kValue, kValues, kOctodns = 0, 1, 2, 3, 4

	o := p.octodns(vals[kOctodns])
	if o.ignored {
		return // octoDNS skips an ignored record entirely, unvalidated
	}

	tn := vals[kType]
	if tn == nil {
		p.errorf(n, "record has no type")
		return
	}
	typ, ok := p.recordType(tn)
	if !ok {
		return
	}
	p.placement(typ, name, tn)

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

	set := &rrset{name: name, typ: typ, node: n}
	p.sets = append(p.sets, set)
	add := func(vn *yaml.Node, pos Pos, seen map[string]*yaml.Node) {
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
			Proxied: o.proxied, AutoTTL: o.autoTTL, Comment: o.comment,
			Pos: pos,
		})
	}
	vn, vsn := vals[kValue], vals[kValues]
	switch {
	case vn != nil && vsn != nil:
		p.errorf(keys[kValues], "record has both value and values; use one of them")
	case vn == nil && vsn == nil:
		p.errorf(n, "%s record has no value or values", typ)
	case vn != nil:
		if vn.Kind == yaml.SequenceNode {
			p.errorf(vn, "value holds one value; write a list under values:")
			return
		}
		add(vn, p.pos(n), map[string]*yaml.Node{})
	default:
		if vsn.Kind != yaml.SequenceNode {
			p.errorf(vsn, "values must be a list; for one value write value:")
			return
		}
		if len(vsn.Content) == 0 {
			p.errorf(vsn, "values is empty")
			return
		}
		seen := make(map[string]*yaml.Node, len(vsn.Content))
		for i, it := range vsn.Content {
			if i > 0 && (typ == "CNAME" || typ == "ALIAS") {
				p.errorf(it, "%s takes a single value", typ)
				break
			}
			add(it, p.pos(p.deref(it)), seen)
		}
	}
}

// recordType reads and checks the type against what exists, the Company's
// policy and the provider.
func (p *parser) recordType(tn *yaml.Node) (string, bool) {
	if tn.Kind != yaml.ScalarNode {
		p.errorf(tn, "type must be a record type such as A or MX")
		return "", false
	}
	typ := strings.ToUpper(tn.Value)
	switch {
	case typ == "SPF":
		p.errorf(tn, "SPF records were retired by RFC 7208; publish the policy as a TXT record")
		return "", false
	case !KnownType(typ):
		p.errorf(tn, "unknown record type %q (supported: %s)", tn.Value, strings.Join(Types, ", "))
		return "", false
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
		switch {
		case apex:
			p.errorf(tn, "NS at the zone apex %q is set by the provider; declare NS only to delegate a name below it", p.zone)
		case strings.HasPrefix(name, "*."):
			p.errorf(tn, "NS at the wildcard name %s: a wildcard cannot be delegated (RFC 4592 §4.2), and name servers refuse to load a zone that tries", p.show(name))
		}
	case "A", "AAAA", "MX":
		// BIND lets Active Directory's gc._msdcs.<forest> hold
		// addresses (checkowner in
		// https://gitlab.isc.org/isc-projects/bind9/-/blob/main/lib/dns/rdata/in_1/a_1.c).
		if !IsHostOwner(name) && !(typ == "A" && strings.HasPrefix(name, "gc._msdcs.") && IsHostname(name[len("gc._msdcs."):])) {
			p.errorf(tn, "%s at %s: the name is not a host name (letters, digits and '-' in each label, a leading '*' allowed), and name servers refuse to load a zone with %s records there (BIND check-names)", typ, p.show(name), typ)
		}
	case "SRV":
		// RFC 2782: the owner is _service._proto.name.
		labels := strings.SplitN(name, ".", 3)
		if len(labels) < 3 || !strings.HasPrefix(labels[0], "_") || !strings.HasPrefix(labels[1], "_") || len(labels[0]) < 2 || len(labels[1]) < 2 {
			p.errorf(tn, "SRV name %q must start with _service._proto labels, such as \"_sip._tcp\"", strings.TrimSuffix(relative(name, p.origin), "."))
		}
	}
}

func (p *parser) recordTTL(n *yaml.Node) uint32 {
	v, err := strconv.ParseUint(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || err != nil || v > maxTTL {
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
	proxied     bool
	proxiedNode *yaml.Node
	autoTTL     bool
	comment     string
}

// cloudflareKeys are the keys of octodns.cloudflare zoneward honours.
var cloudflareKeys = []string{"proxied", "auto-ttl", "comment"}

// octodns reads the metadata block. Keys of other providers (route53,
// ns1, …) and healthcheck are octoDNS's and left alone, so that an
// octoDNS user's file works unchanged.
func (p *parser) octodns(n *yaml.Node) octodnsMeta {
	var o octodnsMeta
	if n == nil {
		return o
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "octodns must be a mapping (such as cloudflare: {proxied: true})")
		return o
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		switch k.Value {
		case "ignored":
			o.ignored = p.boolNode(v, "octodns.ignored")
		case "cloudflare":
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "octodns.cloudflare must be a mapping of %s", strings.Join(cloudflareKeys, ", "))
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				ck, cv := v.Content[j], p.deref(v.Content[j+1])
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
				default:
					p.errorf(ck, "unknown key %q in octodns.cloudflare (known keys: %s)", ck.Value, strings.Join(cloudflareKeys, ", "))
				}
			}
		}
	}
	return o
}

func nonPrintableUnicode(s string) int {
	for i, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return i
		}
	}
	return -1
}

func (p *parser) boolNode(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			return b
		}
		switch strings.ToLower(n.Value) {
		case "yes", "on":
			return true
		case "no", "off":
			return false
		}
	}
	p.errorf(n, "%s must be true or false, not %q", what, n.Value)
	return false
}

// checkFile applies the rules that relate records of the file to each
// other.
func (p *parser) checkFile() {
	byKey := make(map[string]*rrset, len(p.sets))
	byName := make(map[string][]*rrset, len(p.sets))
	delegated := map[string]*rrset{}
	for _, s := range p.sets {
		key := s.name + " " + s.typ
		if first, dup := byKey[key]; dup {
			p.errorf(s.node, "duplicate %s record for %s (first at line %d); put all its values in one record", s.typ, p.show(s.name), first.node.Line)
			continue
		}
		byKey[key] = s
		byName[s.name] = append(byName[s.name], s)
		if s.typ == "NS" && s.name != p.zone {
			delegated[s.name] = s
		}
	}
	lim := p.opts.RecordLimits
	for _, s := range p.sets {
		if byKey[s.name+" "+s.typ] != s {
			continue
		}
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
		if cut, ok := delegationAbove(s.name, p.origin, delegated); ok {
			if cut.name == s.name {
				if s.typ != "NS" && s.typ != "DS" {
					p.errorf(s.node, "%s at %s stands beside its NS delegation (line %d); only NS and DS belong at a zone cut", s.typ, p.show(s.name), cut.node.Line)
				}
			} else {
				p.errorf(s.node, "%s is below the NS delegation of %s (line %d); only the delegated zone can hold it", p.show(s.name), p.show(cut.name), cut.node.Line)
			}
		}
	}
}

// delegationAbove finds the nearest delegation at or above name, within origin.
func delegationAbove(name, origin string, delegated map[string]*rrset) (*rrset, bool) {
	if len(delegated) == 0 {
		return nil, false
	}
	for n := name; n != "" && n != "."; {
		if s, ok := delegated[n]; ok {
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
