//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// limitMemory caps the address space of this process (a command run by a test) at n bytes,
// so that a command that would take unbounded memory fails instead of taking the machine's.
func limitMemory(n uint64) {
	syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
}

// peakRSS returns the largest resident set of an ended process in bytes (0 if unknown).
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) * 1024 // kilobytes on Linux (an int32 on 32-bit Linux)
	}
	return 0
}

// limitFileSize caps the size of every file this process writes at n bytes: a write beyond
// it fails with EFBIG ("file too large"), as a write to a full disk fails with ENOSPC (the
// signal SIGXFSZ that would end the process is ignored).
func limitFileSize(n uint64) {
	signal.Ignore(syscall.SIGXFSZ)
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
}
