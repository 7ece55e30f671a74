package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hmarr/codeowners"
)

// Codeowners is a parsed CODEOWNERS file: the grants of the zones
// repository. It holds every valid line in order; [Codeowners.Owners]
// answers for one path as GitHub would.
//
// The file comes from pull requests like everything else here, so it is
// untrusted: a line only ever decides ownership of the paths its pattern
// matches, and a line GitHub would skip is reported in Errs and skipped
// rather than guessed at.
type Codeowners struct {
	Path string    // where it was found: ".github/CODEOWNERS", "CODEOWNERS" or "docs/CODEOWNERS"
	Errs ErrorList // lines GitHub would skip, each at its line

	rules []coRule // every valid line, in file order

	// Most CODEOWNERS lines of a zones repository name one file or one
	// directory literally ("/zones/acme.dev/alice.yaml @alice"). Those are
	// indexed by path so that Owners looks at the few literal lines that
	// can match a path, then scans only the wildcard lines, instead of
	// trying thousands of lines per file. Values are indexes into rules.
	exact  map[string]int // matches the path itself and everything under it
	prefix map[string]int // key ends in "/": matches everything under it
	// Every other rule, in file order, keyed by the literal directory its
	// pattern is anchored in ("zones/acme.dev/" for
	// "/zones/acme.dev/*.yaml"; "" for "*.yml"), so that a path is only
	// tried against wildcard lines that could match it.
	wild map[string][]int
}

// coRule is one valid CODEOWNERS line.
type coRule struct {
	line   int
	owners []string // as written: "@alice", "@acme/dns-admins", "a@b.example"; nil for none
	match  func(file string) bool
}

// LoadCodeowners finds CODEOWNERS in fsys where GitHub looks for it
// (.github/, then the root, then docs/) and parses the first one found.
// It returns nil, nil when there is none. The error is only for a file
// that exists and cannot be read; problems in its lines are in Errs.
//
// Only a regular file counts: a symbolic link (or a link on the way to
// it) is never followed, so a pull request cannot make it stand for a
// file outside the repository. A file of 3 MB or more, which GitHub does
// not load, is an error: read as no grants, it would revoke every file.
func LoadCodeowners(fsys fs.FS) (*Codeowners, error) {
	return loadCodeowners(fsys, func(p string) (bool, error) { return isRegularEntry(fsys, p) })
}

// codeownersPaths are GitHub's places, in its order; the first that holds
// a file is the only one used.
// https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners#codeowners-file-location
var codeownersPaths = [...]string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

