package schema

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// Encode writes records as an octoDNS YAML file for origin (fully
// qualified, with its trailing dot): names relative to origin (” for the
// origin itself), one record per name and type with value: or values:,
// the TTL, and Cloudflare options under octodns:. Record values must be
// canonical (see CanonicalValue). It is what `zoneward import` writes, and
// ParseFile reads the result back to the same records.
//
// Encode fails on what the format cannot say: a name outside origin, an
// unknown type, a value it cannot read, or values of one name and type
// that differ in TTL or Cloudflare options (octoDNS has one TTL and one
// set of options per record).
func Encode(origin string, records []Record) ([]byte, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	rs := append([]Record(nil), records...)
	sortRecords(rs)
	// The origin's records first, as octoDNS files are usually written.
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Name == origin && rs[j].Name != origin })

	root := &yaml.Node{Kind: yaml.MappingNode}
	var group []*yaml.Node // records of the current name
	var name string
	flush := func() {
		if len(group) == 0 {
			return
		}
		key := relative(name, origin)
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
		if key == "" || strings.HasPrefix(key, "*") {
			k.Style = yaml.SingleQuotedStyle
		}
		v := group[0]
		if len(group) > 1 {
			v = &yaml.Node{Kind: yaml.SequenceNode, Content: group}
		}
		root.Content = append(root.Content, k, v)
		group = nil
	}
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j].Name == rs[i].Name && rs[j].Type == rs[i].Type {
			j++
		}
		set := rs[i:j]
		i = j
		r := set[0]
		if r.Name != origin && !isBelow(r.Name, origin) {
			return nil, fmt.Errorf("encoding %s: record %q is outside the origin", origin, r.Name)
		}
		if r.Name != name {
			flush()
			name = r.Name
		}
		n, err := encodeSet(set)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", origin, err)
		}
		group = append(group, n)
	}
	flush()

	var b bytes.Buffer
	b.WriteString("---\n")
	if len(root.Content) == 0 {
		b.WriteString("{}\n")
		return b.Bytes(), nil
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", origin, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", origin, err)
	}
	return b.Bytes(), nil
}

func encodeSet(set []Record) (*yaml.Node, error) {
	r := set[0]
	if !KnownType(r.Type) {
		return nil, fmt.Errorf("record %q has unknown type %q", r.Name, r.Type)
	}
	for _, o := range set[1:] {
		if o.TTL != r.TTL {
			return nil, fmt.Errorf("%s records at %q have different TTLs (%d and %d)", r.Type, r.Name, r.TTL, o.TTL)
		}
		if o.Proxied != r.Proxied || o.AutoTTL != r.AutoTTL || o.Comment != r.Comment || o.Tags != r.Tags {
			return nil, fmt.Errorf("%s records at %q have different Cloudflare options", r.Type, r.Name)
		}
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, str("type"), str(r.Type), str("ttl"), num(uint64(r.TTL)))
	var vals []*yaml.Node
	for _, rec := range set {
		v, err := encodeValue(rec.Type, rec.Value)
		if err != nil {
			return nil, fmt.Errorf("%s record at %q: %w", rec.Type, rec.Name, err)
		}
		vals = append(vals, v)
	}
	if len(vals) == 1 {
		m.Content = append(m.Content, str("value"), vals[0])
	} else {
		m.Content = append(m.Content, str("values"), &yaml.Node{Kind: yaml.SequenceNode, Content: vals})
	}
	if r.Proxied || r.AutoTTL || r.Comment != "" || r.Tags != "" {
		cf := &yaml.Node{Kind: yaml.MappingNode}
		if r.Proxied {
			cf.Content = append(cf.Content, str("proxied"), boolean(true))
		}
		if r.AutoTTL {
			cf.Content = append(cf.Content, str("auto-ttl"), boolean(true))
		}
		if r.Comment != "" {
			cf.Content = append(cf.Content, str("comment"), str(r.Comment))
		}
		if r.Tags != "" {
			tags := &yaml.Node{Kind: yaml.SequenceNode}
			for _, t := range strings.Split(r.Tags, "\n") {
				tags.Content = append(tags.Content, str(t))
			}
			cf.Content = append(cf.Content, str("tags"), tags)
		}
		m.Content = append(m.Content, str("octodns"), &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str("cloudflare"), cf}})
	}
	return m, nil
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func num(v uint64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v, 10)}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		var v *yaml.Node
		switch x := kv[i+1].(type) {
		case string:
			v = str(x)
		case uint8:
			v = num(uint64(x))
		case uint16:
			v = num(uint64(x))
		case *yaml.Node:
			v = x
		}
		m.Content = append(m.Content, str(kv[i].(string)), v)
	}
	return m
}

