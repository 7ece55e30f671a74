//go:build !unix

package outdir

import "os"

func sysfd(*os.File) int { return -1 }

func (d *Dir) readFile(name string, buf []byte) ([]byte, error) { return d.readPortable(name, buf) }
