package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/layerflow/layerflow/analysis"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runArgs runs the command line in-process and returns the exit status, stdout and stderr.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"layerflow"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func readSummary(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRuns(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		header string
		status string
	}{
		{"flow", []string{"flow", "--t-end", "5"}, "t,w1,w2,loss,D12,sharpness", "success"},
		{"flow-dop853-d3", []string{"flow", "--depth", "3", "--init", "1.5,-0.7,0.4", "--method", "dop853", "--wd", "0.1"}, "t,w1,w2,w3,loss,D12,D23,sharpness", "success"},
		{"flow-gauss-dt", []string{"flow", "--method", "gauss", "--dt", "0.5", "--t-end", "2"}, "t,w1,w2,loss,D12,sharpness", "success"},
		{"flow-modified", []string{"flow", "--modified-lr", "0.1", "--t-end", "2"}, "t,w1,w2,loss,D12,sharpness", "success"},
		{"gd", []string{"gd", "--steps", "50"}, "t,w1,w2,loss,D12,sharpness", "success"},
		{"gd-noise", []string{"gd", "--steps", "50", "--noise", "0.3", "--seed", "4"}, "t,w1,w2,loss,D12,sharpness", "success"},
		{"gd-diverge", []string{"gd", "--lr", "3", "--steps", "50"}, "t,w1,w2,loss,D12,sharpness", "diverged at step 4"},
		{"sgd", []string{"sgd", "--steps", "50", "--init-random", "--seed", "3"}, "t,w1,w2,loss,D12,sharpness", "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errs := runArgs(t, append(tc.args, "--out", dir)...)
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, errs)
			}
			recs := readCSV(t, filepath.Join(dir, "trajectory.csv"))
			if got := strings.Join(recs[0], ","); got != tc.header {
				t.Errorf("header %q, want %q", got, tc.header)
			}
			for _, r := range recs[1:] {
				for _, c := range r {
					if v, err := strconv.ParseFloat(c, 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("non-finite cell %q", c)
					}
				}
			}
			s := readSummary(t, dir)
			if s["status"] != tc.status {
				t.Errorf("status %v, want %v", s["status"], tc.status)
			}
			set := s["settings"].(map[string]any)
			if set["version"] != version || set["seed"] == nil {
				t.Errorf("settings lack version or seed: %v", set)
			}
			fin := s["final"].(map[string]any)
			for _, k := range []string{"w", "loss", "imbalance", "sharpness"} {
				if _, ok := fin[k]; !ok {
					t.Errorf("final lacks %s", k)
				}
			}
		})
	}
}

