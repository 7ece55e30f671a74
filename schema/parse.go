package schema

// ParseOptions carry what validating one file needs from the rest of the repository.
type ParseOptions struct {
	Policy        Policy
	Provider      string   // provider type, for messages
	ProviderTypes []string // types the provider can hold; nil: all
}

// ParseFile parses and validates one zone or subtree file. (Placeholder: being written.)
func ParseFile(path string, data []byte, opts ParseOptions) *File {
	return &File{Path: path}
}

// checkAuthority reports names declared outside a file's authority. (Placeholder.)
func checkAuthority(files []*File) {}
