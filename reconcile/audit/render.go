package audit

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/zoneward/zoneward/reconcile"
)

// Record returns the finding's record as "name TYPE value", each part
// quoted when it is not printable ASCII.
func (f Finding) Record() string {
	return quote(f.Name) + " " + quote(f.Type) + " " + quote(f.Value)
}

// Message returns the finding as one sentence for a terminal or a log,
// every name in it quoted when it is not plainly a host name.
func (f Finding) Message() string { return f.message(quote) }

// message builds the sentence; q renders each name or value, so that text
// and Markdown share the words and differ only in quoting.
func (f Finding) message(q func(string) string) string {
	end := f.End()
	var b strings.Builder
	switch f.Kind {
	case Claimable:
		fmt.Fprintf(&b, "%s is below %s, a service where anyone can claim an unused name, and it does not exist (NXDOMAIN): whoever claims it serves %s", q(end), q(f.Suffix), q(f.Name))
		if len(f.Chain) > 0 {
			fmt.Fprintf(&b, " (the CNAME chain is %s)", f.path(q))
		}
	case Dangling:
		switch {
		case f.Cause == CauseLoop:
			fmt.Fprintf(&b, "the CNAME chain %s loops", f.path(q))
		case len(f.Chain) > 0 && f.Cause == CauseNoAddress:
			fmt.Fprintf(&b, "the CNAME chain %s ends at a name without an address (no A or AAAA record)", f.path(q))
		case len(f.Chain) > 0:
			fmt.Fprintf(&b, "the CNAME chain %s ends at a name that does not exist (NXDOMAIN)", f.path(q))
		case f.Cause == CauseNoAddress:
			fmt.Fprintf(&b, "%s exists but has no address (no A or AAAA record)", q(end))
		default:
			fmt.Fprintf(&b, "%s does not exist (NXDOMAIN)", q(end))
		}
		if f.Registrable != "" {
			fmt.Fprintf(&b, "; its domain %s is not registered: anyone can register it and answer for %s", q(f.Registrable), q(f.Name))
		}
	case Lame:
		switch f.Cause {
		case CauseNXDomain:
			fmt.Fprintf(&b, "nameserver %s does not exist (NXDOMAIN)", q(end))
			if f.Registrable != "" {
				fmt.Fprintf(&b, "; its domain %s is not registered: whoever registers it answers for %s and every name below it", q(f.Registrable), q(f.Name))
			}
		case CauseNoAddress:
			fmt.Fprintf(&b, "nameserver %s has no address", q(f.Target))
		case CauseNotPublic:
			fmt.Fprintf(&b, "nameserver %s has no address reachable from the Internet (%s)", q(f.Target), q(f.Detail))
		default:
			fmt.Fprintf(&b, "nameserver %s does not answer authoritatively for %s (%s)", q(f.Target), q(f.Name), q(f.Detail))
		}
	default:
		fmt.Fprintf(&b, "%s could not be checked: %s", q(f.Target), q(f.Detail))
	}
	return b.String()
}

// path is the CNAME chain from the target: "a → b → c".
func (f Finding) path(q func(string) string) string {
	parts := []string{q(f.Target)}
	for _, c := range f.Chain {
		parts = append(parts, q(c))
	}
	return strings.Join(parts, " → ")
}

// advice says what the owner should do, in Markdown-safe words.
func (f Finding) advice(q func(string) string) string {
	switch {
	case f.Kind == Claimable:
		return fmt.Sprintf("Delete the record, or claim %s at the service again before anyone else does.", q(f.End()))
	case f.Registrable != "":
		return fmt.Sprintf("Delete the record now: anyone can register %s.", q(f.Registrable))
	case f.Kind == Lame:
		return fmt.Sprintf("Create the zone %s at that nameserver, or delete the NS record. Until then, whoever gets the zone created there answers for every name below it.", q(f.Name))
	case f.Kind == Dangling && f.Severity == Error:
		return "Delete the record, or point it at a name that exists."
	}
	return "Point the record at a host that exists, or delete it."
}