// The flow from (2, 0.25) ends on w1w2 = 1 with D conserved (package flow, Gradient flows):
// w1² = (D + √(D² + 4))/2.
func TestFlowEndsAtPredictedMinimum(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runArgs(t, "flow", "--t-end", "40", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	w := readSummary(t, dir)["final"].(map[string]any)["w"].([]any)
	D := 4 - 0.0625
	want := math.Sqrt((D + math.Sqrt(D*D+4)) / 2)
	if got := w[0].(float64); math.Abs(got-want) > 1e-7 {
		t.Errorf("w1 = %v, want %v", got, want)
	}
}

// The same seed gives the same numbers, bit for bit; another seed does not.
func TestSGDReproducible(t *testing.T) {
	files := make([][]byte, 3)
	for i, seed := range []string{"5", "5", "6"} {
		dir := t.TempDir()
		if code, _, errs := runArgs(t, "sgd", "--steps", "200", "--seed", seed, "--out", dir); code != 0 {
			t.Fatal(errs)
		}
		files[i], _ = os.ReadFile(filepath.Join(dir, "trajectory.csv"))
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("same seed, different trajectories")
	}
	if bytes.Equal(files[0], files[2]) {
		t.Error("different seeds, same trajectory")
	}
}

// Numbers that overflow are printed as such, never as a Go formatting error; a data flag that
// makes the data unusable is named.
func TestOverflowAndDataFlags(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runArgs(t, "gd", "--lr", "1e-310", "--steps", "3", "--out", dir)
	if code != 0 || !strings.Contains(out, "2/λ = ∞") || strings.Contains(out, "%!") {
		t.Errorf("gd --lr 1e-310: exit %d, %q, %q", code, out, errs)
	}
	code, _, errs = runArgs(t, "sgd", "--label-noise", "1e308", "--steps", "3", "--out", filepath.Join(dir, "s"))
	if code != 2 || !strings.Contains(errs, "--label-noise 1e+308") || strings.Count(errs, "\n") != 1 {
		t.Errorf("sgd --label-noise 1e308: exit %d, %q", code, errs)
	}
}

// An integer in a config file is taken exactly, as the same flag would be: the seed 2^53 + 1
// is not rounded to 2^53, in YAML and in TOML.
func TestConfigIntegersExact(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, text string }{
		{"c.yaml", "seed: 9007199254740993\nsteps: 3\n"},
		{"c.toml", "seed = 9007199254740993\nsteps = 3\n"},
	} {
		cfg := filepath.Join(dir, tc.name)
		if err := os.WriteFile(cfg, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, tc.name+"-out")
		if code, _, errs := runArgs(t, "sgd", "--config", cfg, "--out", out); code != 0 {
			t.Fatalf("%s: %s", tc.name, errs)
		}
		b, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"seed": 9007199254740993`) {
			t.Errorf("%s: summary.json does not record the seed 9007199254740993 exactly", tc.name)
		}
	}
}

func TestCompareAndCheck(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runArgs(t, "compare", "--steps", "40", "--out", dir)
	if code != 0 || !strings.Contains(out, "|GD − flow|") {
		t.Fatalf("compare: %d %s %s", code, out, errs)
	}
	recs := readCSV(t, filepath.Join(dir, "compare.csv"))
	if len(recs) != 42 || recs[0][len(recs[0])-1] != "dist_modified" {
		t.Errorf("compare.csv: %d rows, header %v", len(recs), recs[0])
	}
	// A learning rate at which GD and the noisy runs diverge: those laws cannot be tested,
	// which is bad input (exit 2), not a failed law, and never a pass.
	if code, out, errs := runArgs(t, "check", "--lr", "3", "--steps", "200", "--seeds", "8"); code != 2 ||
		!strings.Contains(errs, "not tested with these settings (gd-factor-d2: GD at λ=3 diverged at step 4 of 200") ||
		!strings.Contains(errs, "noisy-gd: analysis: seed 1 diverged") || !strings.Contains(out, "not tested") ||
		regexp.MustCompile(`gd-factor-d2 .* pass`).MatchString(out) {
		t.Errorf("check --lr 3: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = runArgs(t, "check", "--steps", "500", "--seeds", "8")
	if code != 0 || strings.Contains(out, "FAIL") || !strings.Contains(out, "wd-rate-d2") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, text string }{
		{"c.yaml", "depth: 3\ninit: \"1,1.5,0.5\"\nsteps: 7\n"},
		{"c.toml", "depth = 3\ninit = \"1,1.5,0.5\"\nsteps = 7\n"},
		// Integers for float flags and a list for --init, as people write them.
		{"d.yaml", "depth: 3\ninit: [1, 1.5, 0.5]\nsteps: 7\nlr: 1\nwd: 0\n"},
		{"d.toml", "depth = 3\ninit = [1, 1.5, 0.5]\nsteps = 7\nlr = 1\nwd = 0\n"},
	} {
		cfg := filepath.Join(dir, tc.name)
		os.WriteFile(cfg, []byte(tc.text), 0o644)
		out := filepath.Join(dir, "out-"+tc.name)
		if code, _, errs := runArgs(t, "gd", "--config", cfg, "--out", out); code != 0 {
			t.Fatalf("%s: %s", tc.name, errs)
		}
		set := readSummary(t, out)["settings"].(map[string]any)
		if set["depth"] != 3.0 || set["steps"] != 7.0 {
			t.Errorf("%s: settings %v", tc.name, set)
		}
	}
}

func TestHelpShowsDefaults(t *testing.T) {
	for _, cmd := range []string{"flow", "gd", "sgd", "compare", "check"} {
		code, out, _ := runArgs(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "(default:") || !strings.Contains(out, "--") {
			t.Errorf("%s --help: %d\n%s", cmd, code, out)
		}
	}
}

// Bad input: one line naming the value, a non-zero exit, and no output file.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	csvFile := func(name, text string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	blocker := csvFile("afile", "x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"flow", "--depth", "1"}, "--depth 1"},
		{[]string{"gd", "--depth", "3"}, "2 weights for --depth 3"},
		{[]string{"gd", "--init", "2,abc"}, `"abc"`},
		{[]string{"gd", "--init", "2,NaN"}, `"NaN"`},
		{[]string{"flow", "--init", "Inf,1"}, `"Inf"`},
		{[]string{"gd", "--lr", "0"}, "--lr 0"},
		{[]string{"gd", "--lr", "-0.1"}, "--lr -0.1"},
		{[]string{"gd", "--lr", "NaN"}, "--lr NaN"},
		{[]string{"gd", "--wd", "-1"}, "--wd -1"},
		{[]string{"flow", "--noise", "-0.5"}, "--noise -0.5"},
		{[]string{"flow", "--rtol", "0"}, "--rtol 0"},
		{[]string{"flow", "--atol", "0"}, "--atol 0"},
		{[]string{"reproduce", "--seed", "0", "--only", "1"}, "--seed 0"},
		{[]string{"flow", "--method", "rk4"}, `"rk4"`},
		{[]string{"flow", "--t-end", "Inf"}, "--t-end +Inf"},
		{[]string{"sgd", "--batch", "0"}, "--batch 0"},
		{[]string{"sgd", "--batch", "65"}, "--batch 65"},
		{[]string{"sgd", "--data", csvFile("empty.csv", "")}, "empty"},
		{[]string{"sgd", "--data", csvFile("ragged.csv", "x,y\n1,2\n3\n")}, "line 3"},
		{[]string{"sgd", "--data", csvFile("text.csv", "x,y\n1,2\n3,abc\n")}, `"abc"`},
		{[]string{"sgd", "--data", filepath.Join(tmp, "missing.csv")}, "missing.csv"},
		{[]string{"gd", "--out", filepath.Join(blocker, "sub")}, "afile"},
		{[]string{"gd", "--lr", "abc"}, `"abc"`},
		{[]string{"portrait", "--methods", "gd,flow", "--steps", "2000000000", "--out", filepath.Join(tmp, "p.png")}, "budget: --steps 2000000000 (2000000001 kept iterates of 2 weights) needs 447 GiB"},
		{[]string{"gd", "--no-such-flag"}, "no-such-flag"},
		{[]string{"gd", "--config", csvFile("c.ini", "a=1")}, "c.ini"},
		{[]string{"gd", "--config", csvFile("typo.yaml", "stepz: 5\n")}, `"stepz"`},
		{[]string{"gd", "--config", csvFile("typo.toml", "lrr = 0.1\n")}, `"lrr"`},
		{[]string{"gd", "--config", csvFile("huge.yaml", "steps: 1e30\n")}, "too large"},
	} {
		out := filepath.Join(tmp, "out")
		args := tc.args
		if !strings.Contains(strings.Join(args, " "), "--out") {
			args = append(args, "--out", out)
		}
		code, stdout, stderr := runArgs(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (bad input)", tc.args, code)
			continue
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: stderr %q, want one line with %q", tc.args, stderr, tc.want)
		}
		if stdout != "" {
			t.Errorf("%v: stdout %q", tc.args, stdout)
		}
		if _, err := os.Stat(filepath.Join(out, "trajectory.csv")); err == nil {
			t.Errorf("%v: wrote trajectory.csv", tc.args)
		}
		os.RemoveAll(out)
	}
}

func TestReproduceQuick(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runArgs(t, "reproduce", "--quick", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	n := analysis.NumClaims()
	if !strings.Contains(out, fmt.Sprintf("%d of %d claims hold", n, n)) {
		t.Errorf("stdout:\n%s", out)
	}
	s := readSummary(t, dir)
	claims := s["claims"].([]any)
	if len(claims) != n {
		t.Fatalf("%d claims in summary.json, %d in the table", len(claims), n)
	}
	for _, c := range claims {
		m := c.(map[string]any)
		if m["verdict"] != "pass" || len(m["checks"].([]any)) == 0 {
			t.Errorf("claim %v: verdict %v", m["number"], m["verdict"])
		}
		for _, ch := range m["checks"].([]any) {
			ck := ch.(map[string]any)
			if ck["verdict"] != "pass" || ck["tolerance_source"] == "—" || ck["margin"] == nil {
				t.Errorf("check %v: verdict %v, tolerance from %v, margin %v", ck["id"], ck["verdict"], ck["tolerance_source"], ck["margin"])
			}
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	// A reproduction report: the header says when, what and how; each claim has a paragraph
	// of its outcome, and its figures under its heading; a bound is not shown as a prediction.
	for _, want := range []string{"| date | ", "| version | " + version + " |", "| commit | ", "| machine | ", "| command | `", "| quick | yes |",
		"| claim | verdict | checks passed | largest margin |"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if got := strings.Count(string(report), "**What it shows.** The claim holds: all "); got != n {
		t.Errorf("%d claims say they hold, want %d", got, n)
	}
	if strings.Contains(string(report), "batch 0") {
		t.Error(`report.md describes a run as "batch 0"`)
	}
	for k, sec := range strings.Split(string(report), "\n## Claim ")[1:] {
		for _, line := range strings.Split(sec, "\n") {
			if strings.HasPrefix(line, "![") && !strings.Contains(line, fmt.Sprintf("](claim%d-", k+1)) {
				t.Errorf("claim %d shows %s", k+1, line)
			}
			cs := strings.Split(strings.ReplaceAll(line, `\|`, "‖"), " | ")
			if !strings.HasPrefix(line, "| ") || len(cs) != 7 || cs[0] == "| check" || strings.HasPrefix(cs[0], "|---") {
				continue
			}
			bound := strings.HasPrefix(cs[3], "m ≤ ") || strings.HasPrefix(cs[3], "m ≥ ")
			if _, err := strconv.ParseFloat(cs[2], 64); bound != (cs[2] == "—") || !bound && err != nil {
				t.Errorf("predicted %q with the condition %q: %s", cs[2], cs[3], line)
			}
		}
	}
	// Every file the report links to exists and is not empty.
	links := 0
	for _, part := range strings.Split(string(report), "](")[1:] {
		name := part[:strings.IndexByte(part, ')')]
		links++
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("report links %s: %v", name, err)
		}
	}
	if links < 9 {
		t.Errorf("report links %d files", links)
	}
	// Every row of a Markdown table has as many cells as its header ("|" inside a cell, as in
	// the relation |m − p| ≤ tol, must be escaped).
	cells := func(line string) int {
		return strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
	}
	want := -1
	for _, line := range strings.Split(string(report), "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
		} else if got := cells(line); got != want {
			t.Errorf("report.md: a table row has %d cells, its header %d: %s", got, want, line)
		}
	}
	code, _, errs = runArgs(t, "reproduce", "--quick", "--only", "3,6", "--out", filepath.Join(dir, "only"))
	if code != 0 {
		t.Fatal(errs)
	}
	if got := len(readSummary(t, filepath.Join(dir, "only"))["claims"].([]any)); got != 2 {
		t.Errorf("--only 3,6 ran %d claims", got)
	}
	if code, _, errs := runArgs(t, "reproduce", "--only", "0,12"); code != 2 || !strings.Contains(errs, `"0"`) {
		t.Errorf("--only 0,12: %d %q", code, errs)
	}
}

func TestPortraitAndPlots(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".png", ".svg", ".pdf"} {
		out := filepath.Join(dir, "p"+ext)
		code, _, errs := runArgs(t, "portrait", "--from", "2,0.25", "--from", "-1.5,0.3", "--methods", "flow,gd,sgd,modified", "--steps", "100", "--out", out)
		if code != 0 {
			t.Fatalf("%s: %s", ext, errs)
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			t.Fatalf("%s: %v", out, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "p.json"))
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Portrait struct {
			Equilibria []struct {
				X, Y  float64
				Type  string
				Eigen []struct{ Re float64 }
			}
			Trajectories []struct {
				Label  string
				Status string
			}
		}
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	saddles := 0
	for _, e := range js.Portrait.Equilibria {
		if e.Type == "saddle" {
			saddles++
			if math.Hypot(e.X, e.Y) > 1e-9 || math.Abs(e.Eigen[0].Re+1) > 1e-9 || math.Abs(e.Eigen[1].Re-1) > 1e-9 {
				t.Errorf("saddle %+v, want the origin with eigenvalues ±1", e)
			}
		} else if e.Type == "degenerate" && math.Abs(e.X*e.Y-1) > 1e-6 {
			t.Errorf("degenerate point %+v off w1w2 = 1", e)
		}
	}
	if saddles != 1 || len(js.Portrait.Trajectories) != 8 {
		t.Errorf("%d saddles, %d trajectories", saddles, len(js.Portrait.Trajectories))
	}
	// Depth 3 on the plane (1, 3).
	if code, _, errs := runArgs(t, "portrait", "--depth", "3", "--from", "1.5,0.7,0.4", "--plane", "1,3", "--out", filepath.Join(dir, "d3.png")); code != 0 {
		t.Fatal(errs)
	}
	// --plot is a path like any other: "ts.svg" and "./ts.svg" both name a file of the
	// current directory, not of --out; the command lists every file it wrote.
	t.Chdir(dir)
	out := filepath.Join(dir, "run")
	for _, p := range []string{"ts.svg", "./tt.svg"} {
		code, stdout, errs := runArgs(t, "gd", "--wd", "0.1", "--steps", "200", "--plot", p, "--out", out)
		if code != 0 {
			t.Fatal(errs)
		}
		stem := strings.TrimSuffix(p, ".svg")
		want := []string{filepath.Join(out, "trajectory.csv"), filepath.Join(out, "summary.json"), p, stem + "-portrait.svg", stem + "-plane.svg"}
		for _, f := range want {
			if _, err := os.Stat(f); err != nil {
				t.Error(err)
			}
			if !strings.Contains(stdout, "wrote "+f+"\n") {
				t.Errorf("--plot %s: the output does not list %s:\n%s", p, f, stdout)
			}
		}
		if _, err := os.Stat(filepath.Join(out, filepath.Base(p))); err == nil {
			t.Errorf("--plot %s went into --out", p)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"portrait", "--xrange", "1,1", "--out", filepath.Join(dir, "x.png")}, `"1,1"`},
		{[]string{"portrait", "--plane", "1,3", "--out", filepath.Join(dir, "x.png")}, `"1,3"`},
		{[]string{"portrait", "--out", filepath.Join(dir, "x.gif")}, `".gif"`},
		{[]string{"portrait", "--out", filepath.Join(dir, "x.jpg")}, `".jpg"`},
		{[]string{"portrait", "--widths", "3,2,1", "--out", filepath.Join(dir, "x.jpeg")}, `".jpeg"`},
		{[]string{"gd", "--widths", "3,2,1", "--plot", "x.jpg", "--out", filepath.Join(dir, "y")}, `".jpg"`},
		{[]string{"portrait", "--methods", "flow,rk4", "--out", filepath.Join(dir, "x.png")}, `"rk4"`},
		{[]string{"flow", "--plot", "x.bmp", "--out", filepath.Join(dir, "y")}, `".bmp"`},
	} {
		code, _, stderr := runArgs(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "y", "trajectory.csv")); err == nil {
		t.Error("a bad --plot still wrote trajectory.csv")
	}
}

// JSON output writes non-finite numbers as null, in structs, slices and maps alike.
func TestEncodeJSONNonFinite(t *testing.T) {
	type inner struct {
		A float64   `json:"a"`
		B []float64 `json:"b,omitempty"`
		c float64
	}
	v := map[string]any{"x": math.NaN(), "s": inner{A: math.Inf(1), B: []float64{1, math.NaN()}}, "p": &inner{A: 2}}
	b, err := encodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s := back["s"].(map[string]any)
	p := back["p"].(map[string]any)
	if back["x"] != nil || s["a"] != nil || s["b"].([]any)[0] != 1.0 || s["b"].([]any)[1] != nil || p["a"] != 2.0 || p["b"] != nil {
		t.Errorf("got %s", b)
	}
	if _, ok := p["b"]; ok {
		t.Errorf("omitempty field written: %s", b)
	}
}
