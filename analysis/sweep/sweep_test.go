package sweep

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// spec parses a YAML sweep given as text.
func spec(t testing.TB, text string) *Spec {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const small = `
seed: 3
method: [gd, noisy-gd, sgd, flow, modified]
lr: [0.05, 0.4, 1.5]
wd: [0, 0.1]
noise: [0, 0.2]
batch: [4, 16]
depth: [2, 3]
steps: [200]
start:
  points: [[2, 0.25], [1, 1, 0.5]]
  grid: {min: -1.5, max: 1.5, num: 2}
  random: {min: [0, -1, 0.5], max: [2, 1, 1.5], count: 1}
seeds: 2
data: {samples: 32}
`

// rows reads a result file into its rows without the seconds column, sorted.
func rows(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0]+"\n" != header() {
		t.Fatalf("%s: header %q", path, lines[0])
	}
	var out []string
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != len(Columns) {
			t.Fatalf("%s: row %q has %d fields", path, l, len(f))
		}
		out = append(out, strings.Join(f[:len(f)-1], ","))
	}
	slices.Sort(out)
	return out
}

func execute(t *testing.T, s *Spec, path string, o *Options) *Report {
	t.Helper()
	rep, err := Execute(context.Background(), s, path, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The run set is the product of the value lists a method uses, each run once.
func TestRunSet(t *testing.T) {
	s := spec(t, small)
	// Starting points: depth 2 has 1 point + 4 grid (the random box has bounds for 3
	// weights), depth 3 has 1 + 8 + 1.
	starts := 5 + 10
	want := starts*3*2 + // gd: lr × wd
		starts*3*2*2*2 + // noisy-gd: lr × wd × noise × seeds
		starts*3*2*2*2*2 + // sgd: lr × wd × noise × batch × seeds
		starts*3*2*2*2 // flow and modified: lr (horizon in steps) × wd × noise
	if s.Len() != want {
		t.Fatalf("%d runs, want %d", s.Len(), want)
	}
	keys := map[string]int{}
	for i := range s.Len() {
		r := s.Run(i)
		if r.Index != i || len(r.W0) != r.Depth {
			t.Fatalf("run %d: %+v", i, r)
		}
		if j, dup := keys[r.key()]; dup {
			t.Fatalf("runs %d and %d are the same run %s", j, i, r.key())
		}
		keys[r.key()] = i
		if r.Random() != (r.Seed != 0) || r.Discrete() && r.TEnd != float64(r.Steps)*r.LR {
			t.Fatalf("run %d: %+v", i, r)
		}
		for _, w := range r.W0 {
			if r.Depth == 3 && r.W0[0] != 1 && (r.W0[1] < -1.5 || r.W0[1] > 1.5) {
				t.Fatalf("run %d: start %v outside its box", i, r.W0)
			}
			_ = w
		}
	}
}

// The numbers do not depend on the worker count or the sharding, and a run's seed depends
// only on its own parameters and the sweep seed.
func TestWorkersAndShards(t *testing.T) {
	s := spec(t, small)
	dir := t.TempDir()
	one := filepath.Join(dir, "one.csv")
	execute(t, s, one, &Options{Workers: 1})
	want := rows(t, one)
	if len(want) != s.Len() {
		t.Fatalf("%d rows for %d runs", len(want), s.Len())
	}
	four := filepath.Join(dir, "four.csv")
	execute(t, s, four, &Options{Workers: 4})
	if got := rows(t, four); !slices.Equal(got, want) {
		t.Errorf("4 workers differ from 1")
	}
	var shards []string
	for i := range 3 {
		p := filepath.Join(dir, "shard-"+strconv.Itoa(i)+".csv")
		rep := execute(t, s, p, &Options{Workers: 2, Shard: i, Shards: 3})
		if rep.Written != shardSize(s.Len(), i, 3) {
			t.Errorf("shard %d wrote %d runs", i, rep.Written)
		}
		shards = append(shards, p)
	}
	merged := filepath.Join(dir, "merged.csv")
	mr, err := Merge(merged, shards, false)
	if err != nil {
		t.Fatal(err)
	}
	if mr.Rows != s.Len() || mr.Missing != 0 {
		t.Errorf("merge: %+v", mr)
	}
	if got := rows(t, merged); !slices.Equal(got, want) {
		t.Errorf("3 shards merged differ from 1 shard")
	}

	// Adding a learning rate adds runs but changes no other run's seed.
	bigger := spec(t, strings.Replace(small, "lr: [0.05, 0.4, 1.5]", "lr: [0.05, 0.4, 0.7, 1.5]", 1))
	seeds := map[string]uint64{}
	for i := range s.Len() {
		r := s.Run(i)
		seeds[r.key()] = r.Seed
	}
	n := 0
	for i := range bigger.Len() {
		r := bigger.Run(i)
		if seed, ok := seeds[r.key()]; ok {
			n++
			if seed != r.Seed {
				t.Fatalf("run %s: seed %d in the bigger sweep, %d before", r.key(), r.Seed, seed)
			}
		}
	}
	if n != s.Len() {
		t.Errorf("%d of the %d runs found in the bigger sweep", n, s.Len())
	}
}

// A sweep stopped midway, even inside a row, finishes on the next start with every run once.
func TestResume(t *testing.T) {
	s := spec(t, small)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.csv")
	execute(t, s, full, &Options{Workers: 2})
	want := rows(t, full)

	// A kill: the first 100 rows and half of the next.
	b, _ := os.ReadFile(full)
	lines := strings.SplitAfter(string(b), "\n")
	cut := strings.Join(lines[:101], "") + lines[101][:len(lines[101])/2]
	part := filepath.Join(dir, "part.csv")
	os.WriteFile(part, []byte(cut), 0o644)
	rep := execute(t, s, part, &Options{Workers: 3})
	if rep.Before != 100 || rep.Written != s.Len()-100 || rep.Interrupted {
		t.Errorf("resume: %+v", rep)
	}
	if got := rows(t, part); !slices.Equal(got, want) {
		t.Errorf("resumed file differs from the uninterrupted one")
	}
	// Run again: nothing to do.
	if rep := execute(t, s, part, nil); rep.Written != 0 || rep.Before != s.Len() {
		t.Errorf("second resume: %+v", rep)
	}

	// A cancelled context: the runs in flight are written, the rest left for later.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopped := filepath.Join(dir, "stopped.csv")
	rep, err := Execute(ctx, s, stopped, &Options{Workers: 2})
	if err != nil || !rep.Interrupted || rep.Written >= s.Len() {
		t.Fatalf("cancelled: %+v, %v", rep, err)
	}
	execute(t, s, stopped, &Options{Workers: 2})
	if got := rows(t, stopped); !slices.Equal(got, want) {
		t.Errorf("file finished after a cancel differs from the uninterrupted one")
	}

	// Another sweep's file and another shard's file are refused.
	other := spec(t, strings.Replace(small, "seed: 3", "seed: 4", 1))
	if _, err := Execute(context.Background(), other, part, nil); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("another sweep: %v", err)
	}
	if _, err := Execute(context.Background(), s, part, &Options{Shard: 1, Shards: 2}); err == nil || !strings.Contains(err.Error(), "shard") {
		t.Errorf("another shard: %v", err)
	}
}

func TestMergeErrors(t *testing.T) {
	s := spec(t, small)
	dir := t.TempDir()
	var shards []string
	for i := range 4 {
		p := filepath.Join(dir, "s"+strconv.Itoa(i)+".csv")
		execute(t, s, p, &Options{Shard: i, Shards: 4})
		shards = append(shards, p)
	}
	out := filepath.Join(dir, "all.csv")
	_, err := Merge(out, shards[:3], false)
	if err == nil || !strings.Contains(err.Error(), "i mod 4 = 3, that is shard 3/4: 3, 7, 11, ") {
		t.Errorf("missing shard: %v", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Errorf("a failed merge wrote %s", out)
	}
	if rep, err := Merge(out, shards[:3], true); err != nil || rep.Missing != shardSize(s.Len(), 3, 4) {
		t.Errorf("partial merge: %+v, %v", rep, err)
	}
	dup := filepath.Join(dir, "dup.csv")
	b, _ := os.ReadFile(shards[0])
	os.WriteFile(dup, b, 0o644)
	if _, err := Merge(out, append(shards, dup), false); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("duplicate: %v", err)
	}
}

// Rows agree with the closed forms of package flow: the gradient flow conserves D, weight decay
// shrinks it as D(0)·exp(−2μt); GD past 2/S cannot settle at a minimum.
func TestRowsAgreeWithTheory(t *testing.T) {
	s := spec(t, `
method: [flow, gd]
lr: [0.01, 1.2]
wd: [0, 0.05]
steps: [300]
start: {points: [[2, 0.25], [1.5, -0.3]]}
`)
	path := filepath.Join(t.TempDir(), "r.csv")
	execute(t, s, path, nil)
	b, _ := os.ReadFile(path)
	col := map[string]int{}
	for i, c := range Columns {
		col[c] = i
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(l, ",")
		num := func(c string) float64 {
			v, err := strconv.ParseFloat(f[col[c]], 64)
			if err != nil {
				t.Fatalf("%s: column %s %q", l, c, f[col[c]])
			}
			return v
		}
		if f[col["method"]] == "flow" {
			d0, d := num("imbalance0"), num("imbalance")
			pred := d0 * math.Exp(-2*num("wd")*num("t_final"))
			// rtol 1e-8 per step, a few hundred steps: 1e-6 relative is the integrator's promise.
			if math.Abs(d-pred) > 1e-6*d0 {
				t.Errorf("flow: ‖D‖ = %v, closed form %v (%s)", d, pred, l)
			}
			// Plain gradient flow moves only normally to W = const: no regularization phase.
			// With weight decay from (2, 0.25) there is one, and it starts early.
			if pt := f[col["phase_t"]]; (num("wd") == 0) != (pt == "") {
				t.Errorf("flow with μ = %v: phase_t %q", num("wd"), pt)
			}
			continue
		}
		if f[col["status"]] == "success" && num("wd") == 0 && num("loss") < 1e-12 && num("sharpness") > 2/num("lr")*(1+1e-9) {
			t.Errorf("gd settled at a minimum of sharpness %v > 2/λ (%s)", num("sharpness"), l)
		}
	}
}

func TestBadSpecs(t *testing.T) {
	base := "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2]]}\n"
	for _, tc := range []struct{ text, want string }{
		{base + "lrs: [1]\n", `unknown key "lrs"`},
		{strings.Replace(base, "lr: [0.1]", "lr: []", 1), "lr: empty list"},
		{strings.Replace(base, "lr: [0.1]", "lr: [-0.1]", 1), "lr: -0.1 must be finite and > 0"},
		{base + "wd: [-1]\n", "wd: -1 must be finite and ≥ 0"},
		{strings.Replace(base, "[gd]", "[adam]", 1), `unknown method "adam"`},
		{base + "depth: [3]\n", "no starting point has 3 weights"},
		{base + "t_end: [1]\n", "give one horizon"},
		{strings.Replace(base, "steps: [10]", "", 1), "steps or t_end: missing"},
		{base + "batch: [0]\n", "batch: 0 must be a whole number 1.." + limitText(maxWhole)}, // 2^50 where an int has 64 bits
		{base + "lr: [0.2]\n", "already defined"},
		{strings.Replace(base, "lr: [0.1]", "lr: {from: 0.1, to: 1, num: 2.5}", 1), "num 2.5"},
		{strings.Replace(base, "lr: [0.1]", "lr: {from: 0, to: 1, num: 3, scale: log}", 1), "log range needs from > 0"},
		{strings.Replace(base, "{points: [[1, 2]]}", "{grid: {min: 0, max: 1}}", 1), "needs num"},
		{strings.Replace(base, "{points: [[1, 2]]}", "{random: {min: [0, 0, 0], max: 1, count: 2}}", 1), "one per weight of a swept depth"},
		{base + "seeds: 0\n", "seeds: 0"},
		{base + "integrator: rk4\n", `integrator: "rk4"`},
		{base + "data: {samples: 10, sammples: 3}\n", `unknown key "sammples"`},
		{strings.Replace(base, "[gd]", "[sgd]", 1) + "batch: [100]\n", "batch: 100 is more than the 64 samples"},
	} {
		path := filepath.Join(t.TempDir(), "s.yaml")
		os.WriteFile(path, []byte(tc.text), 0o644)
		_, err := ReadFile(path, nil)
		if tc.want == "" {
			if err == nil || strings.Contains(err.Error(), "\n") {
				t.Errorf("%q: error %v, want a one-line error", tc.text, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got %v\nwant a one-line error containing %q", tc.text, err, tc.want)
		}
	}
	s := spec(t, base)
	for _, o := range []Options{{Shard: 3, Shards: 3}, {Shard: -1, Shards: 2}, {Workers: -2}} {
		if _, err := Execute(context.Background(), s, filepath.Join(t.TempDir(), "x.csv"), &o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TOML and YAML give the same sweep.
func TestTOML(t *testing.T) {
	y := spec(t, small)
	toml := `
seed = 3
method = ["gd", "noisy-gd", "sgd", "flow", "modified"]
lr = [0.05, 0.4, 1.5]
wd = [0, 0.1]
noise = [0, 0.2]
batch = [4, 16]
depth = [2, 3]
steps = [200]
seeds = 2
data = {samples = 32}
[start]
points = [[2, 0.25], [1, 1, 0.5]]
grid = {min = -1.5, max = 1.5, num = 2}
random = {min = [0, -1, 0.5], max = [2, 1, 1.5], count = 1}
`
	path := filepath.Join(t.TempDir(), "s.toml")
	os.WriteFile(path, []byte(toml), 0o644)
	s, err := ReadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Fingerprint() != y.Fingerprint() || s.Len() != y.Len() {
		t.Errorf("TOML sweep %s (%d runs), YAML %s (%d)", s.Fingerprint(), s.Len(), y.Fingerprint(), y.Len())
	}
}

// The README documents every key of a sweep file and every column of a result file.
func TestREADMEDocumentsKeysAndColumns(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, k := range Keys {
		if !strings.Contains(readme, "| `"+k[0]+"` |") {
			t.Errorf("README has no row for the sweep key %q", k[0])
		}
	}
	for _, c := range Columns {
		if !strings.Contains(readme, "| `"+c+"` |") {
			t.Errorf("README has no row for the column %q", c)
		}
		if ColumnDocs[c] == "" {
			t.Errorf("column %q has no documentation", c)
		}
	}
}

// The heat map of ‖D(end)‖/‖D(0)‖ over (λ, μ) for the gradient flow is exp(−2μ·t_end) in
// every cell (package flow: the flow conserves D, weight decay shrinks it at rate 2μ), and the
// stability points are the discrete runs.
func TestHeatAndStabilityData(t *testing.T) {
	s := spec(t, `
method: [flow, gd]
lr: [0.01, 0.1, 1.2]
wd: [0, 0.01, 0.05]
steps: [100]
start: {points: [[2, 0.25], [1.5, -0.3], [0.5, 1.5]]}
`)
	path := filepath.Join(t.TempDir(), "r.csv")
	execute(t, s, path, nil)
	h, err := HeatData(path, "lr", "wd", "imbalance_ratio", "flow", "median")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.X, []float64{0.01, 0.1, 1.2}) || !slices.Equal(h.Y, []float64{0, 0.01, 0.05}) || h.Runs != 27 {
		t.Fatalf("grid %v × %v from %d runs", h.X, h.Y, h.Runs)
	}
	for iy, mu := range h.Y {
		for ix, lr := range h.X {
			want := math.Exp(-2 * mu * 100 * lr)
			if got := h.Z[iy][ix]; math.Abs(got-want) > 1e-6 {
				t.Errorf("λ %v, μ %v: median ratio %v, want exp(−2μt) = %v", lr, mu, got, want)
			}
		}
	}
	if _, err := HeatData(path, "lr", "wd", "imbalance", "", "median"); err == nil || !strings.Contains(err.Error(), "flow, gd") {
		t.Errorf("two methods without --method: %v", err)
	}
	for _, bad := range [][4]string{{"lr", "lr", "loss", "median"}, {"lr", "seed", "loss", "median"}, {"lr", "wd", "w0", "median"}, {"lr", "wd", "loss", "mode"}} {
		if _, err := HeatData(path, bad[0], bad[1], bad[2], "gd", bad[3]); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	pts, err := StabilityPoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 27 {
		t.Errorf("%d stability points, want the 27 gd runs", len(pts))
	}
	for _, p := range pts {
		if p.Group != "gd" || !slices.Contains(h.X, p.LR) {
			t.Errorf("point %+v", p)
		}
	}
}

// Random starting points are uniform in their box, drawn from their own seed when given: the
// same seed gives the same points, another seed others.
func TestRandomStarts(t *testing.T) {
	text := "method: [flow]\nt_end: [1]\nstart: {random: {min: [-1, 2], max: [0, 5], count: 400, seed: SEED}}\n"
	points := func(seed string) [][]float64 {
		s := spec(t, strings.Replace(text, "SEED", seed, 1))
		var out [][]float64
		var mean [2]float64
		for i := range s.Len() {
			w := s.Run(i).W0
			if w[0] < -1 || w[0] > 0 || w[1] < 2 || w[1] > 5 {
				t.Fatalf("point %v outside the box", w)
			}
			mean[0] += w[0] / 400
			mean[1] += w[1] / 400
			out = append(out, w)
		}
		// Uniform: mean within 4 standard errors (σ = width/√12, n = 400).
		if math.Abs(mean[0]+0.5) > 4/math.Sqrt(12*400) || math.Abs(mean[1]-3.5) > 4*3/math.Sqrt(12*400) {
			t.Errorf("seed %s: mean %v, want (−0.5, 3.5)", seed, mean)
		}
		return out
	}
	a, b, c := points("7"), points("7"), points("8")
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("seed 7 gives different points twice")
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Errorf("seeds 7 and 8 give the same points")
	}
}

// A second sweep on a file being written is refused at once; a non-regular file is refused.
func TestOutputLockedAndRegular(t *testing.T) {
	s := spec(t, "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2]]}\n")
	path := filepath.Join(t.TempDir(), "r.csv")
	out, _, err := openResults(path, s, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(context.Background(), s, path, nil); err == nil || !strings.Contains(err.Error(), "being written by another sweep") {
		t.Errorf("second sweep on a locked file: %v", err)
	}
	out.close()
	if rep, err := Execute(context.Background(), s, path, nil); err != nil || rep.Written != 1 {
		t.Errorf("after the lock is released: %+v, %v", rep, err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(fifo); err == nil {
		if _, err := Execute(context.Background(), s, fifo, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO: %v", err)
		}
		if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("the FIFO was replaced")
		}
	}
}

// Values and combinations a sweep file can get wrong beyond the types: each one line.
func TestBadSpecsMore(t *testing.T) {
	base := "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2]]}\n"
	noSteps := strings.Replace(base, "steps: [10]\n", "", 1)
	for _, tc := range []struct{ text, want string }{
		{strings.Replace(noSteps, "[0.1]", "[1e-300]", 1) + "t_end: [1e10]\n", "more than " + limitText(maxWhole)},
		{strings.Replace(noSteps, "[0.1]", "[1e-5]", 1) + "t_end: [1e-300]\n", "= 0 steps"},
		{base + "wd:\n", "wd: no value"},
		{base + "batch: ~\n", "batch: no value"},
		{strings.Replace(base, "lr: [0.1]", "lr: {from: 0.1, to: 1, num: 3, scale: 7}", 1), "range scale 7"},
		{base + "seed: 9007199254740993\n", "seed: 9007199254740993 must be a whole number"},
		{strings.Replace(base, "{points: [[1, 2]]}", "{grid: {min: 1, max: 1, num: 5}}", 1), "same point 5 times"},
		{strings.Replace(base, "{points: [[1, 2]]}", "{random: {min: [1, 0], max: [1, 0], count: 3}}", 1), "would all be the same point"},
		{base + "depth: [2, 300]\nstart: {grid: {min: 0, max: 1, num: 2}}\n", "already defined"},
		{strings.Replace(base, "{points: [[1, 2]]}", "{grid: {min: 0, max: 1, num: 2}}", 1) + "depth: [300]\n", "depth: 300 is more than 256"},
	} {
		path := filepath.Join(t.TempDir(), "s.yaml")
		os.WriteFile(path, []byte(tc.text), 0o644)
		_, err := ReadFile(path, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got %v\nwant a one-line error containing %q", tc.text, err, tc.want)
		}
	}
}

// Seeds as labels, duplicate points dropped, the swept t_end kept as the label of discrete
// runs, and the fingerprint independent of how the data file's path is spelled.
func TestSpecDetails(t *testing.T) {
	s := spec(t, `
method: [sgd]
lr: [0.3, 0.7]
t_end: [10]
seeds: [5, 9]
start: [[1, 2], [1, 2], [1.0, 2.0]]
`)
	if s.Len() != 4 {
		t.Fatalf("%d runs, want 2 learning rates × 2 seed labels × 1 point", s.Len())
	}
	labels := map[int]bool{}
	for i := range s.Len() {
		r := s.Run(i)
		labels[r.Replicate] = true
		if r.TEnd != 10 || r.Steps != int(math.Round(10/r.LR)) {
			t.Errorf("run %d: t_end %v, %d steps", i, r.TEnd, r.Steps)
		}
	}
	if !labels[5] || !labels[9] || len(labels) != 2 {
		t.Errorf("replicate labels %v, want 5 and 9", labels)
	}
	// A listed point that the grid holds too is run once.
	g := spec(t, "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2], [0.5, 0.5]], grid: {min: [1, 0], max: [2, 2], num: [2, 3]}}\n")
	if g.Len() != 7 {
		t.Errorf("%d runs, want the 6 grid points and (0.5, 0.5)", g.Len())
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "d.csv"), []byte("x,y\n1,1.1\n2,1.9\n-1,-1.2\n"), 0o644)
	text := "method: [sgd]\nlr: [0.1]\nsteps: [10]\nbatch: [2]\nstart: {points: [[1, 2]]}\ndata: {file: d.csv}\n"
	os.WriteFile(filepath.Join(dir, "sub", "s.yaml"), []byte(text), 0o644)
	a, err := ReadFile(filepath.Join(dir, "sub", "s.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromMap(map[string]any{"method": "sgd", "lr": "0.1", "steps": "10", "batch": "2",
		"start": map[string]any{"points": "1,2"}, "data": map[string]any{"file": filepath.Join(dir, "sub", "d.csv")}}, "/")
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Errorf("the same sweep with the data path spelled two ways: fingerprints %s and %s", a.Fingerprint(), b.Fingerprint())
	}
}

// A cell whose runs all diverged is told apart from a cell without runs.
func TestHeatAllDiverged(t *testing.T) {
	s := spec(t, "method: [gd]\nlr: [0.05, 3]\nwd: [0, 0.1]\nsteps: [200]\nstart: {points: [[2, 0.25], [1, 1.2]]}\n")
	path := filepath.Join(t.TempDir(), "r.csv")
	execute(t, s, path, nil)
	h, err := HeatData(path, "lr", "wd", "loss", "gd", "median")
	if err != nil {
		t.Fatal(err)
	}
	// λ = 3 > 2/S at every minimum (S ≥ 2 on W = 1): every run diverges.
	for iy := range h.Y {
		if h.AllDiverged[iy][0] || !h.AllDiverged[iy][1] || !math.IsNaN(h.Z[iy][1]) || math.IsNaN(h.Z[iy][0]) {
			t.Errorf("μ = %v: all diverged %v, values %v", h.Y[iy], h.AllDiverged[iy], h.Z[iy])
		}
	}
}
