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
