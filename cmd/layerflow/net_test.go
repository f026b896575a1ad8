package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/layerflow/layerflow/analysis/sweep"
)

// rowsWithoutSeconds returns the rows of a result file, sorted, without the timing column.
func rowsWithoutSeconds(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var out []string
	for _, l := range lines[1:] {
		out = append(out, l[:strings.LastIndexByte(l, ',')])
	}
	sort.Strings(out)
	return out
}

// A sweep of matrix networks gives the same rows for any worker count, as shards merged,
// and when resumed after a cut.
func TestNetSweep(t *testing.T) {
	dir := t.TempDir()
	args := []string{"sweep", "--widths", "5,4,3;5,4,4,3", "--method", "gd,sgd,flow,noisy-gd", "--lr", "0.01,0.05", "--noise", "0.2", "--steps", "100", "--seeds", "2"}
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, w := range []string{"1", "2"} {
		if code, _, errs := runArgs(t, append(args, "--workers", w, "--out", p("w"+w+".csv"))...); code != 0 {
			t.Fatalf("workers %s: exit %d: %s", w, code, errs)
		}
	}
	want := rowsWithoutSeconds(t, p("w1.csv"))
	if len(want) != 32 {
		t.Fatalf("%d rows, want 32", len(want))
	}
	if got := rowsWithoutSeconds(t, p("w2.csv")); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Error("2 workers give other rows than 1")
	}
	var shards []string
	for _, s := range []string{"0/3", "1/3", "2/3"} {
		out := p("s" + s[:1] + ".csv")
		shards = append(shards, out)
		if code, _, errs := runArgs(t, append(args, "--shard", s, "--out", out)...); code != 0 {
			t.Fatalf("shard %s: exit %d: %s", s, code, errs)
		}
	}
	if code, _, errs := runArgs(t, append([]string{"merge", "--out", p("m.csv")}, shards...)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if got := rowsWithoutSeconds(t, p("m.csv")); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Error("merged shards give other rows")
	}
	// Cut the file in the middle of a row and resume.
	b, _ := os.ReadFile(p("w1.csv"))
	if err := os.WriteFile(p("cut.csv"), b[:len(b)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runArgs(t, append(args, "--out", p("cut.csv"))...); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	if got := rowsWithoutSeconds(t, p("cut.csv")); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Error("resumed sweep gives other rows")
	}
	if h := sweep.HeaderOf(p("w1.csv")); h != sweep.NetHeader() {
		t.Errorf("header %q", h)
	}
	// A scalar result file is not resumed as a matrix one.
	if code, _, _ := runArgs(t, "sweep", "--method", "gd", "--lr", "0.1", "--steps", "10", "--start", "2,0.25", "--out", p("scalar.csv")); code != 0 {
		t.Fatal("scalar sweep failed")
	}
	if code, _, errs := runArgs(t, append(args, "--out", p("scalar.csv"))...); code != 2 || !strings.Contains(errs, "another kind") {
		t.Errorf("matrix sweep into a scalar result file: exit %d: %s", code, errs)
	}
}

// The matrix commands write records, checkpoints that numpy-style readers load back, and
// refuse widths that do not fit the data.
func TestNetCommands(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "gd")
	code, stdout, errs := runArgs(t, "gd", "--widths", "5,4,3", "--init", "balanced", "--steps", "50", "--record", "10", "--checkpoint-every", "25", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows := readCSV(t, filepath.Join(out, "records.csv"))
	if len(rows) != 7 { // header + steps 0, 10, …, 50
		t.Errorf("%d record lines, want 7", len(rows))
	}
	// A balanced start: D_1 = 0 to round-off in the first record.
	if v := rows[1][4]; !strings.HasPrefix(v, "0") && !strings.Contains(v, "e-1") {
		t.Errorf("balanced start has ‖D_1‖_F = %s", v)
	}
	for _, c := range []string{"step-000000000.npz", "step-000000025.npz", "step-000000050.npz"} {
		if _, err := os.Stat(filepath.Join(out, "checkpoints", c)); err != nil {
			t.Errorf("checkpoint %s: %v", c, err)
		}
	}
	// Restart from the last checkpoint: the first record of the new run is the old last.
	out2 := filepath.Join(dir, "gd2")
	if code, _, errs := runArgs(t, "gd", "--widths", "5,4,3", "--init", filepath.Join(out, "checkpoints", "step-000000050.npz"), "--steps", "0", "--out", out2); code != 0 {
		t.Fatalf("from checkpoint: exit %d: %s", code, errs)
	}
	r2 := readCSV(t, filepath.Join(out2, "records.csv"))
	if rows[6][2] != r2[1][2] {
		t.Errorf("loss from the checkpoint %s, at its step %s", r2[1][2], rows[6][2])
	}
	_ = stdout
	for _, bad := range [][]string{
		{"gd", "--widths", "6,4,10", "--data", "mnist", "--samples", "100"},
		{"gd", "--widths", "5,0,3"},
		{"gd", "--widths", "100000,2,2"},
		{"sweep", "--widths", "20000,2,2"},
		{"gd", "--widths", "5,4,3", "--init", "xavier"},
		{"gd", "--widths", "5,4,3", "--data", "nosuch.csv"},
		{"sgd", "--widths", "5,4,3", "--batch", "100000"},
		{"flow", "--widths", "5,4,3", "--prep", "zca"},
	} {
		code, _, errs := runArgs(t, append(bad, "--out", filepath.Join(dir, "bad"))...)
		if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || strings.Contains(errs, "goroutine") {
			t.Errorf("%v: exit %d, %q", bad, code, errs)
		}
	}
}

// --config and sweep files take a key in the flag's spelling (t-end) or in summary.json's
// and the sweep files' (t_end), the same flag either way, and refuse both at once.
func TestConfigKeySpellings(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	for name, body := range map[string]string{"snake.yaml": "t_end: 3\nmax_steps: 1000\n", "kebab.yaml": "t-end: 3\nmax-steps: 1000\n"} {
		if err := os.WriteFile(p(name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runArgs(t, "flow", "--config", p(name), "--out", p(name+".out"))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
	}
	if a, b := readCSV(t, p("snake.yaml.out/trajectory.csv")), readCSV(t, p("kebab.yaml.out/trajectory.csv")); len(a) != len(b) || a[len(a)-1][0] != "3" {
		t.Errorf("the two spellings ran differently: %d and %d rows, last t %s", len(a), len(b), a[len(a)-1][0])
	}
	os.WriteFile(p("both.yaml"), []byte("t_end: 3\nt-end: 4\n"), 0o644)
	if code, _, errs := runArgs(t, "flow", "--config", p("both.yaml"), "--out", p("both")); code != 2 || !strings.Contains(errs, "twice") {
		t.Errorf("both spellings: exit %d: %s", code, errs)
	}
	os.WriteFile(p("sw.yaml"), []byte("method: gd\nlr: 0.1\nsteps: 10\nstart: {points: [[2, 0.25]]}\nmax-steps: 100\n"), 0o644)
	if code, _, errs := runArgs(t, "sweep", p("sw.yaml"), "--out", p("sw.csv")); code != 0 {
		t.Errorf("sweep file with max-steps: exit %d: %s", code, errs)
	}
}
