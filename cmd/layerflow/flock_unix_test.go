//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
)

// lockFile holds the lock a running sweep holds on its result file, until the file is closed.
func lockFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return f
}
