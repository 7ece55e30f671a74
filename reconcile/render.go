package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/zoneward/zoneward/schema"
)

// TextOptions tune WriteText.
type TextOptions struct {
	Color bool // ANSI colours; only for terminals
}

// WriteText writes p for people: one block per zone that changes or
// cannot be applied, a row per record change with its source and owners,
// then revoked files and a summary line.
//
// Every string in a plan may come from a tenant's file or from the
// provider (names, values, markers, comments, provider error messages), so
// every one is printed through [Graphic] or display: no file and no
// provider can inject terminal escapes or break the table's columns.
func WriteText(w io.Writer, p *Plan, o TextOptions) error {
	bw := &errWriter{w: w}
	paint := func(code, s string) string {
		if !o.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	shown, unchanged := notUpToDate(p)
	for _, zp := range shown {
		blocked := zp.Blocked()
		bw.printf("%s\n", paint("1", Graphic(zp.Zone)))
		if blocked != "" {
			bw.printf("  %s\n", paint("31", "! "+Graphic(blocked)))
		}
		for _, h := range zp.Held {
			bw.printf("  %s\n", paint("31", "! "+Graphic(h.Path)+" held back (its records stay as last applied): "+Graphic(h.Reason)))
		}
		if zp.Unsafe != nil {
			bw.printf("  %s\n", paint("31", "! "+Graphic(zp.Unsafe.Error())))
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
						val += fmt.Sprintf(" (from %s)", Graphic(c.Old.File))
					}
				}
			}
			src := c.Source
			if len(c.Owners) > 0 {
				src += " " + strings.Join(c.Owners, " ")
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%d\t%s\t%s\n", sign, Graphic(c.Name), Graphic(c.Type), c.TTL, val, Graphic(src))
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
		if zp.HeldBack > 0 {
			kept = append(kept, fmt.Sprintf("%d of held-back files", zp.HeldBack))
		}
		if len(kept) > 0 {
			bw.printf("  = kept as they are: %s\n", strings.Join(kept, ", "))
		}
		bw.printf("\n")
	}
	if ws := planWarnings(p); len(ws) > 0 {
		bw.printf("%s\n", paint("1", "Warnings:"))
		for _, w := range ws {
			bw.printf("  %s\n", paint("33", Graphic(w.Error())))
		}
		bw.printf("\n")
	}
	if rev := revokedFiles(p); len(rev) > 0 {
		bw.printf("%s\n", paint("1", "Revoked files (ignored):"))
		for _, f := range rev {
			bw.printf("  %s: %s\n", Graphic(f.Path), Graphic(f.Reason))
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
	if Graphic(v) != v {
		v = strconv.Quote(v)
	}
	if utf8.RuneCountInString(v) > 64 {
		rs := []rune(v)
		v = string(rs[:40]) + "…" + string(rs[len(rs)-20:])
	}
	return v
}

// WriteMarkdown writes p as a pull-request comment: a table per zone,
// then refusals. Every string from a file or the provider is escaped
// (mdEscape) or put in a neutralised code span (mdCode), so that neither
// can inject Markdown, HTML or mentions into the comment.
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
	shown, _ := notUpToDate(p)
	for _, zp := range shown {
		blocked := zp.Blocked()
		bw.printf("#### `%s`\n\n", mdCode(zp.Zone))
		if blocked != "" {
			bw.printf("> :no_entry: %s\n\n", mdEscape(blocked))
		}
		for _, h := range zp.Held {
			bw.printf("- :no_entry: `%s` is held back (its records stay as last applied): %s\n", mdCode(h.Path), mdEscape(h.Reason))
		}
		if len(zp.Held) > 0 {
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
				bw.printf("| %s | `%s` | %s | %d | %s | `%s` | %s |\n", opSign(r.Op), mdCode(r.Name), mdEscape(r.Type), r.TTL, val,
					mdCode(r.Source), mdOwners(r.Owners))
			}
			bw.printf("\n")
		}
	}
	if ws := planWarnings(p); len(ws) > 0 {
		bw.printf("**Warnings:**\n\n")
		for _, w := range ws {
			bw.printf("- :warning: `%s`: %s\n", mdCode(w.Pos.String()), mdEscape(w.Msg))
		}
		bw.printf("\n")
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
		if zp.Blocked() != "" || zp.Unsafe != nil || len(zp.Held) > 0 {
			return true
		}
	}
	return false
}

// notUpToDate splits p's zones into those a reader must see and a count
// of the rest.
func notUpToDate(p *Plan) (shown []*ZonePlan, upToDate int) {
	for _, zp := range p.Zones {
		if zp.UpToDate() {
			upToDate++
		} else {
			shown = append(shown, zp)
		}
	}
	return shown, upToDate
}

// mdEscape makes s inert in GitHub Markdown where it stands inside a line:
// every character with a meaning there (emphasis, links and images,
// tables, HTML, entities, mentions) is backslash-escaped or replaced by its
// entity, and a newline (which could start a heading or a list) by a space.
func mdEscape(s string) string {
	return mdEscaper.Replace(Graphic(s))
}

