package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the layerflow command: with its arguments in
// LAYERFLOW_TEST_ARGS (JSON, for the kill test and the hostile inputs, its address space
// capped at LAYERFLOW_TEST_MEMORY bytes and the files it writes at LAYERFLOW_TEST_FSIZE
// bytes when these are set), or with its own arguments when
// LAYERFLOW_TEST_MAIN=1 (for scripts that call layerflow).
func TestMain(m *testing.M) {
	if os.Getenv("LAYERFLOW_TEST_MAIN") == "1" {
		os.Exit(run(append([]string{"layerflow"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	if a := os.Getenv("LAYERFLOW_TEST_ARGS"); a != "" {
		if n, err := strconv.ParseUint(os.Getenv("LAYERFLOW_TEST_MEMORY"), 10, 64); err == nil {
			limitMemory(n)
		}
		if n, err := strconv.ParseUint(os.Getenv("LAYERFLOW_TEST_FSIZE"), 10, 64); err == nil {
			limitFileSize(n)
		}
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			panic(err)
		}
		os.Exit(run(append([]string{"layerflow"}, args...), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// sweepRows reads a result file's rows without the seconds column, sorted.
func sweepRows(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var out []string
	for _, l := range lines[1:] {
		out = append(out, l[:strings.LastIndexByte(l, ',')])
	}
	slices.Sort(out)
	return out
}

func TestSweepExample(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	// Flags after the file, as the README writes them.
	code, stdout, errs := runArgs(t, "sweep", "../../testdata/sweep-example.yaml", "--out", out, "--workers", "2")
	if code != 0 || !strings.Contains(stdout, "384 runs; 0 already") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	if errs != "" {
		t.Errorf("stderr not empty (no progress bar off a terminal): %q", errs)
	}
	rows := sweepRows(t, out)
	if len(rows) != 384 {
		t.Fatalf("%d rows", len(rows))
	}
	code, stdout, _ = runArgs(t, "sweep", "../../testdata/sweep-example.yaml", "-o", out)
	if code != 0 || !strings.Contains(stdout, "384 already in") {
		t.Errorf("second run: exit %d, %q", code, stdout)
	}
	// Shards and merge.
	var shards []string
	for i, s := range []string{"0/2", "1/2"} {
		p := filepath.Join(dir, "s"+string(rune('0'+i))+".csv")
		if code, _, errs := runArgs(t, "sweep", "../../testdata/sweep-example.yaml", "--shard", s, "--out", p); code != 0 {
			t.Fatalf("shard %s: %s", s, errs)
		}
		shards = append(shards, p)
	}
	all := filepath.Join(dir, "all.csv")
	if code, _, errs := runArgs(t, "merge", "--out", all, shards[0]); code != 1 || !strings.Contains(errs, "shard 1/2") {
		t.Errorf("merge of one shard of two: exit %d, %q", code, errs)
	}
	if code, _, errs := runArgs(t, "merge", "--out", all, shards[0], shards[1]); code != 0 {
		t.Fatalf("merge: %s", errs)
	}
	if got := sweepRows(t, all); !slices.Equal(got, rows) {
		t.Errorf("merged shards differ from the single run")
	}
	// Figures.
	for _, ext := range []string{".png", ".svg", ".pdf"} {
		stab, heat := filepath.Join(dir, "stab"+ext), filepath.Join(dir, "heat"+ext)
		code, stdout, errs := runArgs(t, "sweep-plot", out, "--stability", stab, "--heatmap", heat, "--method", "sgd", "--z", "imbalance")
		if code != 0 || !strings.Contains(stdout, "stability map: 288 discrete runs") {
			t.Fatalf("sweep-plot %s: exit %d, %q, %q", ext, code, stdout, errs)
		}
		for _, f := range []string{stab, heat, filepath.Join(dir, "heat-cells.csv")} {
			if st, err := os.Stat(f); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	// 8 learning rates × 3 weight decays.
	if n := len(readCSV(t, filepath.Join(dir, "heat-cells.csv"))); n != 1+24 {
		t.Errorf("heat-cells.csv has %d lines, want a header and 24 cells", n)
	}
	// A result file where a heat map's data would go.
	if b, err := os.ReadFile(out); err == nil {
		os.WriteFile(filepath.Join(dir, "res-cells.csv"), b, 0o644)
	}
	// A result file named like a figure, and a second name (a hard link) for it: sweep-plot
	// must not draw over the file it reads.
	svgResult := filepath.Join(dir, "r.svg")
	if b, err := os.ReadFile(out); err == nil {
		os.WriteFile(svgResult, b, 0o644)
	}
	if err := os.Link(svgResult, filepath.Join(dir, "link.svg")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(svgResult)
	defer func() {
		if after, _ := os.ReadFile(svgResult); string(after) != string(before) {
			t.Error("sweep-plot changed the result file it read")
		}
	}()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep-plot", out}, "nothing to draw"},
		{[]string{"sweep-plot", out, "--heatmap", filepath.Join(dir, "h.gif")}, `unknown extension ".gif"`},
		{[]string{"sweep-plot", out, "--heatmap", filepath.Join(dir, "h.png"), "--method", "gd", "--z", "speed"}, `value "speed"`},
		{[]string{"sweep-plot", out, "--heatmap", filepath.Join(dir, "h.png")}, "choose one"},
		{[]string{"sweep-plot", filepath.Join(dir, "none.csv"), "--stability", filepath.Join(dir, "s.png")}, "no such file"},
		{[]string{"sweep-plot", out, "--stability", filepath.Join(dir, "s.png"), "--heatmap", filepath.Join(dir, "h.png"), "--method", "gd", "--z", "speed"}, `value "speed"`},
		{[]string{"sweep-plot", out, "--heatmap", filepath.Join(dir, "res.png"), "--method", "gd"}, "would overwrite"},
		{[]string{"sweep-plot", out, "--stability", filepath.Join(dir, "s.png"), "--heatmap", filepath.Join(dir, "nodir", "h.png"), "--method", "gd"}, "cannot write in"},
		{[]string{"sweep-plot", out, "--stability", filepath.Join(dir, "s.jpg")}, `unknown extension ".jpg"`},
		{[]string{"sweep-plot", svgResult, "--stability", svgResult}, "the result file being read"},
		{[]string{"sweep-plot", svgResult, "--stability", filepath.Join(dir, "link.svg")}, "the result file being read"},
	} {
		code, _, errs := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q, want exit 2 and one line with %q", tc.args, code, errs, tc.want)
		}
		for _, f := range []string{"h.png", "s.png"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("%v: wrote %s", tc.args, f)
			}
		}
	}
}

func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	ok := "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2]]}\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", bad("a.yaml", ok+"learning_rate: 1\n")}, `unknown key "learning_rate"`},
		{[]string{"sweep", bad("b.yaml", strings.Replace(ok, "[0.1]", "[]", 1))}, "lr: empty list"},
		{[]string{"sweep", bad("c.yaml", ok+"wd: -0.1\n")}, "wd: -0.1"},
		{[]string{"sweep", bad("d.toml", "method = [\"gd\"]\nlr = 0.1\nsteps = 10\nstart = [[1, 2]]\nfoo = 1\n")}, `unknown key "foo"`},
		{[]string{"sweep", bad("e.yaml", ok), "--shard", "4/4"}, `--shard "4/4"`},
		{[]string{"sweep", bad("f.yaml", ok), "--shard", "x"}, `--shard "x"`},
		{[]string{"sweep", bad("g.yaml", ok), "--lr", "0.1:1:zero:log"}, `"zero" is not a number`},
		{[]string{"sweep", bad("h.yaml", ok), "--workers", "-1"}, "--workers -1"},
		{[]string{"sweep", bad("i.json", ok)}, "unknown extension"},
		{[]string{"sweep", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"sweep", "--method", "gd", "--lr", "0.1", "--steps", "10"}, "start: missing"},
		{[]string{"merge", "--out", filepath.Join(dir, "m.csv")}, "no result files"},
		{[]string{"merge", "--out", filepath.Join(dir, "m.csv"), bad("j.csv", "a,b\n1,2\n")}, "not a layerflow sweep result file"},
	} {
		code, _, errs := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and one line containing %q", tc.args, code, errs, tc.want)
		}
	}
}

// A sweep killed (SIGKILL) and interrupted (SIGINT) midway, then run again with the same
// command, gives the same rows as an uninterrupted one: none lost, none twice.
func TestSweepKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command as a process")
	}
	dir := t.TempDir()
	args := []string{"sweep", "--method", "gd,sgd", "--lr", "0.001:0.5:20:log", "--steps", "20000",
		"--start-grid", "-2:2:5", "--seeds", "2", "--workers", "1"}
	full := filepath.Join(dir, "full.csv")
	if code, _, errs := runArgs(t, append(args, "--out", full)...); code != 0 {
		t.Fatal(errs)
	}
	want := sweepRows(t, full)
	part := filepath.Join(dir, "part.csv")
	lines := 1 // the header
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		a, _ := json.Marshal(append(args, "--out", part))
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until more rows are written, then stop the process.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			b, _ := os.ReadFile(part)
			if strings.Count(string(b), "\n") > lines {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		b, _ := os.ReadFile(part)
		lines = strings.Count(string(b), "\n")
		if lines-1 >= len(want) {
			t.Fatalf("%v: the sweep finished before it was stopped; make it longer", sig)
		}
		if sig == syscall.SIGINT {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "run the same command again") {
				t.Errorf("SIGINT: %v, stderr %q", err, stderr.String())
			}
		}
		t.Logf("%v: %d of %d rows written", sig, lines-1, len(want))
	}
	if code, _, errs := runArgs(t, append(args, "--out", part)...); code != 0 {
		t.Fatal(errs)
	}
	if got := sweepRows(t, part); !slices.Equal(got, want) {
		t.Errorf("the stopped and restarted sweep has %d rows, the uninterrupted one %d, or they differ", len(got), len(want))
	}
}

