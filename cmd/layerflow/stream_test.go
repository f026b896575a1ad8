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
			if tc.file == "compare.csv" {
				tcol = 1
			}
			prev := -1.0
			for i, r := range rows[1:] {
				x, err := strconv.ParseFloat(r[tcol], 64)
				if err != nil || x <= prev || i == 0 && x != 0 {
					t.Fatalf("%s row %d: t = %q after %v", tc.file, i+1, r[tcol], prev)
				}
				prev = x
			}
			if final, ok := sum["final"].(map[string]any); ok && final["t"] != prev {
				t.Errorf("last row at t = %v, summary's final point at %v", prev, final["t"])
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