var mdEscaper = strings.NewReplacer(
	"\\", "\\\\", "|", "\\|", "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "\\`", "*", "\\*", "_", "\\_",
	"[", "\\[", "]", "\\]", "~", "\\~", "@", "&#64;",
	"\n", " ",
)

// mdOwners lists owners so that GitHub notifies them: an owner in the form
// of a GitHub login or team (@login, @org/team) is written as it is, a
// mention; any other (an email address, say) is escaped.
func mdOwners(owners []string) string {
	out := make([]string, len(owners))
	for i, o := range owners {
		if IsMention(o) {
			out[i] = o
		} else {
			out[i] = mdEscape(o)
		}
	}
	return strings.Join(out, " ")
}

// IsMention reports whether owner, a CODEOWNERS owner, is in GitHub's
// form of a login or a team ("@login", "@org/team") and nothing else: no
// character of it means anything in Markdown but the mention itself, so it
// may be written as it is where the owners are to be notified.
func IsMention(owner string) bool { return mention.MatchString(owner) }

var mention = regexp.MustCompile(`^@[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9][A-Za-z0-9_-]{0,99})?$`)

// Graphic returns s with each rune that is not graphic (control
// characters, terminal escape sequences, bidirectional overrides, zero-width
// characters) replaced by its Go escape, and the rest unchanged. Text from
// files and providers goes through it before it reaches a terminal.
func Graphic(s string) string {
	clean := true
	for _, r := range s {
		if !unicode.IsGraphic(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
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
	Warnings []JSONWarning  `json:"warnings,omitempty"`
}

// JSONWarning is one warning of a plan: where, and what.
type JSONWarning struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
}

// JSONZone is one zone of a JSONPlan.
type JSONZone struct {
	Zone        string       `json:"zone"`
	State       string       `json:"state,omitempty"` // provider's zone state, when known
	Nameservers []string     `json:"nameservers,omitempty"`
	Blocked     string       `json:"blocked,omitempty"`
	Unsafe      string       `json:"unsafe,omitempty"`
	Existing    int          `json:"existing"` // records a reconciler may manage (ZonePlan.Manageable)
	Unmanaged   int          `json:"unmanaged"`
	Frozen      int          `json:"frozen"`
	HeldBack    int          `json:"held_back"` // records of held-back files, kept as they are
	Changes     []JSONChange `json:"changes"`
	Conflicts   []string     `json:"conflicts,omitempty"`
	Held        []JSONHeld   `json:"held,omitempty"`
}

// JSONHeld is a file held back from its zone's plan.
type JSONHeld struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
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
		jz := JSONZone{Zone: zp.Zone, Blocked: zp.Blocked(), Existing: zp.Manageable, Unmanaged: zp.Unmanaged,
			Frozen: zp.Frozen, HeldBack: zp.HeldBack, Changes: flatten(zp, p.Files)}
		for _, h := range zp.Held {
			jz.Held = append(jz.Held, JSONHeld{File: h.Path, Reason: h.Reason})
		}
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
		case jz.Blocked != "" || zp.Unsafe != nil || len(zp.Held) > 0:
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
	for _, w := range planWarnings(p) {
		out.Warnings = append(out.Warnings, JSONWarning{File: w.File, Line: w.Line, Col: w.Col, Message: w.Msg})
	}
	return out
}

// planWarnings is every warning of p, its files' and its zones', sorted.
func planWarnings(p *Plan) schema.ErrorList {
	ws := append(schema.ErrorList(nil), p.Warnings...)
	for _, zp := range p.Zones {
		ws = append(ws, zp.Warnings...)
	}
	ws.Sort()
	return ws
}

// WriteJSON writes p's JSON form, indented, with requests (may be nil).
func WriteJSON(w io.Writer, p *Plan, requests map[string]int) error {
	j := ToJSON(p)
	j.Requests = requests
	return EncodeJSON(w, j)
}

// EncodeJSON writes v as indented JSON in which no string can carry a
// terminal escape to whoever reads it on a terminal: encoding/json already
// escapes C0 controls, U+2028 and U+2029, and HTML's <, > and &; this also
// escapes every other non-graphic rune (C1 controls such as U+009B CSI,
// bidirectional overrides, zero-width characters) as \uXXXX, which JSON
// readers decode to the same string.
func EncodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeNonGraphic(buf.Bytes()))
	return err
}

// escapeNonGraphic rewrites JSON text. Outside strings JSON is printable
// ASCII, so every DEL and non-ASCII rune is inside a string, where \u
// escapes are valid.
func escapeNonGraphic(b []byte) []byte {
	var out []byte
	done := 0 // b[:done] is in out
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf && b[i] != 0x7f { // encoding/json escapes the other ASCII controls
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && unicode.IsGraphic(r) {
			i += n
			continue
		}
		out = append(out, b[done:i]...)
		if r == utf8.RuneError {
			r = unicode.ReplacementChar // encoding/json never emits invalid UTF-8; be safe anyway
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
		done = i
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
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
