//go:build !unix

package dirfs

// noBlock is needed only where named pipes live in the file system.
const noBlock = 0
