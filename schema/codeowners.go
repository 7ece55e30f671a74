package schema

import "io/fs"

// Codeowners is a parsed CODEOWNERS file. (Placeholder: being written.)
type Codeowners struct {
	Path string    // where it was found: ".github/CODEOWNERS", "CODEOWNERS" or "docs/CODEOWNERS"
	Errs ErrorList // lines GitHub would skip, each at its line
}

// LoadCodeowners finds and parses CODEOWNERS in fsys as GitHub does; nil when there is none.
func LoadCodeowners(fsys fs.FS) (*Codeowners, error) { return nil, nil }

// ParseCodeowners parses a CODEOWNERS file found at path.
func ParseCodeowners(path string, data []byte) *Codeowners { return &Codeowners{Path: path} }

// Owners returns the owners of file (slash path, no leading slash): those of the
// last matching line; nil when no line matches or the matching line has no owners.
func (c *Codeowners) Owners(file string) []string { return nil }
