package schema

import (
	"errors"
	"fmt"
	"io/fs"
)

// ReadConfigFile reads zoneward.yaml from fsys as Load does: a regular
// file only, never through a link, and no more than the 1 MiB zoneward
// reads of it. It is for callers that need the configuration before (or
// without) loading the whole repository: the CLI builds its provider from
// it, incremental runs compare it between revisions.
func ReadConfigFile(fsys fs.FS) ([]byte, error) {
	data, size, err := readBounded(fsys, ConfigFile, configBytes)
	switch {
	case errors.Is(err, errTooBig):
		return nil, fmt.Errorf("%s is %d bytes, more than the %d zoneward reads", ConfigFile, size, configBytes)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", ConfigFile, err)
	}
	return data, nil
}
