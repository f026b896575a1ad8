//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Long work stops on the first SIGINT or SIGTERM, promptly, with what it has: `check` over
// 10⁹ seeds prints its table with the seeds done, a sweep whose one run has 2^50 steps
// abandons that run (it did not look at the signal before) and leaves its result file whole
// and resumable, and a portrait of 900 GD runs or a report stopped midway leave the previous
// figure or report as it was (a portrait stops between two trajectories, signalled here
// half a second in, while it runs them: its flows, which stop only at their end, and its
// drawing, are left out). The exit status is 130 for SIGINT and 143 for SIGTERM, with one line on
// stderr. Each runs as a process, signalled after a second of work.
func TestSignalStopsLongWork(t *testing.T) {
	if testing.Short() {
		t.Skip("runs commands as processes for seconds")
	}
	for _, tc := range []struct {
		name  string
		args  []string
		out   string   // a file the stopped command must leave whole
		want  string   // in stdout (check) or the file (sweep)
		setup []string // a command run first, whose outputs the stopped one must leave as they were
	}{
		{"check", []string{"check", "--seeds", "1000000000"}, "", "seeds (stopped after", nil},
		{"sweep", []string{"sweep", "--method", "gd", "--lr", "0.01", "--steps", "1125899906842624", "--start", "1,2", "--out", "long.csv"}, "long.csv", "run,runs,sweep,", nil},
		{"check net", []string{"check", "--widths", "5,4,3", "--seeds", "100000000"}, "", "seeds)", nil},
		{"portrait", []string{"portrait", "--methods", "gd", "--grid-starts", "30", "--xrange", "-2,2", "--yrange", "-2,2", "--steps", "20000", "--out", "p.png"}, "", "", []string{"portrait", "--out", "p.png"}},
		{"reproduce", []string{"reproduce", "--quick", "--out", "rep"}, "", "", []string{"reproduce", "--quick", "--only", "2", "--figures=false", "--out", "rep"}},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(tc.name+" "+sig.String(), func(t *testing.T) {
				dir := t.TempDir()
				var before map[string]string
				if tc.setup != nil {
					if code, errs := child(t, dir, 0, tc.setup...); code != 0 {
						t.Fatalf("setup: exit %d: %s", code, errs)
					}
					before = snapshot(t, dir)
				}
				a, _ := json.Marshal(tc.args)
				cmd := exec.Command(os.Args[0])
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a))
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				wait := 1500 * time.Millisecond
				if tc.name == "portrait" {
					wait = 500 * time.Millisecond // its 900 runs take about a second, the figure ten
				}
				time.Sleep(wait)
				cmd.Process.Signal(sig)
				sent := time.Now()
				// A command that ignores the signal is killed, and fails the test below.
				kill := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
				defer kill.Stop()
				err := cmd.Wait()
				took := time.Since(sent)
				t.Logf("stopped %v after %s", took.Round(time.Millisecond), sig)
				want := 130
				if sig == syscall.SIGTERM {
					want = 143
				}
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				if code != want {
					t.Errorf("exit %d (%v), want %d; stderr %q", code, err, want, stderr.String())
				}
				// The promise is a second; five allow for a loaded machine, far below the
				// hours the work would take.
				if took > 5*time.Second {
					t.Errorf("took %v to stop", took)
				}
				errs := stderr.String()
				if strings.Count(errs, "\n") != 1 || strings.Contains(errs, "goroutine") {
					t.Errorf("stderr %q: want one line", errs)
				}
				got := stdout.String()
				if tc.out != "" {
					b, err := os.ReadFile(filepath.Join(dir, tc.out))
					if err != nil {
						t.Fatal(err)
					}
					got = string(b)
					if !strings.HasSuffix(got, "\n") {
						t.Errorf("%s ends with a cut line", tc.out)
					}
				}
				if before != nil {
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
				}
				if !strings.Contains(got, tc.want) {
					t.Errorf("output %q does not hold %q", got, tc.want)
				}
			})
		}
	}
}
