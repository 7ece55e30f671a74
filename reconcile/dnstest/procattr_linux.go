package dnstest

import "syscall"

// procAttr puts a server in its own process group, so that stopping it
// never signals the test, and has the kernel kill it if the test process
// dies first (a timeout's panic, a SIGKILL), so that no server outlives
// its test holding a port.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