func loadCodeowners(fsys fs.FS, regular func(p string) (bool, error)) (*Codeowners, error) {
	for _, p := range codeownersPaths {
		ok, err := regular(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if !ok {
			// Absent, a directory, or a link: GitHub looks for a file.
			continue
		}
		data, size, err := readBounded(fsys, p, codeownersBytes-1)
		if errors.Is(err, errTooBig) {
			// GitHub would load no grant at all from it, which revokes
			// every tenant (and purges them under revoked: purge): fail
			// closed, as for a CODEOWNERS behind a link.
			return nil, fmt.Errorf("%s is %d bytes; GitHub loads CODEOWNERS only under 3 MB, so it would grant nothing and revoke every file; nothing was read or written: use wildcard patterns to shorten it", p, size)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		return ParseCodeowners(p, data), nil
	}
	return nil, nil
}

// isRegularEntry reports whether p is a regular file of fsys, looking at
// the directory entries on its path as fs.DirEntry reports them, without
// following any link.
func isRegularEntry(fsys fs.FS, p string) (bool, error) {
	dir := "."
	for _, elem := range strings.Split(p, "/") {
		es, err := fs.ReadDir(fsys, dir)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		i := slices.IndexFunc(es, func(e fs.DirEntry) bool { return e.Name() == elem })
		if i < 0 {
			return false, nil
		}
		typ := es[i].Type()
		if path.Join(dir, elem) == p {
			return typ.IsRegular(), nil
		}
		if !typ.IsDir() {
			return false, nil
		}
		dir = path.Join(dir, elem)
	}
	return false, nil
}

// ParseCodeowners parses a CODEOWNERS file found at path (used in error
// positions only). It never fails: a line GitHub would skip is reported in
// Errs at the offending token and skipped, and the other lines still apply.
//
// Patterns follow GitHub's documented rules: gitignore-like, with "*",
// "**", "?", a leading "/" anchoring to the root, a trailing "/" matching a
// directory's contents, and a pattern without a slash matching at any
// depth; matching is case-sensitive. GitHub does not support "!" negation,
// "[ ]" ranges or escaping a leading "#" with "\", so such lines are
// reported. Owners must be @user, @org/team or an email address. A
// pattern with no owners is valid and leaves the paths it matches unowned.
func ParseCodeowners(path string, data []byte) *Codeowners {
	c := &Codeowners{Path: path, exact: map[string]int{}, prefix: map[string]int{}, wild: map[string][]int{}}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if r, ok := c.parseLine(i+1, line); ok {
			c.add(r.pattern, coRule{line: i + 1, owners: r.owners})
		}
	}
	return c
}

// parsedLine is a line's pattern and owners before the pattern is compiled.
type parsedLine struct {
	pattern string
	owners  []string
}

// token is a whitespace-separated word of a line and its 1-based byte column.
type token struct {
	text string
	col  int
}

// parseLine splits line into its pattern and owners, reporting what GitHub
// would skip. ok is false for blank lines, comments and invalid lines.
func (c *Codeowners) parseLine(n int, line string) (parsedLine, bool) {
	toks := tokenize(line)
	if len(toks) == 0 || strings.HasPrefix(toks[0].text, "#") {
		return parsedLine{}, false
	}
	pat := toks[0]
	bad := false
	errAt := func(col int, format string, args ...any) {
		c.Errs.Add(Pos{File: c.Path, Line: n, Col: col}, format, args...)
		bad = true
	}
	switch {
	case strings.HasPrefix(pat.text, "!"):
		errAt(pat.col, "pattern %q negates with \"!\", which CODEOWNERS does not support; GitHub skips this line", pat.text)
	case strings.HasPrefix(pat.text, `\#`):
		// gitignore allows "\#" for a pattern starting with "#"; GitHub
		// documents that this does not work in CODEOWNERS, so the line
		// cannot be relied on. No zone file path contains "#" or "\", so
		// skipping it changes no grant.
		errAt(pat.col, "pattern %q escapes a leading \"#\", which CODEOWNERS does not support; GitHub skips this line", pat.text)
	case hasUnescaped(pat.text, '['):
		errAt(pat.col, "pattern %q uses a \"[ ]\" character range, which CODEOWNERS does not support; GitHub skips this line", pat.text)
	}
	var owners []string
	for _, t := range toks[1:] {
		if strings.HasPrefix(t.text, "#") {
			break // an inline comment runs to the end of the line
		}
		if !validOwner(t.text) {
			errAt(t.col, "owner %q is not @user, @org/team or an email address; GitHub skips this line", t.text)
			continue
		}
		owners = append(owners, t.text)
	}
	if bad {
		return parsedLine{}, false
	}
	return parsedLine{pattern: pat.text, owners: owners}, true
}

// tokenize splits line on spaces and tabs. A backslash escapes the next
// byte, so "a\ b" is one token (gitignore's way to write a space in a
// pattern).
func tokenize(line string) []token {
	var toks []token
	start := -1
	for i := 0; i < len(line); i++ {
		ch := line[i]
		if ch == ' ' || ch == '\t' {
			if start >= 0 {
				toks = append(toks, token{text: line[start:i], col: start + 1})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
		if ch == '\\' && i+1 < len(line) {
			i++
		}
	}
	if start >= 0 {
		toks = append(toks, token{text: line[start:], col: start + 1})
	}
	return toks
}

// hasUnescaped reports whether s contains ch not preceded by a backslash.
func hasUnescaped(s string, ch byte) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ch:
			return true
		}
	}
	return false
}

