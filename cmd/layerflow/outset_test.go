package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// child runs layerflow with args as a process in dir, its files capped at fsize bytes (0: no
// cap), and returns its exit status and error stream.
func child(t *testing.T, dir string, fsize int, args ...string) (int, string) {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a))
	if fsize > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("LAYERFLOW_TEST_FSIZE=%d", fsize))
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// A command whose disk fills while it writes its outputs leaves the previous set of outputs
// as it was, every file, and no temporary file: the trajectory and summary of a new run are
// not made visible beside the figures of an old one. The disk is "filled" by capping the size
// of a file the command may write (RLIMIT_FSIZE: the write fails as on a full disk), so that
// the small CSV and JSON files are written and the larger figures are not.
func TestDiskFullKeepsPreviousSet(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs RLIMIT_FSIZE")
	}
	for _, tc := range []struct {
		name string
		args func(lr string) []string
	}{
		{"gd", func(lr string) []string {
			return []string{"gd", "--lr", lr, "--steps", "200", "--out", "o", "--plot", "o/p.png"}
		}},
		{"flow", func(lr string) []string {
			return []string{"flow", "--t-end", lr, "--out", "f", "--plot", "f/p.png"}
		}},
		{"net gd", func(lr string) []string {
			return []string{"gd", "--widths", "5,4,3", "--data", "teacher", "--lr", lr, "--steps", "50", "--record", "1", "--out", "n", "--plot", "n/p.png"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if code, errs := child(t, dir, 0, tc.args("0.05")...); code != 0 {
				t.Fatalf("first run: exit %d: %s", code, errs)
			}
			before := snapshot(t, dir)
			code, errs := child(t, dir, 40<<10, tc.args("0.04")...)
			if code != 2 || !strings.Contains(errs, "file too large") || strings.Count(errs, "\n") != 1 {
				t.Errorf("second run on a full disk: exit %d, stderr %q; want exit 2 and one line naming the failed write", code, errs)
			}
			after := snapshot(t, dir)
			for p, d := range after {
				if before[p] != d {
					t.Errorf("%s changed or appeared", p)
				}
			}
			for p := range before {
				if _, ok := after[p]; !ok {
					t.Errorf("%s disappeared", p)
				}
			}
			// Control: the same run without the cap replaces every file of the set.
			if code, errs := child(t, dir, 0, tc.args("0.04")...); code != 0 {
				t.Fatalf("third run: exit %d: %s", code, errs)
			}
			changed := snapshot(t, dir)
			for p, d := range before {
				if d != "dir" && !strings.Contains(p, "checkpoint") && changed[p] == d {
					t.Errorf("%s not rewritten by the run that could write", filepath.Base(p))
				}
			}
		})
	}
}

// sweep-plot never writes a figure over the result file it reads, whatever name it is given
// by (here the same path, and a hard link to it).
func TestNoOutputOverAnInput(t *testing.T) {
	dir := t.TempDir()
	r := filepath.Join(dir, "r.csv")
	if code, _, errs := runArgs(t, "sweep", "../../testdata/sweep-example.yaml", "--out", r); code != 0 {
		t.Fatal(errs)
	}
	link := filepath.Join(dir, "r.svg")
	if err := os.Link(r, link); err != nil {
		t.Skip(err)
	}
	before := snapshot(t, dir)
	for _, out := range []string{link} {
		code, _, errs := runArgs(t, "sweep-plot", r, "--stability", out)
		if code != 2 || !strings.Contains(errs, "read") {
			t.Errorf("sweep-plot %s --stability %s: exit %d, %q; want exit 2 naming the input", r, out, code, errs)
		}
	}
	after := snapshot(t, dir)
	for p, d := range before {
		if after[p] != d {
			t.Errorf("%s changed", p)
		}
	}
}
