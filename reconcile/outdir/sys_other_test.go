//go:build !unix

package outdir

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }

func umask(int) func() { return func() {} }
