//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// listDir returns the names in dir, hidden ones included, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// A PNG figure whose raster is over the memory budget or the fixed limit of pixels is
// refused before it is drawn, with one line naming the figure flags, the pixel count and
// (for the budget) --max-memory; the command writes nothing, no temporary file either. The
// budget cases are the ones a command without the check would draw (and exit 0); the
// 40 × 40 in at 2400 dpi ones crashed the process with an out-of-memory fatal error.
func TestFigureRasterRefused(t *testing.T) {
	dir := t.TempDir()
	hostileFixtures(t, dir)
	o := filepath.Join(dir, "o")
	if err := os.Mkdir(o, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"gd", "--steps", "10", "--out", o, "--plot", filepath.Join(o, "x.png"), "--width", "4", "--height", "4", "--dpi", "300", "--max-memory", "16MiB"},
			[]string{"1200 × 1200 = 1440000 pixels", "--width", "--dpi", "--max-memory"}},
		{[]string{"sweep-plot", filepath.Join(dir, "r.csv"), "--stability", filepath.Join(o, "s.png"), "--width", "4", "--height", "4", "--dpi", "300", "--max-memory", "16MiB"},
			[]string{"1200 × 1200 = 1440000 pixels", "--max-memory"}},
		{[]string{"gd", "--steps", "10", "--out", o, "--plot", filepath.Join(o, "x.png"), "--width", "40", "--height", "40", "--dpi", "2400"},
			[]string{"96000 × 96000 = 9216000000 pixels", "--width", "--height", "--dpi"}},
		{[]string{"gd", "--steps", "10", "--out", o, "--plot", filepath.Join(o, "x.png"), "--width", "40", "--dpi", "2400"},
			[]string{"96000 × ", "--dpi"}},
		{[]string{"portrait", "--out", filepath.Join(o, "p.png"), "--width", "40", "--height", "40", "--dpi", "2400"},
			[]string{"96000 × ", "--dpi"}},
	} {
		code, _, errs := runArgs(t, tc.args...)
		if code != 2 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", tc.args, code, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q does not name %q", tc.args, errs, w)
			}
		}
		if names := listDir(t, o); len(names) != 0 {
			t.Errorf("%v left %v", tc.args, names)
		}
	}
	// Given --width and --height, the time series is at least that large: refused before
	// the run (its --out is not even made), not after 10⁸ steps.
	early := filepath.Join(dir, "early")
	code, _, errs := runArgs(t, "gd", "--steps", "100000000", "--out", early, "--plot", filepath.Join(early, "x.png"), "--width", "40", "--height", "40", "--dpi", "2400")
	if _, err := os.Stat(early); code != 2 || !strings.Contains(errs, "9216000000 pixels") || err == nil {
		t.Errorf("before the run: exit %d, stderr %q, --out made: %v", code, errs, err == nil)
	}
	// The same sizes as SVG have no raster: written.
	if code, _, errs := runArgs(t, "gd", "--steps", "10", "--out", o, "--plot", filepath.Join(o, "x.svg"), "--width", "40", "--height", "40", "--dpi", "2400"); code != 0 {
		t.Errorf("svg: exit %d: %s", code, errs)
	}
}

// A SIGINT while the figures are drawn stops the command within a second or so, with exit
// 130 and the interrupted message: gd keeps its run's files and drops its figures (none
// half-written, no temporary file), sweep-plot writes nothing. The figures are large enough
// (gd's three at 4 × 4 in, sweep-plot's two at 6 × 6 in, 600 dpi) to take seconds to draw;
// without the stop the commands drew them and exited 0.
func TestFigureDrawingStopsOnSignal(t *testing.T) {
	dir := t.TempDir()
	hostileFixtures(t, dir)
	big := []string{"--width", "4", "--height", "4", "--dpi", "600"}
	for _, tc := range []struct {
		name string
		args []string
		want string   // in stderr
		keep []string // the files left in o
	}{
		{"gd", append([]string{"gd", "--steps", "10", "--out", "o", "--plot", "o/x.png"}, big...),
			"without the figures of --plot", []string{"summary.json", "trajectory.csv"}},
		// Two larger figures: one 4 × 4 in figure of sweep-plot takes under half a second on
		// an idle machine, less than the wait before the signal.
		{"sweep-plot", []string{"sweep-plot", filepath.Join(dir, "r.csv"), "--stability", "o/s.png", "--heatmap", "o/h.png", "--width", "6", "--height", "6", "--dpi", "600"},
			"sweep-plot: stopped by a signal; nothing written", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wd := t.TempDir()
			os.Mkdir(filepath.Join(wd, "o"), 0o755)
			a, _ := json.Marshal(tc.args)
			cmd := exec.Command(os.Args[0])
			cmd.Dir = wd
			cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(400 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGINT)
			sent := time.Now()
			kill := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
			defer kill.Stop()
			err := cmd.Wait()
			took := time.Since(sent)
			t.Logf("stopped %v after SIGINT", took.Round(time.Millisecond))
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != 130 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 130 and %q", code, stderr.String(), tc.want)
			}
			// The promise is about a second; five allow for a loaded machine.
			if took > 5*time.Second {
				t.Errorf("took %v to stop", took)
			}
			if got := listDir(t, filepath.Join(wd, "o")); strings.Join(got, ",") != strings.Join(tc.keep, ",") {
				t.Errorf("o holds %v, want %v", got, tc.keep)
			}
		})
	}
}

// portrait refuses a range it cannot draw before any run, with one line naming the flag and
// its value (before: "plot: figure size 244.8 × NaN must be positive" and the like, or an
// image library's panic), and reports equilibria only where ∇F vanishes, with finite
// eigenvalues (before: 29 "isolated equilibria" with eigenvalues -Inf and NaN on [0, 10¹⁶⁰]²).
func TestPortraitExtremeRanges(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "p.svg")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--xrange", "-1e308,1e308"}, `--xrange "-1e308,1e308": its width or centre overflows`},
		{[]string{"--yrange", "0,1e308"}, "--yrange 0,1e+308 (x from"},
		{[]string{"--xrange", "1e-320,2e-320"}, `--xrange "1e-320,2e-320": too narrow`},
		{[]string{"--xrange", "0,1e-300"}, "--xrange 0,1e-300 (y from"},
		{[]string{"--xrange", "0,1", "--yrange", "0,100"}, "--xrange 0,1 and --yrange 0,100: the plane would be 100 times as tall as wide"},
		{[]string{"--widths", "2,2,1", "--xrange", "1e-320,2e-320"}, `--xrange "1e-320,2e-320": too narrow`},
	} {
		code, _, errs := runArgs(t, append([]string{"portrait", "--out", out}, tc.args...)...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("refused portraits left %v", names)
	}
	code, stdout, errs := runArgs(t, "portrait", "--xrange", "0,1e160", "--yrange", "0,1e160", "--loss", "none", "--field", "5", "--out", out)
	if code != 0 || !strings.Contains(stdout, "1 isolated equilibrium") || strings.Contains(stdout, "Inf") || strings.Contains(stdout, "NaN") {
		t.Errorf("[0, 1e160]²: exit %d, stdout %q, stderr %q; want the saddle at 0 alone", code, stdout, errs)
	}
}
