package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileMemory caps the address space of every command the hostile-input table runs: a
// command that would take unbounded memory fails there rather than take the machine's.
const hostileMemory = 3 << 30

// hostileFixtures writes the files the hostile inputs name into dir: a sweep file and its
// result file, and files that are bad in one way each.
func hostileFixtures(t *testing.T, dir string) {
	t.Helper()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("s.yaml", "method: [gd]\nlr: [0.1, 0.2]\nsteps: [10]\nstart: {points: [[1, 2]]}\n")
	if code, _, errs := runArgs(t, "sweep", filepath.Join(dir, "s.yaml"), "--out", filepath.Join(dir, "r.csv")); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runArgs(t, "sweep", "--method", "gd", "--lr", "0.3", "--steps", "10", "--start", "1,2", "--out", filepath.Join(dir, "other.csv")); code != 0 {
		t.Fatal(errs)
	}
	res, err := os.ReadFile(filepath.Join(dir, "r.csv"))
	if err != nil {
		t.Fatal(err)
	}
	write("r.svg", string(res))
	if err := os.Link(filepath.Join(dir, "r.svg"), filepath.Join(dir, "link.svg")); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(res), "\n")
	head, row := lines[0], lines[1]
	f := strings.Split(row, ",")
	f[1] = "1000000000000000"
	write("big.csv", head+strings.Join(f, ","))
	write("cut.csv", string(res[:len(res)-10]))
	write("long.csv", head+strings.Repeat("7", 100_000)+"\n")
	write("notres.csv", "a,b\n1,2\n")
	var wide strings.Builder
	wide.WriteString(head)
	for i := range 2000 {
		fmt.Fprintf(&wide, "%d,2000,abcdef012345,gd,2,1 2,%g,%g,,,10,1,,,success,10,,1,0,1,3,2,-2,3,,,0.001\n", i, 0.001*float64(i+1), 0.001*float64(i))
	}
	write("wide.csv", wide.String())
	for _, l := range []string{"zero.csv", "zero.yaml"} {
		if err := os.Symlink("/dev/zero", filepath.Join(dir, l)); err != nil {
			t.Fatal(err)
		}
	}
	write("deep.toml", "seed = "+strings.Repeat("[", 1_000_000)+strings.Repeat("]", 1_000_000)+"\n")
	write("inline.toml", "seed = "+strings.Repeat("{a=", 1_000_000)+"1"+strings.Repeat("}", 1_000_000)+"\n")
	write("dots.toml", "a"+strings.Repeat(".a", 1_000_000)+" = 1\n")
	write("deep.yaml", "seed: "+strings.Repeat("[", 100)+strings.Repeat("]", 100)+"\n")
	write("many.yaml", "wd: ["+strings.Repeat("0,", 1<<20)+"0]\n")
	var keys strings.Builder
	for i := range 300 {
		fmt.Fprintf(&keys, "k%d: 1\n", i)
	}
	write("keys.yaml", keys.String())
	write("dup.yaml", "seed: 1\nsteps: 2\nseed: 3\n")
	write("bogus.yaml", "learning-rate: 0.1\n")
	write("c.json", "{}")
	write("seedbig.yaml", "seed: 18446744073709551616\n")
	write("seedfrac.toml", "seed = 1.5\n")
	write("nullr.yaml", "lr:\n")
	write("lrmap.yaml", "lr: {to: .inf}\n")
	write("lrinf.yaml", "lr: .inf\n")
	write("initnest.yaml", "init: [[2], 0.25]\n")
	write("bool.yaml", "init-random: 1\n")
	write("sinf.yaml", "method: [gd]\nlr: {to: .inf}\nsteps: [10]\nstart: [[1, 2]]\n")
	write("snan.yaml", "method: [gd]\nlr: {from: .nan, to: 1, num: 3}\nsteps: [10]\nstart: [[1, 2]]\n")
	write("sdeep.toml", "method = \"gd\"\nlr = 0.1\nsteps = 1\nstart = "+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+"\n")
	write("sdata.yaml", "method: [sgd]\nlr: [0.1]\nsteps: [10]\nstart: [[1, 2]]\ndata: {file: missing.csv}\n")
	write("spoint.yaml", "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: \"0:1:1000000\"}\n")
	write("sworker.yaml", "workers: 100000000\n")
	write("sgrid.yaml", "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {grid: {min: 0, max: 1, num: 1000000}}\ndepth: [256]\n")
	write("bad.csv", "x,y\n1,2\n3,a\n")
	f[1] = "4000000000"
	write("big4.csv", head+strings.Join(f, ","))
	write("seedexact.yaml", "seed: 9007199254740993\nsteps: 10\n")
	var pts strings.Builder
	pts.WriteString("method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [")
	for i := range 300_000 {
		if i > 0 {
			pts.WriteString(", ")
		}
		fmt.Fprintf(&pts, "[%d.5, %d.25]", i%1000, i/1000)
	}
	pts.WriteString("]}\n")
	write("p300k.yaml", pts.String())
	write("mergecfg.yaml", "partial: true\n")
	write("plotcfg.yaml", "stability: st.jpg\n")
}

