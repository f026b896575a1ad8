package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// A long run stopped by SIGINT (or SIGTERM) ends within 2 s with exit 130 (143) and a
// consistent output set: the trajectory up to the stop, first row at t = 0, times increasing,
// its last row the summary's final point, and the summary saying "interrupted".
func TestInterruptGDFlowSGDCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes for a second each")
	}
	for _, tc := range []struct {
		name string
		args []string
		sig  syscall.Signal
		code int
		file string
	}{
		{"gd", []string{"gd", "--steps", "1000000000"}, syscall.SIGINT, 130, "trajectory.csv"},
		{"gd-term", []string{"gd", "--steps", "1000000000", "--record", "3"}, syscall.SIGTERM, 143, "trajectory.csv"},
		{"sgd", []string{"sgd", "--steps", "1000000000"}, syscall.SIGINT, 130, "trajectory.csv"},
		{"flow", []string{"flow", "--t-end", "1e308", "--max-steps", "1000000000", "--rtol", "1e-13", "--atol", "1e-15"}, syscall.SIGINT, 130, "trajectory.csv"},
		{"compare", []string{"compare", "--steps", "1000000000"}, syscall.SIGINT, 130, "compare.csv"},
		// Stopped while it runs, not while it draws: the run's lines are printed as without
		// --plot, and no figure is drawn.
		{"gd-plot", []string{"gd", "--steps", "1000000000", "--plot", "o/a.png"}, syscall.SIGINT, 130, "trajectory.csv"},
		// A network's records, thinned to fit --max-points, end where the run stopped too.
		{"gd-widths", []string{"gd", "--widths", "4,3,2", "--samples", "50", "--steps", "1000000000", "--max-points", "100"}, syscall.SIGINT, 130, "records.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, _ := json.Marshal(append(tc.args, "--out", "o"))
			cmd := exec.Command(os.Args[0])
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a))
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(700 * time.Millisecond)
			sent := time.Now()
			cmd.Process.Signal(tc.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 2 s after the signal; stderr %q", stderr.String())
			}
			t.Logf("stopped %v after the signal: %s", time.Since(sent).Round(time.Millisecond), strings.TrimSpace(stderr.String()))
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			var sum map[string]any
			b, err := os.ReadFile(filepath.Join(dir, "o", "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &sum); err != nil {
				t.Fatal(err)
			}
			if sum["status"] != "interrupted" {
				t.Errorf("summary status %v, want interrupted", sum["status"])
			}
			if !strings.Contains(stdout.String(), "wrote ") {
				t.Errorf("stdout does not list the files written: %q", stdout.String())
			}
			f, err := os.Open(filepath.Join(dir, "o", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			// A run has its start and the point where it stopped; a comparison stops its
			// flows at once after GD, so it may hold only the start.
			if minRows := map[bool]int{true: 2, false: 3}[tc.file == "compare.csv"]; len(rows) < minRows {
				t.Fatalf("%s: %d rows", tc.file, len(rows))
			}
			tcol := 0
			if tc.file == "compare.csv" || tc.file == "records.csv" {
				tcol = 1 // after k, or step
			}
			prev := -1.0
			for i, r := range rows[1:] {
				x, err := strconv.ParseFloat(r[tcol], 64)
				if err != nil || x <= prev || i == 0 && x != 0 {
					t.Fatalf("%s row %d: t = %q after %v", tc.file, i+1, r[tcol], prev)
				}
				prev = x
			}
			if final, ok := sum["final"].(map[string]any); ok && final["t"] != nil && final["t"] != prev {
				t.Errorf("last row at t = %v, summary's final point at %v", prev, final["t"])
			}
			if st, ok := sum["stats"].(map[string]any); ok && tc.file == "records.csv" {
				if last, steps := rows[len(rows)-1][0], st["steps"].(float64); strconv.FormatFloat(steps, 'f', -1, 64) != last {
					t.Errorf("last row at step %s, the run stopped after %v steps", last, st["steps"])
				}
			}
			ents, _ := os.ReadDir(filepath.Join(dir, "o"))
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("temporary file %s left", e.Name())
				}
			}
		})
	}
}

// The streamed trajectory.csv of a run within its budget is, byte for byte, what the writer of
// a whole trajectory (writeTrajectoryCSV, on analysis.Run's trajectory) writes; with a budget
// of N rows a long run writes at most N, its first at t = 0 and its last at the end, and
// summary.json says how many it measured.
func TestGDFlowSGDStreamedFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		spec analysis.RunSpec
	}{
		{[]string{"gd", "--wd", "0.05", "--steps", "700", "--record", "3"}, analysis.RunSpec{Method: analysis.MethodGD, LR: 0.05, Steps: 700, Record: 3}},
		{[]string{"flow", "--depth", "3", "--init", "1.5,0.5,0.2", "--wd", "0.05", "--t-end", "8"}, analysis.RunSpec{Method: analysis.MethodFlow, T: 8}},
	} {
		out := filepath.Join(dir, tc.args[0])
		if code, _, errs := runArgs(t, append(tc.args, "--out", out)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errs)
		}
		spec := tc.spec
		spec.Objective = flow.Objective{Depth: 2, WeightDecay: 0.05}
		spec.Start = []float64{2, 0.25}
		if tc.args[0] == "flow" {
			spec.Objective.Depth, spec.Start = 3, []float64{1.5, 0.5, 0.2}
			spec.Settings = &ode.Settings{Rtol: 1e-8, Atol: 1e-10, MaxSteps: 100000}
		}
		run, err := analysis.Run(spec)
		if err != nil {
			t.Fatal(err)
		}
		ref := filepath.Join(dir, tc.args[0]+"-ref.csv")
		if err := writeTrajectoryCSV(ref, run.Trajectory, 0); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(filepath.Join(out, "trajectory.csv"))
		b, _ := os.ReadFile(ref)
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%v: streamed trajectory.csv (%d bytes) differs from the whole trajectory's (%d bytes)", tc.args, len(a), len(b))
		}
	}
	out := filepath.Join(dir, "budget")
	if code, _, errs := runArgs(t, "sgd", "--steps", "100000", "--max-points", "500", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(filepath.Join(out, "trajectory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rows) - 1; n > 500 || n < 400 || rows[1][0] != "0" || rows[n][0] != "5000" {
		t.Errorf("--max-points 500: %d rows from t=%s to t=%s", n, rows[1][0], rows[n][0])
	}
	pts, _ := readSummary(t, out)["points"].(map[string]any)
	if pts["measured"] != 100001.0 || pts["written"] != float64(len(rows)-1) {
		t.Errorf("summary points %v", pts)
	}
}
