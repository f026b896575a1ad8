//go:build !unix

package sweep

import "os"

// lock does nothing where flock is not available: do not run two sweeps on one file there.
func lock(*os.File) error { return nil }

// locked reports false: without flock no sweep holds a lock.
func locked(*os.File) bool { return false }
