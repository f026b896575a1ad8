//go:build unix

package sweep

import (
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on f without waiting; it is released when f is
// closed or the process ends.
func lock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// locked reports whether another open file description holds a lock on f (a running sweep
// holds its result file's), taking a shared lock for an instant to find out.
func locked(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return err == syscall.EWOULDBLOCK
}
