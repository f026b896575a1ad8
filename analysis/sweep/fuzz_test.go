package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Any sweep file either parses into a sweep whose every run can be enumerated, or gives a
// one-line error: never a panic.
func FuzzSweepFile(f *testing.F) {
	f.Add(small)
	f.Add("method: [gd]\nlr: {from: 0.1, to: 1, num: 3, scale: log}\nsteps: [10]\nstart: {grid: {min: -1, max: 1, num: 2}}\n")
	f.Add("method: flow\nt_end: 5\nstart: [[1, 2]]\nwd: 0:1:3\n")
	f.Add("method: [sgd]\nlr: 0.1\nsteps: 5\nbatch: [2, 64]\nseeds: [1, 2]\nstart: {random: {min: 0, max: 1, count: 2}}\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(dir, "s.yaml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Skip()
		}
		s, err := ReadFile(path, nil)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
			return
		}
		if s.Len() > 1e4 {
			return
		}
		for i := range s.Len() {
			r := s.Run(i)
			if len(r.W0) != r.Depth || r.Index != i {
				t.Fatalf("run %d: %+v", i, r)
			}
		}
	})
}
