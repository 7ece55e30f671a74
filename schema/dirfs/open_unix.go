//go:build unix

package dirfs

import "syscall"

// noBlock keeps opening a named pipe put in place of a checked regular
// file from blocking until a writer comes; the open is then refused.
const noBlock = syscall.O_NONBLOCK