// snapshot describes every file under dir: its name, kind, size, time and content (for a
// directory, that it is one).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			m[p] = "dir" // its time changes with a probe for writability, which leaves nothing
			return nil
		}
		desc := fmt.Sprintf("%v %d %v", info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		m[p] = desc
		return nil
	})
	return m
}

// Bad input of every kind to every command: each gets exit status 2 and one line on stderr
// naming the bad value, no stack trace, and leaves the directory as it was (no output, no
// temporary file). Each runs as its own process (this test binary acting as layerflow, built
// once), with its address space capped at 3 GiB; its peak resident set is logged.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 80 commands as processes")
	}
	dir := t.TempDir()
	hostileFixtures(t, dir)
	cases := []struct {
		args []string
		want string
	}{
		// Numbers and lists on the command line.
		{[]string{"flow", "--t-end", "-1", "--out", "o"}, "--t-end -1"},
		{[]string{"flow", "--t-end", "nan", "--out", "o"}, "--t-end NaN"},
		{[]string{"flow", "--rtol", "1e-20", "--out", "o"}, "--rtol 1e-20"},
		{[]string{"flow", "--method", "rk4", "--out", "o"}, `--method "rk4"`},
		{[]string{"flow", "--depth", "1", "--out", "o"}, "--depth 1"},
		{[]string{"flow", "--depth", "1001", "--out", "o"}, "--depth 1001"},
		{[]string{"flow", "--init", "1,2,3", "--out", "o"}, `--init "1,2,3"`},
		{[]string{"flow", "--init", "1e400,1", "--out", "o"}, `"1e400"`},
		{[]string{"flow", "--init", "1,inf", "--out", "o"}, `"inf"`},
		{[]string{"flow", "--wd", "-1", "--out", "o"}, "--wd -1"},
		{[]string{"flow", "--noise", "inf", "--out", "o"}, "--noise +Inf"},
		{[]string{"flow", "--max-steps", "0", "--out", "o"}, "--max-steps 0"},
		{[]string{"flow", "--dt", "-1", "--out", "o"}, "--dt -1"},
		{[]string{"flow", "--plot", "x.jpg", "--out", "o"}, `".jpg"`},
		{[]string{"gd", "--lr", "0", "--out", "o"}, "--lr 0"},
		{[]string{"gd", "--lr", "inf", "--out", "o"}, "--lr +Inf"},
		{[]string{"gd", "--lr", "1e400", "--out", "o"}, `"1e400"`},
		{[]string{"gd", "--steps", "-5", "--out", "o"}, "--steps -5"},
		{[]string{"gd", "--seed", "-1", "--out", "o"}, `"-1"`},
		{[]string{"gd", "--seed", "18446744073709551616", "--out", "o"}, `"18446744073709551616"`},
		{[]string{"gd", "--data", "missing.csv", "--out", "o"}, "missing.csv"},
		{[]string{"gd", "--data", "bad.csv", "--out", "o"}, `line 3: "a"`},
		{[]string{"gd", "--data", "zero.csv", "--out", "o"}, "line 1 is longer than 1048576 bytes"},
		{[]string{"sgd", "--batch", "0", "--out", "o"}, "--batch 0"},
		{[]string{"sgd", "--batch", "1000", "--out", "o"}, "--batch 1000"},
		{[]string{"sgd", "--samples", "0", "--out", "o"}, "--samples 0"},
		{[]string{"sgd", "--label-noise", "1e308", "--out", "o"}, "--label-noise 1e+308"},
		{[]string{"sgd", "--label-noise", "-1", "--out", "o"}, "--label-noise -1"},
		// Memory sized from input, checked against the budget before it is taken.
		{[]string{"sgd", "--samples", "1000000000", "--out", "o"}, "budget: --samples 1000000000"},
		{[]string{"portrait", "--steps", "100000000", "--methods", "gd", "--max-memory", "1GiB", "--out", "o.png"}, "budget: --steps 100000000"},
		{[]string{"check", "--steps", "100000000", "--max-memory", "1GiB"}, "budget: --steps 100000000"},
		{[]string{"portrait", "--grid-starts", "50", "--xrange", "-2,2", "--yrange", "-2,2", "--steps", "1000000", "--out", "p.png"}, "budget: 2500 starts × 2 methods × --steps 1000000"},
		{[]string{"sweep", "p300k.yaml", "--max-memory", "64MiB", "--out", "x.csv"}, "budget: "},
		{[]string{"merge", "r.csv", "--max-memory", "lots", "--out", "m.csv"}, `--max-memory "lots"`},
		{[]string{"gd", "--max-memory", "1KiB", "--out", "o"}, `--max-memory "1KiB": below 16.0 MiB`},
		{[]string{"check", "--init", "0.5,-0.5"}, "noise-minimum-d2: from [0.5 -0.5]"},
		{[]string{"check", "--init", "0,0"}, "noise-minimum-d2: from [0 0]"},
		{[]string{"compare", "--lr", "0", "--out", "o"}, "--lr 0"},
		{[]string{"compare", "--steps", "0", "--out", "o"}, "--steps 0"},
		{[]string{"compare", "--depth", "1001", "--out", "o"}, "--depth 1001"},
		{[]string{"check", "--seeds", "2"}, "--seeds 2"},
		{[]string{"check", "--steps", "10"}, "--steps 10"},
		{[]string{"check", "--rtol", "1e-3"}, "--rtol 0.001"},
		{[]string{"portrait", "--from", "1", "--out", "p.png"}, `--from "1"`},
		{[]string{"portrait", "--xrange", "2,1", "--out", "p.png"}, `--xrange "2,1"`},
		{[]string{"portrait", "--methods", "foo", "--out", "p.png"}, `"foo"`},
		{[]string{"portrait", "--grid-starts", "100000", "--out", "p.png"}, "--grid-starts 100000"},
		{[]string{"portrait", "--out", "p.jpg"}, `".jpg"`},
		{[]string{"portrait", "--plane", "1,5", "--out", "p.png"}, `--plane "1,5"`},
		{[]string{"reproduce", "--only", "12", "--out", "o"}, `"12"`},
		{[]string{"reproduce", "--only", "a", "--out", "o"}, `"a"`},
		// Config files: nesting, size, keys, exact integers, values of the wrong kind.
		{[]string{"gd", "--config", "deep.toml", "--out", "o"}, "nested more than 64 levels"},
		{[]string{"gd", "--config", "inline.toml", "--out", "o"}, "nested more than 64 levels"},
		{[]string{"gd", "--config", "dots.toml", "--out", "o"}, "dotted key of more than 64 parts"},
		{[]string{"gd", "--config", "deep.yaml", "--out", "o"}, "nested more than 64 levels"},
		{[]string{"gd", "--config", "many.yaml", "--out", "o"}, "more than 1048576 items"},
		{[]string{"gd", "--config", "keys.yaml", "--out", "o"}, "a table of 300 keys"},
		{[]string{"gd", "--config", "dup.yaml", "--out", "o"}, `key "seed" is already defined`},
		{[]string{"gd", "--config", "zero.yaml", "--out", "o"}, "more than 67108864 bytes"},
		{[]string{"gd", "--config", "bogus.yaml", "--out", "o"}, `"learning-rate"`},
		{[]string{"gd", "--config", "c.json", "--out", "o"}, `".json"`},
		{[]string{"gd", "--config", "nothere.yaml", "--out", "o"}, "nothere.yaml"},
		{[]string{"gd", "--config", "seedbig.yaml", "--out", "o"}, `key "seed": 1.8446744073709552e+19 is too large`},
		{[]string{"gd", "--config", "seedfrac.toml", "--out", "o"}, `key "seed": 1.5 is not an integer`},
		{[]string{"gd", "--config", "nullr.yaml", "--out", "o"}, `key "lr": no value`},
		{[]string{"gd", "--config", "lrmap.yaml", "--out", "o"}, `key "lr": a table map[to:+Inf], where a number is wanted`},
		{[]string{"gd", "--config", "lrinf.yaml", "--out", "o"}, "--lr +Inf"},
		{[]string{"gd", "--config", "initnest.yaml", "--out", "o"}, `key "init"`},
		{[]string{"gd", "--config", "bool.yaml", "--out", "o"}, `key "init-random": 1 is not true or false`},
		// Sweep files and the sweep's flags.
		{[]string{"sweep", "deep.toml", "--out", "x.csv"}, "nested more than 64 levels"},
		{[]string{"sweep", "sdeep.toml", "--out", "x.csv"}, "nested more than 64 levels"},
		{[]string{"sweep", "many.yaml", "--out", "x.csv"}, "more than 1048576 items"},
		{[]string{"sweep", "keys.yaml", "--out", "x.csv"}, "a table of 300 keys"},
		{[]string{"sweep", "sinf.yaml", "--out", "x.csv"}, "lr: range to +Inf is not finite"},
		{[]string{"sweep", "snan.yaml", "--out", "x.csv"}, "lr: range from NaN is not finite"},
		{[]string{"sweep", "sdata.yaml", "--out", "x.csv"}, "missing.csv"},
		{[]string{"sweep", "spoint.yaml", "--out", "x.csv"}, "a point of 1000000 weights"},
		{[]string{"sweep", "sgrid.yaml", "--out", "x.csv"}, "sweep: sgrid.yaml: more than 1099511627776 runs"},
		{[]string{"sweep", "c.json", "--out", "x.csv"}, `".json"`},
		{[]string{"sweep", "--lr", "0.1:inf:3", "--method", "gd", "--steps", "10", "--start", "1,2", "--out", "x.csv"}, "sweep: lr: range to +Inf"},
		{[]string{"sweep", "s.yaml", "--workers", "100000000", "--out", "x.csv"}, "--workers 100000000"},
		{[]string{"sweep", "s.yaml", "--config", "sworker.yaml", "--out", "x.csv"}, "--workers 100000000"},
		{[]string{"sweep", "s.yaml", "--workers", "-1", "--out", "x.csv"}, "--workers -1"},
		{[]string{"sweep", "s.yaml", "--shard", "3/2", "--out", "x.csv"}, `--shard "3/2"`},
		{[]string{"sweep", "s.yaml", "--out", "other.csv"}, "other.csv: holds runs of another sweep"},
		{[]string{"sweep", "s.yaml", "--out", "big.csv"}, `big.csv: line 2: run count "1000000000000000"`},
		// Result files read by merge and sweep-plot.
		{[]string{"merge", "big.csv", "--out", "m.csv"}, "run count 1000000000000000 is more than 2^40"},
		{[]string{"merge", "r.csv", "--out", "r.csv"}, "r.csv is both an input and the output"},
		{[]string{"merge", "r.svg", "--out", "link.svg"}, "r.svg is both an input and the output"},
		{[]string{"merge", "r.svg", "link.svg", "--out", "m.csv"}, "link.svg is given twice"},
		{[]string{"merge", "long.csv", "--out", "m.csv"}, "line 2 is longer than 65536 bytes"},
		{[]string{"merge", "notres.csv", "--out", "m.csv"}, "notres.csv: not a layerflow sweep result file"},
		{[]string{"merge", "zero.csv", "--out", "m.csv"}, "zero.csv: not a layerflow sweep result file"},
		{[]string{"merge", "cut.csv", "--out", "m.csv"}, "cut.csv: its last line is cut short"},
		{[]string{"merge", "r.csv", "other.csv", "--out", "m.csv"}, "not of sweep"},
		{[]string{"merge", "r.csv"}, "--out FILE is required"},
		{[]string{"merge", "r.csv", "--config", "mergecfg.yaml"}, "--out FILE is required"},
		{[]string{"sweep-plot", "r.svg", "--stability", "r.svg"}, "--stability r.svg: that is the result file being read"},
		{[]string{"sweep-plot", "r.svg", "--stability", "link.svg"}, "--stability link.svg: that is the result file being read"},
		{[]string{"sweep-plot", "r.csv", "--stability", "st.jpg"}, `--stability "st.jpg": unknown extension ".jpg"`},
		{[]string{"sweep-plot", "r.csv", "--config", "plotcfg.yaml"}, `--stability "st.jpg": unknown extension ".jpg"`},
		{[]string{"sweep-plot", "r.csv", "--heatmap", "h.png", "--x", "lr", "--y", "lr"}, `axes x and y are both "lr"`},
		{[]string{"sweep-plot", "r.csv", "--heatmap", "h.png", "--z", "speed"}, `value "speed"`},
		{[]string{"sweep-plot", "r.csv", "--heatmap", "h.png", "--log-z", "maybe"}, `--log-z "maybe"`},
		{[]string{"sweep-plot", "wide.csv", "--heatmap", "h.png"}, "a heat map of 2000 × 2000 cells"},
		{[]string{"sweep-plot", "long.csv", "--stability", "st.png"}, "line 2 is longer than 65536 bytes"},
		{[]string{"sweep-plot", "zero.csv", "--stability", "st.png"}, "zero.csv: not a layerflow sweep result file"},
		// The cluster.
		{[]string{"slurm", "s.yaml", "--shards", "0", "--time", "00:10:00"}, "--shards 0"},
		{[]string{"slurm", "s.yaml", "--shards", "2", "--time", "25:99"}, `--time "25:99"`},
		{[]string{"slurm", "s.yaml", "--shards", "99", "--time", "00:10:00"}, "--shards 99"},
		{[]string{"slurm", "s.yaml", "--shards", "1", "--time", "00:10:00", "--partition", "a b"}, `--partition "a b"`},
		{[]string{"slurm", "deep.toml", "--shards", "1", "--time", "00:10:00"}, "nested more than 64 levels"},
	}
	for _, tc := range cases {
		name := strings.Join(tc.args, " ")
		t.Run(name, func(t *testing.T) {
			before := snapshot(t, dir)
			code, stdout, errs, _ := hostileRun(t, dir, tc.args)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, "\n") || !strings.HasPrefix(errs, "layerflow: ") {
				t.Errorf("stderr %q: want one line", errs)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q does not name %q", errs, tc.want)
			}
			for _, s := range []string{"goroutine", "panic"} {
				if strings.Contains(errs+stdout, s) {
					t.Errorf("output has %q: %s %s", s, stdout, errs)
				}
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
		})
	}
	if len(cases) < 60 {
		t.Errorf("%d hostile inputs, want at least 60", len(cases))
	}
}

