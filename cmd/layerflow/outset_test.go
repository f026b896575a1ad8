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
		name  string
		args  func(lr string) []string
		setup []string // a command run first whose outputs are inputs of the case, not its set
		fsize int      // the "disk" (largest file), 40 KiB when 0: some files of the set fit, some not
	}{
		{"gd", func(lr string) []string {
			return []string{"gd", "--lr", lr, "--steps", "200", "--out", "o", "--plot", "o/p.png"}
		}, nil, 0},
		{"flow", func(lr string) []string {
			return []string{"flow", "--t-end", lr, "--out", "f", "--plot", "f/p.png"}
		}, nil, 0},
		{"net gd", func(lr string) []string {
			return []string{"gd", "--widths", "5,4,3", "--data", "teacher", "--lr", lr, "--steps", "50", "--record", "1", "--out", "n", "--plot", "n/p.png"}
		}, nil, 0},
		// A report: report.md, summary.json, and each figure as PNG, SVG and CSV.
		{"reproduce", func(string) []string {
			return []string{"reproduce", "--quick", "--only", "2", "--out", "rep"}
		}, nil, 79 << 10}, // the first figure (PNG 75 KiB, SVG, CSV) fits, the second PNG (80 KiB) not
		// Both figures of a result file, and the heat map's cells beside it: the stability
		// map (8 KiB of SVG) and the cells fit, the heat map (44 KiB of PNG) not.
		{"sweep-plot", func(string) []string {
			return []string{"sweep-plot", "r.csv", "--stability", "fig/st.svg", "--heatmap", "fig/h.png", "--method", "gd"}
		}, []string{"sweep", "--method", "gd", "--lr", "0.05:0.5:4", "--wd", "0:0.1:3", "--steps", "100", "--start", "1,2", "--out", "r.csv"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.setup != nil {
				if code, errs := child(t, dir, 0, tc.setup...); code != 0 {
					t.Fatalf("setup: exit %d: %s", code, errs)
				}
				os.Mkdir(filepath.Join(dir, "fig"), 0o755)
			}
			if code, errs := child(t, dir, 0, tc.args("0.05")...); code != 0 {
				t.Fatalf("first run: exit %d: %s", code, errs)
			}
			before := snapshot(t, dir)
			fsize := tc.fsize
			if fsize == 0 {
				fsize = 40 << 10
			}
			code, errs := child(t, dir, fsize, tc.args("0.04")...)
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
				if d != "dir" && !strings.Contains(p, "checkpoint") && filepath.Base(p) != "r.csv" && changed[p] == d {
					t.Errorf("%s not rewritten by the run that could write", filepath.Base(p))
				}
			}
		})
	}
}

// No command writes over a file it reads, whatever name it is given by: the same path, a hard
// link or a symbolic link to it named as an output. The inputs are a result file (sweep-plot),
// a data file (gd --data, portrait --data) and a config file (--config); each case must fail
// with exit 2 naming the input, and leave every file as it was. The control: the same
// command with an output that is no input succeeds.
func TestNoOutputOverAnInput(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	if code, _, errs := runArgs(t, "sweep", "../../testdata/sweep-example.yaml", "--out", in("r.csv")); code != 0 {
		t.Fatal(errs)
	}
	var data strings.Builder
	data.WriteString("x,y\n")
	for i := range 32 {
		fmt.Fprintf(&data, "%g,%g\n", float64(i)/8-2, float64(i)/7-2+0.1*float64(i%3))
	}
	if err := os.WriteFile(in("d.csv"), []byte(data.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in("c.yaml"), []byte("lr: 0.05\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"r.csv", "d.csv", "c.yaml"} {
		stem := strings.TrimSuffix(f, filepath.Ext(f))
		if err := os.Link(in(f), in(stem+"-hard.png")); err != nil {
			t.Skip(err)
		}
		if err := os.Symlink(f, in(stem+"-sym.png")); err != nil {
			t.Skip(err)
		}
	}
	cases := []struct {
		input string
		args  func(out string) []string
	}{
		{"r.csv", func(out string) []string { return []string{"sweep-plot", in("r.csv"), "--stability", out} }},
		{"r.csv", func(out string) []string {
			return []string{"sweep-plot", in("r.csv"), "--heatmap", out, "--method", "gd"}
		}},
		{"d.csv", func(out string) []string {
			return []string{"gd", "--data", in("d.csv"), "--steps", "20", "--out", in("o"), "--plot", out}
		}},
		{"d.csv", func(out string) []string {
			return []string{"portrait", "--methods", "gd,sgd", "--data", in("d.csv"), "--steps", "20", "--field", "5", "--out", out}
		}},
		{"c.yaml", func(out string) []string {
			return []string{"gd", "--config", in("c.yaml"), "--steps", "20", "--out", in("o"), "--plot", out}
		}},
	}
	for _, tc := range cases {
		// The control first, so that the output directory exists (a command that fails
		// later may leave the empty directory it made).
		args := tc.args(in("fresh.png"))
		if code, _, errs := runArgs(t, args...); code != 0 {
			t.Errorf("control %s: exit %d, %s", strings.Join(args, " "), code, errs)
		}
		stem := strings.TrimSuffix(tc.input, filepath.Ext(tc.input))
		for _, out := range []string{in(stem + "-hard.png"), in(stem + "-sym.png")} {
			args = tc.args(out)
			before := snapshot(t, dir)
			code, _, errs := runArgs(t, args...)
			if code != 2 || !strings.Contains(errs, "which this command reads") && !strings.Contains(errs, "result file being read") {
				t.Errorf("%s: exit %d, %q; want exit 2 naming the input", strings.Join(args, " "), code, errs)
			}
			after := snapshot(t, dir)
			for p, d := range before {
				if after[p] != d {
					t.Errorf("%s: %s changed", strings.Join(args, " "), filepath.Base(p))
				}
			}
			for p := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("%s: %s appeared", strings.Join(args, " "), filepath.Base(p))
				}
			}
		}
	}
}

// Every command takes --max-memory (and from a config file), and the budget it sets is the
// one the input-sized allocations are checked against.
func TestEveryCommandTakesMaxMemory(t *testing.T) {
	app := newApp(nil, nil)
	for _, c := range app.Commands {
		has := false
		for _, f := range c.Flags {
			has = has || f.Names()[0] == "max-memory"
		}
		if !has {
			t.Errorf("%s has no --max-memory", c.Name)
		}
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "m.yaml")
	os.WriteFile(cfg, []byte("max-memory: 64MiB\n"), 0o644)
	for _, args := range [][]string{
		{"sgd", "--samples", "1000000", "--max-memory", "16MiB", "--out", filepath.Join(dir, "o")},
		{"sgd", "--samples", "10000000", "--config", cfg, "--steps", "10", "--out", filepath.Join(dir, "o")},
	} {
		code, _, errs := runArgs(t, args...)
		if code != 2 || !strings.HasPrefix(errs, "layerflow: budget: ") || !strings.Contains(errs, "(--max-memory)") {
			t.Errorf("%v: exit %d, %q; want the budget's one line", args, code, errs)
		}
	}
	// Control: within the budget the same sizes run.
	if code, _, errs := runArgs(t, "sgd", "--samples", "1000", "--steps", "100", "--max-memory", "16MiB", "--out", filepath.Join(dir, "o")); code != 0 {
		t.Errorf("control: exit %d: %s", code, errs)
	}
}
