//go:build unix

package zonefile

import (
	"os/exec"
	"syscall"
)

// killGroup runs cmd in a process group of its own and has a timeout kill
// the whole group, so that a wrapper script's children die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