// hostileRun runs layerflow with args as a process in dir, its address space capped at
// hostileMemory, and returns its exit status, streams and peak resident set (logged).
func hostileRun(t *testing.T, dir string, args []string) (code int, stdout, stderr string, rss int64) {
	t.Helper()
	a, _ := json.Marshal(args)
	// No input may hang the table: a minute is far more than any case takes.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a), fmt.Sprintf("LAYERFLOW_TEST_MEMORY=%d", int64(hostileMemory)))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Errorf("still running after %v: killed", time.Minute)
	}
	rss = peakRSS(cmd.ProcessState)
	t.Logf("exit %d in %v, peak RSS %d MB: %s", code, time.Since(start).Round(time.Millisecond), rss>>20, strings.TrimSpace(errb.String()))
	return code, out.String(), errb.String(), rss
}

// boundedRSS is the most resident memory an input of issue 14's list may take: 500 MB.
const boundedRSS = 500 << 20

// The inputs of the hostile list that are not errors: each runs correctly (the exit status
// and a line of its output or a file that show it), with a peak resident set under 500 MB and
// no stack trace; among them the long runs that stream their points to disk, which held
// them whole before and took gigabytes.
func TestHostileInputsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs commands as processes")
	}
	dir := t.TempDir()
	hostileFixtures(t, dir)
	cases := []struct {
		args    []string
		code    int
		want    string // in stdout or stderr
		file    string // a file written, holding want (when not empty)
		pending string // what the case waits for
	}{
		{[]string{"merge", "big4.csv", "--out", "m4.csv"}, 1, "3999999999 of 4000000000 runs of sweep", "", ""},
		{[]string{"gd", "--config", "seedexact.yaml", "--out", "seed"}, 0, `"seed": 9007199254740993`, "seed/summary.json", ""},
		{[]string{"gd", "--lr", "1e-309", "--steps", "2", "--out", "tiny"}, 0, "2/λ = ∞", "", ""},
		{[]string{"sweep", "p300k.yaml", "--out", "p.csv"}, 0, "300000 runs", "", ""},
		{[]string{"compare", "--depth", "1000", "--init-random", "--steps", "10", "--out", "deep"}, 0, "", "deep/compare.csv", ""},
		// Long runs stream their points to disk (at most --max-points rows) instead of holding them.
		{[]string{"gd", "--steps", "10000000", "--out", "s1"}, 0, "after 10000000 steps", "", ""},
		{[]string{"compare", "--steps", "10000000", "--out", "s2"}, 0, "", "s2/compare.csv", ""},
		{[]string{"sgd", "--steps", "10000000", "--out", "s3"}, 0, "after 10000000 steps", "", ""},
		{[]string{"flow", "--t-end", "10", "--dt", "0.000001", "--out", "s4"}, 0, "", "s4/trajectory.csv", ""},
		// 10^5 steps at depth 1000 held whole took 800 MB.
		{[]string{"gd", "--depth", "1000", "--init-random", "--steps", "100000", "--out", "s5"}, 0, "after 100000 steps", "", ""},
		{[]string{"flow", "--t-end", "1e308", "--max-steps", "1000000", "--out", "s6"}, 1, "", "s6/trajectory.csv", ""},
		{[]string{"flow", "--depth", "1000", "--init-random", "--t-end", "1e9", "--max-steps", "100000", "--out", "s7"}, 0, "", "s7/trajectory.csv", ""},
		{[]string{"compare", "--depth", "1000", "--init-random", "--steps", "100000", "--out", "s8"}, 0, "", "s8/compare.csv", ""},
		// A flow run of a sweep is thinned while it runs (recorded whole first, this took 783 MB).
		{[]string{"sweep", "--method", "flow", "--lr", "0.1", "--start", "1,2", "--t-end", "1e12", "--max-steps", "10000000", "--out", "s9.csv"}, 0, "1 runs", "", ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if tc.pending != "" {
				t.Skip("pending: " + tc.pending)
			}
			code, stdout, errs, rss := hostileRun(t, dir, tc.args)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, errs)
			}
			if rss > boundedRSS {
				t.Errorf("peak RSS %d MB, more than %d MB", rss>>20, boundedRSS>>20)
			}
			got := stdout + errs
			if tc.file != "" {
				b, err := os.ReadFile(filepath.Join(dir, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output does not hold %q: %s", tc.want, got)
			}
			for _, s := range []string{"goroutine", "panic:"} {
				if strings.Contains(stdout+errs, s) {
					t.Errorf("output has %q", s)
				}
			}
		})
	}
}