// quote returns s as is when it is printable ASCII, else Go-quoted with
// every other byte escaped, so that text from a tenant or a DNS answer
// cannot move a terminal's cursor or forge a line.
func quote(s string) string {
	if s != "" && printable(s) {
		return s
	}
	return strconv.QuoteToASCII(s)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// String returns the finding as one line for a terminal, in the
// "file:line: severity: kind: record: message [owners]" form editors jump
// to, every name in it quoted when it is not plainly printable.
func (f Finding) String() string {
	owners := ""
	for i, o := range f.Owners {
		if i == 0 {
			owners = " ["
		} else {
			owners += " "
		}
		owners += quote(o)
	}
	if owners != "" {
		owners += "]"
	}
	return fmt.Sprintf("%s: %s: %s: %s: %s%s", f.Source(), f.Severity, f.Kind, f.Record(), f.Message(), owners)
}

// Totals returns one sentence counting r's findings by severity, and the
// records and zones checked.
func (r *Report) Totals() string {
	if len(r.Findings) == 0 {
		return fmt.Sprintf("No findings: %d record(s) in %d zone(s) checked.", r.Records, len(r.Zones))
	}
	return fmt.Sprintf("%d finding(s): %d error, %d warning, %d notice; %d record(s) in %d zone(s) checked.",
		len(r.Findings), r.Count(Error), r.Count(Warning), r.Count(Notice), r.Records, len(r.Zones))
}

// Text writes the report for a terminal: one line per finding
// ([Finding.String]), then a summary.
func Text(w io.Writer, r *Report) error {
	for _, f := range r.Findings {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, r.Totals())
	_, err := fmt.Fprintf(w, "Resolved %d name(s) and %d delegation(s) with %d DNS queries.\n", r.Targets, r.Delegations, r.Queries)
	return err
}

// JSONFinding is a finding in `audit --format json`. Fields are only ever
// added.
type JSONFinding struct {
	Kind        Kind     `json:"kind"`
	Severity    string   `json:"severity"`
	Cause       Cause    `json:"cause"`
	Zone        string   `json:"zone"`
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Value       string   `json:"value"`
	Target      string   `json:"target"`
	Chain       []string `json:"chain"`
	Registrable string   `json:"registrable,omitempty"`
	Suffix      string   `json:"suffix,omitempty"`
	Detail      string   `json:"detail,omitempty"`
	Message     string   `json:"message"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
	Owners      []string `json:"owners"`
	Key         string   `json:"key"`
}

// JSON returns the finding in its `audit --format json` form.
func (f Finding) JSON() JSONFinding {
	chain, owners := f.Chain, f.Owners
	if chain == nil {
		chain = []string{}
	}
	if owners == nil {
		owners = []string{}
	}
	return JSONFinding{
		Kind: f.Kind, Severity: f.Severity.String(), Cause: f.Cause, Zone: f.Zone, Name: f.Name, Type: f.Type,
		Value: f.Value, Target: f.Target, Chain: chain, Registrable: f.Registrable, Suffix: f.Suffix,
		Detail: f.Detail, Message: f.Message(), File: f.File, Line: f.Line, Owners: owners, Key: f.Key(),
	}
}

// JSONSummary counts a report's findings and work in `audit --format
// json`. Fields are only ever added.
type JSONSummary struct {
	Error       int   `json:"error"`
	Warning     int   `json:"warning"`
	Notice      int   `json:"notice"`
	Zones       int   `json:"zones"`
	Records     int   `json:"records"`
	Targets     int   `json:"targets"`
	Delegations int   `json:"delegations"`
	Queries     int64 `json:"queries"`
}

// Summary returns r's counts.
func (r *Report) Summary() JSONSummary {
	return JSONSummary{Error: r.Count(Error), Warning: r.Count(Warning), Notice: r.Count(Notice),
		Zones: len(r.Zones), Records: r.Records, Targets: r.Targets, Delegations: r.Delegations, Queries: r.Queries}
}

// JSON writes the report as one JSON document, every rune that is not
// graphic escaped (reconcile.EncodeJSON): names and values come from
// tenants and DNS answers.
func JSON(w io.Writer, r *Report) error {
	out := struct {
		Findings []JSONFinding `json:"findings"`
		Summary  JSONSummary   `json:"summary"`
	}{Findings: []JSONFinding{}, Summary: r.Summary()}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, f.JSON())
	}
	return reconcile.EncodeJSON(w, out)
}