// encodeValue turns a canonical value back into octoDNS's shape for typ.
func encodeValue(typ, value string) (*yaml.Node, error) {
	t := typ
	if t == "ALIAS" {
		t = "CNAME"
	}
	rr, err := dns.NewRR(". 3600 IN " + t + " " + value)
	if err != nil || rr == nil {
		return nil, fmt.Errorf("value %q cannot be read: %v", value, err)
	}
	switch r := rr.(type) {
	case *dns.A:
		return str(r.A.String()), nil
	case *dns.AAAA:
		return str(r.AAAA.String()), nil
	case *dns.CNAME:
		return str(r.Target), nil
	case *dns.DNAME:
		return str(r.Target), nil
	case *dns.NS:
		return str(r.Ns), nil
	case *dns.PTR:
		return str(r.Ptr), nil
	case *dns.MX:
		return mapping("preference", r.Preference, "exchange", r.Mx), nil
	case *dns.TXT:
		var b strings.Builder
		for _, s := range r.Txt {
			b.WriteString(txtUnquote(s))
		}
		return str(octoTXT(b.String())), nil
	case *dns.SRV:
		return mapping("priority", r.Priority, "weight", r.Weight, "port", r.Port, "target", r.Target), nil
	case *dns.CAA:
		return mapping("flags", r.Flag, "tag", r.Tag, "value", r.Value), nil
	case *dns.DS:
		return mapping("key_tag", r.KeyTag, "algorithm", r.Algorithm, "digest_type", r.DigestType, "digest", r.Digest), nil
	case *dns.TLSA:
		return mapping("certificate_usage", r.Usage, "selector", r.Selector, "matching_type", r.MatchingType, "certificate_association_data", r.Certificate), nil
	case *dns.SSHFP:
		return mapping("algorithm", r.Algorithm, "fingerprint_type", r.Type, "fingerprint", r.FingerPrint), nil
	case *dns.NAPTR:
		return mapping("order", r.Order, "preference", r.Preference, "flags", r.Flags, "service", r.Service, "regexp", r.Regexp, "replacement", r.Replacement), nil
	case *dns.URI:
		return mapping("priority", r.Priority, "weight", r.Weight, "target", r.Target), nil
	case *dns.LOC:
		return encodeLOC(value)
	case *dns.HTTPS:
		return encodeSVCB(&r.SVCB), nil
	case *dns.SVCB:
		return encodeSVCB(r), nil
	}
	return nil, fmt.Errorf("type %s cannot be written", typ)
}

// encodeLOC writes a LOC value in octoDNS's keys from its canonical
// presentation form, "52 22 23.000 N 4 53 32.000 E -2m 1m 10000m 10m",
// which holds every field as the record stores it.
func encodeLOC(value string) (*yaml.Node, error) {
	f := strings.Fields(value)
	if len(f) != len(locKeys) {
		return nil, fmt.Errorf("LOC value %q does not have %d fields", value, len(locKeys))
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i, k := range locKeys {
		v := strings.TrimSuffix(f[i], "m")
		var n *yaml.Node
		switch k {
		case "lat_direction", "long_direction":
			n = str(v)
		default:
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("LOC value %q: %s %q is not a number", value, k, v)
			}
			n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(x, 'f', -1, 64)}
			if x == float64(int64(x)) {
				n.Tag = "!!int"
			}
		}
		m.Content = append(m.Content, str(k), n)
	}
	return m, nil
}

func encodeSVCB(r *dns.SVCB) *yaml.Node {
	m := mapping("svcpriority", r.Priority, "targetname", r.Target)
	if len(r.Value) == 0 {
		return m
	}
	params := &yaml.Node{Kind: yaml.MappingNode}
	kvs := append([]dns.SVCBKeyValue(nil), r.Value...)
	sort.SliceStable(kvs, func(i, j int) bool { return kvs[i].Key() < kvs[j].Key() })
	for _, kv := range kvs {
		key := kv.Key().String()
		var v *yaml.Node
		switch {
		case key == "no-default-alpn" || key == "ohttp":
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "~"}
		case svcListParams[key]:
			v = &yaml.Node{Kind: yaml.SequenceNode}
			for _, item := range strings.Split(kv.String(), ",") {
				v.Content = append(v.Content, str(item))
			}
		case key == "port":
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: kv.String()}
		default:
			v = str(kv.String())
		}
		params.Content = append(params.Content, str(key), v)
	}
	m.Content = append(m.Content, str("svcparams"), params)
	return m
}

// txtUnquote decodes the escapes miekg/dns keeps in a TXT
// character-string: "\X" for X and "\DDD" for the byte DDD.
func txtUnquote(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				d, _ := strconv.Atoi(s[i+1 : i+4])
				b.WriteByte(byte(d))
				i += 3
				continue
			}
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// octoTXT writes TXT content in octoDNS's escaping: "\;" and "\\". Quotes
// are text, but in content that starts with one or holds `" "`, which
// octoDNS reads as chunk quoting (see txtChunks): there they are written
// "\"".
func octoTXT(s string) string {
	quotes := strings.HasPrefix(s, `"`) || strings.Contains(s, `" "`)
	if !strings.ContainsAny(s, `;\`) && !quotes {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == '\\' || s[i] == '"' && quotes {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
