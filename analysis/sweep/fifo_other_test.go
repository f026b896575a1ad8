//go:build !unix

package sweep

import "errors"

// mkfifo fails: named pipes of this kind are a Unix thing, and the test that uses one is
// skipped where it fails.
func mkfifo(string) error { return errors.New("sweep: no named pipes on this system") }
