package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Any sweep file, YAML or TOML, either parses into a sweep whose every run can be enumerated,
// or gives a one-line error: never a panic. The seed corpus is in testdata/fuzz/FuzzSweepFile.
func FuzzSweepFile(f *testing.F) {
	f.Add(small, false)
	f.Add("method: [gd]\nlr: {from: 0.1, to: 1, num: 3, scale: log}\nsteps: [10]\nstart: {grid: {min: -1, max: 1, num: 2}}\n", false)
	f.Add("method: flow\nt_end: 5\nstart: [[1, 2]]\nwd: 0:1:3\n", false)
	f.Add("method: [sgd]\nlr: 0.1\nsteps: 5\nbatch: [2, 64]\nseeds: [1, 2]\nstart: {random: {min: 0, max: 1, count: 2}}\n", false)
	f.Add("method: gd\nlr: 0.1\nsteps: 1\nstart: {points: \"1,2; -0,2; 1,2\"}\n", false)
	f.Add("method = [\"gd\", \"flow\"]\nlr = [0.05, 0.4]\nsteps = [10]\n[start]\npoints = [[2, 0.25]]\ngrid = {min = -1, max = 1, num = 3}\n", true)
	f.Add("method = \"gd\"\nlr = {from = 0.1, to = 1e308, num = 3}\nsteps = 1\nstart = [[1, 2]]\n", true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string, toml bool) {
		path := filepath.Join(dir, "s.yaml")
		if toml {
			path = filepath.Join(dir, "s.toml")
		}
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

// Any file read as a result file, by merge (with --partial), by the stability map and the heat
// map, and by a resuming sweep's check, either is read or gives a one-line error: never a
// panic, never memory sized by a number it states. What merge writes it reads back the same.
// The seed corpus is in testdata/fuzz/FuzzResultFile.
func FuzzResultFile(f *testing.F) {
	// The rows, after the header unless raw (mutations then spend themselves on the rows).
	row := "0,2,abcdef012345,gd,2,1 2,0.1,0,,,10,1,,,success,10,,1,0,1,3,2,-2,3,,,0.001\n"
	f.Add(row, false)
	f.Add(row+strings.Replace(row, "0,2,", "1,2,", 1), false)
	f.Add(row+row, false)
	f.Add(strings.Replace(row, "0,2,", "3,1000000000000000,", 1), false)
	f.Add(strings.Replace(row, ",gd,", ",sgd,", 1)+strings.Replace(row, "0,2,", "1,2,", 1)[:40], false)
	f.Add(strings.Replace(row, "success", "diverged", 1)+strings.Replace(row, ",0.1,0,", ",x,y,", 1), false)
	f.Add("run,runs\n1,2\n", true)
	spec := spec(f, "method: [gd]\nlr: [0.1, 0.2]\nsteps: [10]\nstart: {points: [[1, 2]]}\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string, raw bool) {
		if !raw {
			text = header() + text
		}
		in := filepath.Join(dir, "r.csv")
		if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
			t.Skip()
		}
		oneLine := func(what string, err error) {
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: error of more than one line: %q", what, err)
			}
		}
		out := filepath.Join(dir, "m.csv")
		os.Remove(out)
		rep, err := Merge(out, []string{in}, true)
		oneLine("merge", err)
		if err == nil {
			// The merged file holds the rows read, and merges to itself.
			again := filepath.Join(dir, "m2.csv")
			rep2, err := Merge(again, []string{out}, true)
			if err != nil || rep2.Rows != rep.Rows || rep2.Missing != rep.Missing {
				t.Errorf("merging the merged file: %+v, %v; first %+v", rep2, err, rep)
			}
			a, _ := os.ReadFile(out)
			b, _ := os.ReadFile(again)
			if string(a) != string(b) {
				t.Error("the merged file merges to another file")
			}
		}
		_, err = StabilityPoints(in)
		oneLine("stability", err)
		_, err = HeatData(in, "lr", "wd", "imbalance_ratio", "", "median")
		oneLine("heat map", err)
		_, err = Held(in, spec, 0, 1)
		oneLine("held", err)
	})
}