// validOwner reports whether s is an owner GitHub accepts: @user,
// @org/team or an email address.
func validOwner(s string) bool {
	if _, err := codeowners.MatchUsernameOwner(s); err == nil {
		return true
	}
	if _, err := codeowners.MatchTeamOwner(s); err == nil {
		return true
	}
	return validEmail(s)
}

// validEmail is hmarr's email shape without its limit of six letters on
// the top-level domain, which GitHub does not have (".example",
// ".company" and ".technology" are real).
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Trim(local, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-") != "" {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || strings.Trim(domain[:dot], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
		return false
	}
	tld := domain[dot+1:]
	return len(tld) >= 2 && strings.Trim(tld, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// add compiles pattern into r and files it in the index.
func (c *Codeowners) add(pattern string, r coRule) {
	i := len(c.rules)
	// A literal anchored pattern matches one path and everything under it
	// (or, with a trailing slash, only what is under it), the answer
	// globMatch gives for it; TestCodeownersIndexMatchesHmarr checks it.
	if lit, ok := anchoredLiteral(pattern); ok {
		c.rules = append(c.rules, r)
		if strings.HasSuffix(lit, "/") {
			c.prefix[lit] = i // a later line wins, so the last index is kept
		} else {
			c.exact[lit] = i
		}
		return
	}
	r.match = compilePattern(pattern)
	c.rules = append(c.rules, r)
	dir := anchorDir(pattern)
	c.wild[dir] = append(c.wild[dir], i)
}

// anchorDir returns the literal directory, ending in "/", that every path
// matching pattern starts with: the plain segments of an anchored pattern
// before its first wildcard. It returns "" when there is none.
func anchorDir(pattern string) string {
	rest := strings.TrimPrefix(pattern, "/")
	if rest == pattern && !strings.Contains(strings.TrimSuffix(rest, "/"), "/") {
		return "" // unanchored: matches at any depth
	}
	segs := strings.Split(rest, "/")
	n := 0
	for n < len(segs)-1 && plainSegment(segs[n]) {
		n++
	}
	if n == 0 {
		return ""
	}
	return strings.Join(segs[:n], "/") + "/"
}

// plainSegment reports whether seg matches only itself.
func plainSegment(seg string) bool {
	if seg == "" {
		return false
	}
	for i := 0; i < len(seg); i++ {
		ch := seg[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte("._@+()-", ch) >= 0) {
			return false
		}
	}
	return true
}

// anchoredLiteral returns the path a pattern without wildcards names, when
// it is anchored to the root: a leading slash, or a slash before its last
// character (gitignore anchors a pattern with a slash in the middle).
func anchoredLiteral(pattern string) (string, bool) {
	if strings.ContainsAny(pattern, `*?\[`) {
		return "", false
	}
	lit := strings.TrimPrefix(pattern, "/")
	if lit == "" || strings.HasPrefix(lit, "/") || strings.Contains(lit, "//") {
		return "", false
	}
	if lit == pattern && !strings.Contains(strings.TrimSuffix(lit, "/"), "/") {
		return "", false // no slash but at the end: matches at any depth
	}
	return lit, true
}

// compilePattern returns the matcher of pattern. There is one matcher,
// globMatch, written to GitHub's documented gitignore-like rules: it reads
// every pattern GitHub reads, bytes such as "~", "#" and non-ASCII
// included, where hmarr/codeowners refuses some and mistranslates "**"
// next to "**". The tests hold it to hmarr on every pattern both read
// (TestCodeownersGlobMatchesHmarr, TestCodeownersIndexMatchesHmarr).
func compilePattern(pattern string) func(string) bool {
	if strings.Trim(pattern, "/") == "" {
		return func(string) bool { return false } // gitignore matches nothing with "/"
	}
	segs, _ := patternSegments(pattern)
	return func(file string) bool { return globMatch(segs, strings.Split(file, "/"), true) }
}

// patternSegments splits a pattern into slash-separated segments the way
// gitignore reads it: a leading slash anchors; a pattern with no other
// slash matches at any depth (a leading "**"); a trailing slash matches
// the directory's contents (a trailing "**"). Runs of "**" are folded,
// and folded reports whether any were.
func patternSegments(pattern string) (segs []string, folded bool) {
	segs = strings.Split(pattern, "/")
	switch {
	case segs[0] == "":
		segs = segs[1:]
	case len(segs) == 1 || len(segs) == 2 && segs[1] == "":
		if segs[0] != "**" {
			segs = append([]string{"**"}, segs...)
		}
	}
	dirOnly := false
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		segs[len(segs)-1] = "**"
		dirOnly = true
	}
	out := segs[:0:0]
	for i, s := range segs {
		if s != "**" || i == 0 || segs[i-1] != "**" {
			out = append(out, s)
			continue
		}
		folded = true
		if i == len(segs)-1 && dirOnly {
			// "x/**/" is the contents of any directory at or below x:
			// one or more directories ("*"), then what is in them.
			out = append(out, "*", "**")
		}
	}
	return out, folded
}

