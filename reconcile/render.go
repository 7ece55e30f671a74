package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"
)

// TextOptions tune WriteText.
type TextOptions struct {
	Color bool // ANSI colours; only for terminals
}

// WriteText writes p for people: one block per zone that changes or
// cannot be applied, a row per record change with its source and owners,
// then revoked files and a summary line. Values from files are quoted, so
// no file can inject terminal escapes.
func WriteText(w io.Writer, p *Plan, o TextOptions) error {
	bw := &errWriter{w: w}
	paint := func(code, s string) string {
		if !o.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	unchanged := 0
	for _, zp := range p.Zones {
		blocked := zp.Blocked()
		if zp.Changes.Empty() && blocked == "" && zp.Unsafe == nil {
			unchanged++
			continue
		}
		bw.printf("%s\n", paint("1", zp.Zone))
		if blocked != "" {
			bw.printf("  %s\n", paint("31", "! "+blocked))
		}
		for _, c := range zp.Conflicts {
			bw.printf("  %s\n", paint("31", "! "+c.String()))
		}
		if zp.Unsafe != nil {
			bw.printf("  %s\n", paint("31", "! "+zp.Unsafe.Error()))
		}
		tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
		for _, c := range flatten(zp, p.Files) {
			var sign, val string
			switch c.Op {
			case "create":
				sign, val = paint("32", "+"), display(c.Value)
			case "delete":
				sign, val = paint("31", "-"), display(c.Value)
			default:
				sign = paint("33", "~")
				val = display(c.Old.Value)
				if c.Old.Value != c.Value {
					val += " → " + display(c.Value)
				}
				if c.Old.TTL != c.TTL {
					val += fmt.Sprintf(" (ttl %d → %d)", c.Old.TTL, c.TTL)
				}
				if c.Old.File != c.File {
					if c.Old.File == "" {
						val += " (adopt)"
					} else {
						val += fmt.Sprintf(" (from %s)", c.Old.File)
					}
				}
			}
			src := c.Source
			if len(c.Owners) > 0 {
				src += " " + strings.Join(c.Owners, " ")
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%d\t%s\t%s\n", sign, c.Name, c.Type, c.TTL, val, src)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		var kept []string
		if zp.Unmanaged > 0 {
			kept = append(kept, fmt.Sprintf("%d unmanaged", zp.Unmanaged))
		}
		if zp.Frozen > 0 {
			kept = append(kept, fmt.Sprintf("%d of revoked files (frozen)", zp.Frozen))
		}
		if len(kept) > 0 {
			bw.printf("  = kept as they are: %s\n", strings.Join(kept, ", "))
		}
		bw.printf("\n")
	}
	if rev := revokedFiles(p); len(rev) > 0 {
		bw.printf("%s\n", paint("1", "Revoked files (ignored):"))
		for _, f := range rev {
			bw.printf("  %s: %s\n", f.Path, f.Reason)
		}
		bw.printf("\n")
	}
	c, u, d := p.Changes()
	if c+u+d == 0 {
		bw.printf("No changes. %d zone(s) up to date.\n", unchanged)
	} else {
		bw.printf("Plan: %d to create, %d to update, %d to delete; %d zone(s) unchanged.\n", c, u, d, unchanged)
	}
	return bw.err
}

// display shows a record value for people: as it is when every character
// is printable, quoted otherwise (so no file can inject terminal escapes),
// and shortened past 64 characters: the plan is a summary, the file and
// the JSON output hold the whole value.
func display(v string) string {
	for _, r := range v {
		if !strconv.IsPrint(r) {
			v = strconv.Quote(v)
			break
		}
	}
	if utf8.RuneCountInString(v) > 64 {
		rs := []rune(v)
		v = string(rs[:40]) + "…" + string(rs[len(rs)-20:])
	}
	return v
}

// WriteMarkdown writes p as a pull-request comment: a table per zone,
// then refusals. User text is escaped so a file cannot inject Markdown.
func WriteMarkdown(w io.Writer, p *Plan) error {
	bw := &errWriter{w: w}
	c, u, d := p.Changes()
	bw.printf("### zoneward plan")
	if p.Rev != "" {
		bw.printf(" for `%s`", shortRev(p.Rev))
	}
	bw.printf("\n\n")
	if c+u+d == 0 && !anyBlocked(p) {
		bw.printf("No changes.\n")
	}
	for _, zp := range p.Zones {
		blocked := zp.Blocked()
		if zp.Changes.Empty() && blocked == "" && zp.Unsafe == nil {
			continue
		}
		bw.printf("#### `%s`\n\n", zp.Zone)
		if blocked != "" {
			bw.printf("> :no_entry: %s\n\n", mdEscape(blocked))
		}
		for _, cf := range zp.Conflicts {
			bw.printf("- :warning: %s\n", mdEscape(cf.String()))
		}
		if len(zp.Conflicts) > 0 {
			bw.printf("\n")
		}
		if zp.Unsafe != nil {
			bw.printf("> :warning: %s\n\n", mdEscape(zp.Unsafe.Error()))
		}
		rows := flatten(zp, p.Files)
		if len(rows) > 0 {
			bw.printf("| | name | type | ttl | value | file | owners |\n|---|---|---|---|---|---|---|\n")
			for _, r := range rows {
				val := "`" + mdCode(r.Value) + "`"
				if r.Op == "update" && r.Old.Value != r.Value {
					val = "`" + mdCode(r.Old.Value) + "` → " + val
				}
				bw.printf("| %s | `%s` | %s | %d | %s | `%s` | %s |\n", opSign(r.Op), mdCode(r.Name), r.Type, r.TTL, val,
					mdCode(r.Source), mdEscape(strings.Join(r.Owners, " ")))
			}
			bw.printf("\n")
		}
	}
	if rev := revokedFiles(p); len(rev) > 0 {
		bw.printf("**Revoked files (ignored):**\n\n")
		for _, f := range rev {
			bw.printf("- `%s`: %s\n", mdCode(f.Path), mdEscape(f.Reason))
		}
		bw.printf("\n")
	}
	bw.printf("%d to create, %d to update, %d to delete.\n", c, u, d)
	return bw.err
}

func opSign(op string) string {
	switch op {
	case "create":
		return "+"
	case "delete":
		return "−"
	}
	return "~"
}

func anyBlocked(p *Plan) bool {
	for _, zp := range p.Zones {
		if zp.Blocked() != "" || zp.Unsafe != nil {
			return true
		}
	}
	return false
}

func mdEscape(s string) string {
	s = graphic(s)
	r := strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "\n", " ")
	return r.Replace(s)
}

// graphic replaces each non-graphic rune of s (terminal escapes, controls)
// by its Go escape, leaving the rest as it is.
func graphic(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsGraphic(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// mdCode prepares s for a code span in a table cell: non-printable text
// quoted (as in the text plan), backticks and pipes neutralised.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "\\|", "\n", " ").Replace(display(s))
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// JSONPlan is the stable JSON form of a plan (`--format json`); the README
// documents it. Fields are only ever added.
type JSONPlan struct {
	Revision string         `json:"revision"`
	Zones    []JSONZone     `json:"zones"`
	Files    []JSONFile     `json:"files"`
	Summary  JSONSummary    `json:"summary"`
	Requests map[string]int `json:"requests,omitempty"`
}

// JSONZone is one zone of a JSONPlan.
type JSONZone struct {
	Zone        string       `json:"zone"`
	State       string       `json:"state,omitempty"` // provider's zone state, when known
	Nameservers []string     `json:"nameservers,omitempty"`
	Blocked     string       `json:"blocked,omitempty"`
	Unsafe      string       `json:"unsafe,omitempty"`
	Existing    int          `json:"existing"`
	Unmanaged   int          `json:"unmanaged"`
	Frozen      int          `json:"frozen"`
	Changes     []JSONChange `json:"changes"`
	Conflicts   []string     `json:"conflicts,omitempty"`
}

// JSONChange is one record operation.
type JSONChange struct {
	Op      string    `json:"op"` // create, update, delete
	Name    string    `json:"name"`
	Type    string    `json:"type"`
	TTL     uint32    `json:"ttl"`
	Value   string    `json:"value"`
	Proxied bool      `json:"proxied,omitempty"`
	File    string    `json:"file"` // the file asking for it; for deletes, the file that placed it ("" unmanaged)
	Line    int       `json:"line,omitempty"`
	Source  string    `json:"-"`
	Owners  []string  `json:"owners"`
	Old     *JSONPrev `json:"old,omitempty"` // updates: the record as it is
}

// JSONPrev is the current state of an updated record.
type JSONPrev struct {
	TTL     uint32 `json:"ttl"`
	Value   string `json:"value"`
	Proxied bool   `json:"proxied,omitempty"`
	File    string `json:"file"`
}

// JSONFile is one file of the repository.
type JSONFile struct {
	Path    string   `json:"path"`
	Zone    string   `json:"zone"`
	State   string   `json:"state"` // active, revoked, invalid
	Company bool     `json:"company,omitempty"`
	Owners  []string `json:"owners"`
	Reason  string   `json:"reason,omitempty"`
	Records int      `json:"records"`
}

// JSONSummary counts a plan's changes.
type JSONSummary struct {
	Create         int `json:"create"`
	Update         int `json:"update"`
	Delete         int `json:"delete"`
	ZonesChanged   int `json:"zones_changed"`
	ZonesUnchanged int `json:"zones_unchanged"`
	ZonesBlocked   int `json:"zones_blocked"`
}

// ToJSON converts p to its stable JSON form.
func ToJSON(p *Plan) JSONPlan {
	out := JSONPlan{Revision: p.Rev, Zones: []JSONZone{}, Files: []JSONFile{}}
	for _, zp := range p.Zones {
		jz := JSONZone{Zone: zp.Zone, Blocked: zp.Blocked(), Existing: zp.Existing, Unmanaged: zp.Unmanaged,
			Frozen: zp.Frozen, Changes: flatten(zp, p.Files)}
		if jz.Changes == nil {
			jz.Changes = []JSONChange{}
		}
		if zp.Status != nil {
			jz.State, jz.Nameservers = string(zp.Status.State), zp.Status.Nameservers
		}
		if zp.Unsafe != nil {
			jz.Unsafe = zp.Unsafe.Error()
		}
		for _, c := range zp.Conflicts {
			jz.Conflicts = append(jz.Conflicts, c.String())
		}
		switch {
		case jz.Blocked != "" || zp.Unsafe != nil:
			out.Summary.ZonesBlocked++
		case len(jz.Changes) > 0:
			out.Summary.ZonesChanged++
		default:
			out.Summary.ZonesUnchanged++
		}
		out.Zones = append(out.Zones, jz)
	}
	for _, f := range sortedFiles(p.Files) {
		owners := f.Owners
		if owners == nil {
			owners = []string{}
		}
		out.Files = append(out.Files, JSONFile{Path: f.Path, Zone: f.Zone, State: f.State.String(),
			Company: f.Company, Owners: owners, Reason: f.Reason, Records: f.Records})
	}
	out.Summary.Create, out.Summary.Update, out.Summary.Delete = p.Changes()
	return out
}

// WriteJSON writes p's JSON form, indented, with requests (may be nil).
func WriteJSON(w io.Writer, p *Plan, requests map[string]int) error {
	j := ToJSON(p)
	j.Requests = requests
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

// flatten lists a zone plan's changes as rows: deletes, updates, creates,
// each with the file and owners that asked for it.
func flatten(zp *ZonePlan, files map[string]*FileInfo) []JSONChange {
	var out []JSONChange
	row := func(op string, r Record) JSONChange {
		return JSONChange{Op: op, Name: r.Name, Type: r.Type, TTL: r.TTL, Value: r.Value, Proxied: r.Proxied,
			File: r.File, Line: r.Line, Source: r.Source()}
	}
	for _, r := range zp.Changes.Delete {
		c := row("delete", r)
		if c.Source == "" {
			c.Source = "(unmanaged)"
		}
		out = append(out, c)
	}
	for _, u := range zp.Changes.Update {
		c := row("update", u.New)
		c.Old = &JSONPrev{TTL: u.Old.TTL, Value: u.Old.Value, Proxied: u.Old.Proxied, File: u.Old.File}
		out = append(out, c)
	}
	for _, r := range zp.Changes.Create {
		out = append(out, row("create", r))
	}
	return withOwners(out, files)
}

// withOwners fills each row's owners from files.
func withOwners(rows []JSONChange, files map[string]*FileInfo) []JSONChange {
	for i := range rows {
		rows[i].Owners = []string{}
		if f := files[rows[i].File]; f != nil && f.Owners != nil {
			rows[i].Owners = f.Owners
		}
	}
	return rows
}

func revokedFiles(p *Plan) []*FileInfo {
	var out []*FileInfo
	for _, f := range sortedFiles(p.Files) {
		if f.State == FileRevoked {
			out = append(out, f)
		}
	}
	return out
}

func sortedFiles(m map[string]*FileInfo) []*FileInfo {
	out := make([]*FileInfo, 0, len(m))
	for _, f := range m {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