// The progress bar shows done/total, the percentage, the rate since the start and the time
// left, on one line rewritten with a carriage return.
func TestProgressBar(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b, unit: "runs", start: time.Now().Add(-2 * time.Second)}
	p.update(100, 1000) // 100 were done before this start
	p.update(200, 1000) // within a tenth of a second of the last: not drawn
	p.start, p.last = time.Now().Add(-2*time.Second), time.Now().Add(-time.Second)
	p.update(500, 1000) // 400 in 2 s: 200 runs/s, 500 left: 2.5 s
	p.finish()
	out := b.String()
	last := out[strings.LastIndex(out, "\r")+1:]
	for _, want := range []string{"[===============>", "500/1000", "50.0%", "runs/s", "left 0:03"} {
		if !strings.Contains(last, want) {
			t.Errorf("progress line %q lacks %q", last, want)
		}
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\r") != 2 {
		t.Errorf("progress output %q: want two \\r-rewritten lines and a final newline", out)
	}
}

// sweep, merge and sweep-plot take --config as every other command does: keys spelled as the
// flags, the command line winning.
func TestSweepCommandsConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := write("s.yaml", "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2]]}\n")
	res := filepath.Join(dir, "r.csv")
	// The grid flag lr given as a list, workers and no-progress too.
	cfg := write("sweep.yaml", "out: "+res+"\nworkers: 1\nno-progress: true\nlr: [0.05, 0.1]\n")
	if code, stdout, errs := runArgs(t, "sweep", spec, "--config", cfg); code != 0 || !strings.Contains(stdout, "2 runs; 0 already in "+res) {
		t.Fatalf("sweep --config: exit %d, %q, %q", code, stdout, errs)
	}
	// The command line wins over the file.
	if code, stdout, errs := runArgs(t, "sweep", spec, "--config", cfg, "--lr", "0.1", "--out", filepath.Join(dir, "r1.csv")); code != 0 || !strings.Contains(stdout, "1 runs;") {
		t.Fatalf("sweep --config with --lr: exit %d, %q, %q", code, stdout, errs)
	}
	merged := filepath.Join(dir, "m.csv")
	if code, stdout, errs := runArgs(t, "merge", res, "--config", write("merge.toml", "out = \""+merged+"\"\n")); code != 0 || !strings.Contains(stdout, "all 2 runs") {
		t.Fatalf("merge --config: exit %d, %q, %q", code, stdout, errs)
	}
	stab := filepath.Join(dir, "st.svg")
	if code, stdout, errs := runArgs(t, "sweep-plot", res, "--config", write("plot.yaml", "stability: "+stab+"\n")); code != 0 || !strings.Contains(stdout, "→ "+stab) {
		t.Fatalf("sweep-plot --config: exit %d, %q, %q", code, stdout, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", res}, "merge: --out FILE is required"},
		{[]string{"merge", res, "--config", write("m2.yaml", "partial: true\n")}, "merge: --out FILE is required"},
		{[]string{"sweep", spec, "--config", write("s2.yaml", "worker: 2\n")}, `unknown key "worker"`},
		{[]string{"sweep-plot", res, "--config", write("p2.yaml", "stability: "+res+"\n")}, `--stability "` + res + `": unknown extension ".csv"`},
		{[]string{"sweep-plot", res, "--config", write("p3.toml", "x = [[[1]]]\n")}, `key "x": [[[1]]]: a list of lists`},
		{[]string{"sweep", spec, "--config", write("s3.yaml", "lr: {to: .inf}\n")}, `key "lr": a table, where a value is wanted`},
		{[]string{"sweep", spec, "--config", write("s4.yaml", "lr: {from: 0.1, to: .inf, num: 3}\n")}, "lr: range to +Inf is not finite"},
	} {
		code, _, errs := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q, want exit 2 and one line with %q", tc.args, code, errs, tc.want)
		}
	}
}

// sweep-plot of a result file that a running sweep holds draws the runs finished so far and
// says so in one line on stderr.
func TestSweepPlotWhileWriting(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.csv")
	if code, _, errs := runArgs(t, "sweep", "--method", "gd", "--lr", "0.1,0.2", "--steps", "10", "--start", "1,2", "--out", res); code != 0 {
		t.Fatal(errs)
	}
	f := lockFile(t, res)
	defer f.Close()
	stab := filepath.Join(dir, "s.svg")
	code, stdout, errs := runArgs(t, "sweep-plot", res, "--stability", stab)
	if code != 0 || !strings.Contains(stdout, "2 discrete runs") {
		t.Fatalf("exit %d, %q, %q", code, stdout, errs)
	}
	if !strings.Contains(errs, "warning: "+res+" is being written by a running sweep") || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr %q: want one line warning that a sweep is writing %s", errs, res)
	}
	f.Close()
	if _, _, errs := runArgs(t, "sweep-plot", res, "--stability", stab); errs != "" {
		t.Errorf("a file at rest: stderr %q", errs)
	}
}