// globMatch reports whether the path segments xs match the pattern
// segments ps. A last segment other than "*" and "**" also matches
// everything under what it matches (a pattern naming a directory owns its
// files); "docs/*" owns only docs' direct children, as GitHub documents.
func globMatch(ps, xs []string, first bool) bool {
	if len(ps) == 0 {
		return len(xs) == 0
	}
	p := ps[0]
	if p == "**" {
		if len(ps) == 1 {
			if first {
				return len(xs) > 0 && !(len(xs) == 1 && xs[0] == "")
			}
			return len(xs) > 0
		}
		for k := 0; k <= len(xs); k++ {
			if k == 1 && xs[0] == "" {
				continue // "**" stands for at least one byte when it stands for anything
			}
			if globMatch(ps[1:], xs[k:], false) {
				return true
			}
		}
		return false
	}
	if len(xs) == 0 || !segMatch(p, xs[0]) {
		return false
	}
	if len(ps) == 1 {
		return len(xs) == 1 || p != "*"
	}
	return globMatch(ps[1:], xs[1:], false)
}

// segMatch matches one path segment against one pattern segment: "*" and
// "?" never cross a slash, "\" makes the next byte literal, and a lone
// "*" needs at least one byte (hmarr's reading, which GitHub's docs agree
// with: "docs/*" does not own "docs/").
func segMatch(p, x string) bool {
	if p == "*" {
		return x != ""
	}
	ok, err := path.Match(p, x)
	return err == nil && ok
}

// Owners returns the owners of file (slash path, no leading slash) as
// written in CODEOWNERS: those of the last line whose pattern matches it.
// It returns nil when no line matches or the last matching line has no
// owners; a nil *Codeowners owns nothing.
func (c *Codeowners) Owners(file string) []string {
	if c == nil {
		return nil
	}
	best := -1
	consider := func(i int, ok bool) {
		if ok && i > best {
			best = i
		}
	}
	// Wildcard lines are tried last to first: the first match is the last
	// matching line of its list, and nothing before the best so far can win.
	try := func(list []int) {
		for k := len(list) - 1; k >= 0 && list[k] > best; k-- {
			if c.rules[list[k]].match(file) {
				best = list[k]
				return
			}
		}
	}
	i, ok := c.exact[file]
	consider(i, ok)
	for j := 0; j < len(file); j++ {
		if file[j] != '/' {
			continue
		}
		i, ok = c.exact[file[:j]]
		consider(i, ok)
		i, ok = c.prefix[file[:j+1]]
		consider(i, ok)
	}
	try(c.wild[""])
	for j := 0; j < len(file); j++ {
		if file[j] == '/' {
			try(c.wild[file[:j+1]])
		}
	}
	if best < 0 {
		return nil
	}
	// A copy, so that a caller appending to or editing its grant cannot
	// change the next file's.
	return slices.Clone(c.rules[best].owners)
}