// MarkerPrefix begins the hidden marker of every issue the audit keeps.
const MarkerPrefix = "<!-- zoneward:audit "

// Marker is the hidden HTML comment that finds f's issue again: its zone,
// its file (validated names and paths, which cannot end the comment) and
// Key.
func (f Finding) Marker() string {
	return MarkerPrefix + "zone=" + f.Zone + " file=" + f.File + " key=" + f.Key() + " -->"
}

var markerRE = regexp.MustCompile(`^<!-- zoneward:audit zone=([a-z0-9._-]+\.) file=([a-z0-9._/-]+) key=([0-9a-f]{16}) -->$`)

// Mark is what a marker records.
type Mark struct {
	Zone, File, Key string
}

// ParseMarker returns what a marker written by [Finding.Marker] records;
// ok is false for anything else.
func ParseMarker(m string) (mark Mark, ok bool) {
	sm := markerRE.FindStringSubmatch(m)
	if sm == nil {
		return Mark{}, false
	}
	return Mark{Zone: sm[1], File: sm[2], Key: sm[3]}, true
}

// IssueTitle is the title of f's issue: the kind and the record's name and
// type, which the loader has restricted to host-name characters.
func (f Finding) IssueTitle() string {
	t := fmt.Sprintf("DNS %s: %s %s", f.Kind, f.Name, f.Type)
	if len(t) > 200 { // GitHub refuses titles over 256 characters
		t = t[:200]
	}
	return t
}

// IssueBody is the Markdown body of f's issue, marker first. It names the
// record, its file:line and what was found, and mentions the file's owners.
// Every name and value is in a code span, where GitHub renders no Markdown
// or HTML and links no mention, so tenant text cannot inject either. It
// holds nothing that changes from run to run unless the finding does, so
// an unchanged finding costs no edit.
func (f Finding) IssueBody() string {
	var b strings.Builder
	b.WriteString(f.Marker())
	fmt.Fprintf(&b, "\n### %s: %s\n\n", f.Severity, f.Kind)
	fmt.Fprintf(&b, "The record %s %s %s, declared at %s, is at risk: %s.\n\n",
		code(f.Name), code(f.Type), code(f.Value), code(f.Source()), f.message(code))
	b.WriteString("**Owners:**")
	if len(f.Owners) == 0 {
		b.WriteString(" none")
	}
	for _, o := range f.Owners {
		if reconcile.IsMention(o) { // GitHub notifies them; other owners are quoted
			b.WriteString(" " + o)
		} else {
			b.WriteString(" " + code(o))
		}
	}
	fmt.Fprintf(&b, "\n\n**What to do:** %s\n\n", f.advice(code))
	b.WriteString("<sub>Kept up to date by `zoneward audit --issues`: edited when the finding changes, closed when it is gone. Close it as not planned to stop it being reopened.</sub>\n")
	return b.String()
}

// code returns s as a Markdown code span, its fence longer than any run of
// backticks inside, and characters outside printable ASCII escaped first
// (as Go escapes them), so that no line break or invisible character gets
// through.
func code(s string) string {
	if !printable(s) {
		var b strings.Builder
		for _, r := range s {
			if r >= 0x20 && r < 0x7f {
				b.WriteRune(r)
				continue
			}
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		s = b.String()
	}
	if s == "" {
		return "` `"
	}
	fence, run := 1, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			fence = max(fence, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", fence)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return f + " " + s + " " + f
	}
	return f + s + f
}
