//go:build !unix

package dirfs_test

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }
