package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/analysis"
)

// ftoa writes the shortest text that reads back as the same float64.
func TestFtoaShortestRoundTrip(t *testing.T) {
	lr := 0.05
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0.26, "0.26"}, {lr * 3, "0.15000000000000002"}, {1e-300, "1e-300"}, {-2, "-2"},
		{math.Inf(1), ""}, {math.NaN(), ""},
	} {
		if got := ftoa(tc.x); got != tc.want {
			t.Errorf("ftoa(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 10000 {
		x := math.Float64frombits(rng.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		s := ftoa(x)
		y, err := strconv.ParseFloat(s, 64)
		if err != nil || y != x {
			t.Fatalf("ftoa(%v) = %q reads back as %v (%v)", x, s, y, err)
		}
	}
}

// A figure's CSV names each curve by its snake_case key, not by its legend entry.
func TestFigureCSVKeys(t *testing.T) {
	fig := analysis.Figure{Series: []analysis.Curve{
		{Name: "SGD (mean ± 2 SE)", Key: "sgd_mean", X: []float64{4, 8}, Y: []float64{0.26, 0.1}, Err: []float64{0.01, 0.02}},
		{Name: "λ²E[ρ²] (law)", X: []float64{4}, Y: []float64{0.25}},
	}}
	var b bytes.Buffer
	if err := writeFigureCSV(&b, fig); err != nil {
		t.Fatal(err)
	}
	want := "series,x,y,err\nsgd_mean,4,0.26,0.01\nsgd_mean,8,0.1,0.02\nlambda_2_e_rho_2_law,4,0.25,\n"
	if b.String() != want {
		t.Errorf("figure CSV\n%s\nwant\n%s", b.String(), want)
	}
}

// flagsFromRecord turns the settings of a summary.json back into a command line: every
// recorded flag of the command as --name value, except those in skip (and empty strings:
// a flag not given).
func flagsFromRecord(t *testing.T, set map[string]any, skip ...string) []string {
	t.Helper()
	drop := map[string]bool{"command": true, "version": true, "provenance": true, "out": true, "plot": true, "config": true}
	for _, s := range skip {
		drop[s] = true
	}
	var args []string
	for k, v := range set {
		if drop[k] {
			continue
		}
		name := "--" + strings.ReplaceAll(k, "_", "-")
		switch v := v.(type) {
		case string:
			if v != "" {
				args = append(args, name, v)
			}
		case bool:
			args = append(args, name+"="+strconv.FormatBool(v))
		case float64:
			f := byte('g')
			if v == math.Trunc(v) && math.Abs(v) < 1e15 {
				f = 'f' // an integer flag such as --max-steps 1000000
			}
			args = append(args, name, strconv.FormatFloat(v, f, -1, 64))
		default:
			t.Fatalf("setting %s: unexpected %T %v", k, v, v)
		}
	}
	return args
}

// A run repeated from the settings its summary.json records gives the same trajectory, byte
// for byte: the drawn initial weights are recorded (not the default --init), and the start
// comes from the record alone (--init-random off).
func TestRerunFromRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"gd", []string{"gd", "--init-random", "--seed", "7", "--steps", "300"}},
		{"sgd", []string{"sgd", "--init-random", "--seed", "11", "--steps", "300", "--batch", "4"}},
		{"flow", []string{"flow", "--init-random", "--seed", "3", "--depth", "3", "--wd", "0.1", "--t-end", "4", "--dt", "0.1"}},
		{"noisy-gd", []string{"gd", "--init-random", "--seed", "5", "--noise", "0.3", "--steps", "200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			if code, _, errs := runArgs(t, append(tc.args, "--out", a)...); code != 0 {
				t.Fatal(errs)
			}
			sum := readSummary(t, a)
			var bad []string
			snakeKeys(sum, "", &bad)
			if len(bad) > 0 {
				t.Errorf("keys not in snake_case: %v", bad)
			}
			set := sum["settings"].(map[string]any)
			if set["init"] == "2,0.25" {
				t.Fatalf("the record has the default start, not the drawn one: %v", set["init"])
			}
			args := append([]string{tc.args[0]}, flagsFromRecord(t, set, "init_random")...)
			if code, _, errs := runArgs(t, append(args, "--out", b)...); code != 0 {
				t.Fatalf("%v: %s", args, errs)
			}
			ta, _ := os.ReadFile(filepath.Join(a, "trajectory.csv"))
			tb, _ := os.ReadFile(filepath.Join(b, "trajectory.csv"))
			if len(ta) == 0 || !bytes.Equal(ta, tb) {
				t.Errorf("the run repeated from its record (%v) differs", args)
			}
		})
	}
}

// snakeKeys reports every key of a decoded JSON value that is not snake_case.
func snakeKeys(v any, path string, bad *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			for _, r := range k {
				if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
					*bad = append(*bad, path+"."+k)
					break
				}
			}
			snakeKeys(x, path+"."+k, bad)
		}
	case []any:
		for _, x := range v {
			snakeKeys(x, path, bad)
		}
	}
}

// The portrait's JSON records the starts used and every trajectory's points (thinned to at
// most 2000), ending where the portrait says it ends; all its keys are snake_case.
func TestPortraitRecord(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "p.svg")
	code, _, errs := runArgs(t, "portrait", "--from", "1,2", "--from", "0.5,-1", "--methods", "flow,gd",
		"--steps", "5000", "--lr", "0.01", "--field", "5", "--out", out)
	if code != 0 {
		t.Fatal(errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "p.json"))
	if err != nil {
		t.Fatal(err)
	}
	var js map[string]any
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	var bad []string
	snakeKeys(js, "", &bad)
	if len(bad) > 0 {
		t.Errorf("keys not in snake_case: %v", bad)
	}
	from := js["settings"].(map[string]any)["from"].([]any)
	if len(from) != 2 || from[0] != "1,2" || from[1] != "0.5,-1" {
		t.Errorf("settings.from = %v, want the two starts", from)
	}
	sums := js["portrait"].(map[string]any)["trajectories"].([]any)
	trs := js["trajectories"].([]any)
	if len(trs) != 4 || len(sums) != 4 {
		t.Fatalf("%d trajectories with points, %d summaries, want 4", len(trs), len(sums))
	}
	for i, x := range trs {
		tr := x.(map[string]any)
		ts, ws := tr["t"].([]any), tr["w"].([]any)
		n, kept := int(tr["points"].(float64)), len(ts)
		if kept != len(ws) || kept > maxRecordPoints || kept != min(n, maxRecordPoints) {
			t.Errorf("%v: %d times, %d points of %d recorded", tr["method"], kept, len(ws), n)
		}
		if ts[0] != 0.0 || ts[kept-1] != 50.0 {
			t.Errorf("%v: t from %v to %v, want 0 to 50", tr["method"], ts[0], ts[kept-1])
		}
		for k := 1; k < kept; k++ {
			if !(ts[k].(float64) > ts[k-1].(float64)) {
				t.Fatalf("%v: times not increasing at %d", tr["method"], k)
			}
		}
		sum := sums[i].(map[string]any)
		if fmt.Sprint(ws[0]) != fmt.Sprint(sum["start"]) || fmt.Sprint(ws[kept-1]) != fmt.Sprint(sum["end"]) {
			t.Errorf("%v: points from %v to %v, the summary says %v to %v", tr["method"], ws[0], ws[kept-1], sum["start"], sum["end"])
		}
	}
	if n := trs[1].(map[string]any)["points"].(float64); n != 5001 {
		t.Errorf("gd has %v points, want 5001 (thinned in the record)", n)
	}
}

// The portrait says what its figure marks: the one saddle of d = 2 as the isolated
// equilibrium, the points found on W = 1 as the curve of minima, not as equilibria of their own.
func TestPortraitPrintsMarkedEquilibria(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.png")
	code, stdout, errs := runArgs(t, "portrait", "--field", "5", "--out", out)
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{"1 isolated equilibrium", "\n  saddle ", "\n  curve of minima W = 1, 2 branches (", "wrote " + out + "\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Count(stdout, "eigenvalues") != 1 {
		t.Errorf("want one equilibrium listed:\n%s", stdout)
	}
}

// --format npy writes trajectory.npy, a float64 array of rows t, w1..wd equal to the first
// columns of trajectory.csv; numpy reads it where numpy is installed.
func TestTrajectoryNPY(t *testing.T) {
	dir := t.TempDir()
	code, stdout, errs := runArgs(t, "sgd", "--depth", "3", "--init-random", "--seed", "2", "--steps", "150", "--format", "csv,npy", "--out", dir)
	if code != 0 {
		t.Fatal(errs)
	}
	npyPath := filepath.Join(dir, "trajectory.npy")
	if !strings.Contains(stdout, "wrote "+npyPath+"\n") {
		t.Errorf("the output does not list %s:\n%s", npyPath, stdout)
	}
	f, err := os.Open(npyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m mat.Dense
	if err := npyio.Read(f, &m); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, filepath.Join(dir, "trajectory.csv"))[1:]
	if r, c := m.Dims(); r != len(recs) || r != 151 || c != 4 {
		t.Fatalf("trajectory.npy is %d×%d, want %d×4", r, c, len(recs))
	}
	for i, rec := range recs {
		for j := 0; j < 4; j++ {
			if v, _ := strconv.ParseFloat(rec[j], 64); m.At(i, j) != v {
				t.Fatalf("row %d column %d: npy %v, csv %v", i, j, m.At(i, j), v)
			}
		}
	}
	// Only the array: --format npy alone writes no CSV.
	only := t.TempDir()
	if code, _, errs := runArgs(t, "flow", "--t-end", "1", "--format", "npy", "--out", only); code != 0 {
		t.Fatal(errs)
	}
	if _, err := os.Stat(filepath.Join(only, "trajectory.csv")); err == nil {
		t.Error("--format npy wrote trajectory.csv too")
	}
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import numpy").Run() != nil {
		t.Log("no numpy: the file was checked with npyio only")
		return
	}
	out, err := exec.Command(py, "-c", "import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype, a.shape, float(a[-1, 0]), float(a[-1, 3]))", npyPath).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v: %s", err, out)
	}
	if want := fmt.Sprintf("float64 (151, 4) %s %s\n", ftoa(m.At(150, 0)), ftoa(m.At(150, 3))); string(out) != want {
		t.Errorf("numpy reads %q, want %q", out, want)
	}
}

// A failing claim's paragraph says so, names the failed checks and a control that did not
// come out as required.
func TestClaimParagraphFailure(t *testing.T) {
	c := &analysis.Claim{Number: 9, Title: "t", Control: "plain GD must be reported as not alike", Checks: []analysis.Check{
		{ID: "c-a", Verdict: analysis.Pass, Relation: analysis.Within, Source: analysis.RoundOff, Measured: 1, Predicted: 1, Tolerance: 1e-14, Margin: 0.5},
		{ID: "c-control", Verdict: analysis.Fail, Relation: analysis.AtMost, Source: analysis.Heuristic, Measured: 2, Tolerance: 1, Margin: 2},
		{ID: "c-b", Verdict: analysis.NotTested, Reason: "diverged"},
	}}
	got := claimParagraph(c)
	for _, want := range []string{"The claim fails: 1 of 3 checks fail.", "1 at round-off, 1 heuristic threshold.",
		"The closest call is c-control at margin 2 (measured 2; m ≤ 1).", "— it is NOT (c-control).", "Failed: c-control (margin 2)."} {
		if !strings.Contains(got, want) {
			t.Errorf("paragraph lacks %q:\n%s", want, got)
		}
	}
	c.Checks[1].Verdict, c.Checks[1].Margin, c.Checks[1].Measured = analysis.Pass, 0, 0
	got = claimParagraph(c)
	if !strings.Contains(got, "The claim is not tested: 1 of 3 checks could not run with these settings, 2 pass.") || !strings.Contains(got, "as required (c-control passes)") {
		t.Errorf("untested claim: %s", got)
	}
	// A check that could not have failed is counted apart from those that could not run.
	c.Checks[0].Verdict = analysis.Unresolved
	if got = claimParagraph(c); !strings.Contains(got, "The claim is not tested: 1 of 3 checks could not run with these settings and 1 could not have failed, 1 pass.") {
		t.Errorf("claim with an unresolved check: %s", got)
	}
}
