package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// A path with a control character cannot be written into the job scripts: refused, one line
// naming the flag and the value quoted, nothing printed or made.
func TestSlurmControlCharacters(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "grid.yaml")
	os.WriteFile(spec, []byte(slurmSweep), 0o644)
	badDir := filepath.Join(tmp, "a\nb")
	os.MkdirAll(badDir, 0o755)
	badSpec := filepath.Join(badDir, "grid.yaml")
	os.WriteFile(badSpec, []byte(slurmSweep), 0o644)
	dir := filepath.Join(tmp, "run")
	inject := "/tmp/x\ntouch " + filepath.Join(tmp, "PWNED") + "\n#.csv"
	for _, tc := range []struct {
		spec, flag, value string
	}{
		{spec, "--out", inject},
		{spec, "--out", filepath.Join(tmp, "a\rb.csv")},
		{spec, "--out", filepath.Join(tmp, "a\x1b[2Jb.csv")},
		{spec, "--bin", "/opt/layer\nflow"},
		{spec, "--bin", "/opt/layer\u2028flow"},
		{badSpec, "", ""},
	} {
		args := []string{"slurm", tc.spec, "--shards", "2", "--time", "00:10:00", "--dir", dir}
		name, value := tc.flag, tc.value
		if name != "" {
			args = append(args, name, value)
		} else {
			name, value = "the sweep file", badSpec
		}
		code, out, errs := runArgs(t, args...)
		want := name + " " + strconv.Quote(value) + ": holds a control character"
		if code != 2 || out != "" || !strings.Contains(errs, want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", args, code, out, errs, want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a refused command made %s", dir)
	}
}

// Paths with spaces, quotes, $, backquotes and command substitutions are quoted: the printed
// script and the job scripts hand them to the binary unchanged and run nothing else.
func TestSlurmQuotedPaths(t *testing.T) {
	tmp := t.TempDir()
	pwned := filepath.Join(tmp, "PWNED")
	odd := filepath.Join(tmp, `it's a "$HOME" `+"`touch "+pwned+"`"+` $(touch `+pwned+`) dir`)
	os.MkdirAll(odd, 0o755)
	spec := filepath.Join(odd, "grid 1.yaml")
	os.WriteFile(spec, []byte(slurmSweep), 0o644)
	// The binary the jobs run records its arguments, NUL-separated.
	argv := filepath.Join(tmp, "argv")
	bin := filepath.Join(odd, "layer flow's $bin")
	os.WriteFile(bin, []byte("#!/bin/sh\nprintf '%s\\0' \"$@\" >> "+argv+"\n"), 0o755)
	out := filepath.Join(odd, `all "$1" 'x'.csv`)
	dir := filepath.Join(tmp, "run")
	code, script, errs := runArgs(t, "slurm", spec, "--shards", "1", "--time", "00:10:00", "--dir", dir, "--out", out, "--bin", bin)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fakeSlurm(t, tmp, "never")
	if b, err := exec.Command("bash", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("the printed script: %v: %s", err, b)
	}
	for _, f := range []string{"sweep.sbatch", "merge.sbatch"} {
		cmd := exec.Command("bash", filepath.Join(dir, f))
		cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=0", "SLURM_CPUS_PER_TASK=1", "SLURM_ARRAY_JOB_ID=7", "SLURM_JOB_ID=8")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", f, err, b)
		}
	}
	got, _ := os.ReadFile(argv)
	want := strings.Join([]string{"sweep", spec, "--out", dir + "/shard-0.csv", "--shard", "0/1", "--workers", "1",
		"merge", "--out", out, dir + "/shard-0.csv"}, "\x00") + "\x00"
	if string(got) != want {
		t.Errorf("the jobs ran the binary with\n%q\nwant\n%q", got, want)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Errorf("a path ran a command")
	}
}

// Every flag whose help says "with --widths", set without --widths, is refused in one line
// naming it (it would be ignored), on the command line or in a config file.
func TestWidthsOnlyFlags(t *testing.T) {
	tmp := t.TempDir()
	app := newApp(nil, nil)
	n := 0
	for _, c := range app.Commands {
		for _, f := range c.Flags {
			u, ok := f.(cli.DocGenerationFlag)
			if !ok || !strings.HasPrefix(u.GetUsage(), "with --widths") {
				continue
			}
			name := f.Names()[0]
			args := []string{c.Name, "--" + name}
			if u.TakesValue() {
				args = append(args, "2")
			}
			if c.Name != "check" {
				args = append(args, "--out", filepath.Join(tmp, "o"))
			}
			code, out, errs := runArgs(t, args...)
			if code != 2 || out != "" || !strings.Contains(errs, "--"+name) || !strings.Contains(errs, "only with --widths") || strings.Count(errs, "\n") != 1 {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming --%s", args, code, out, errs, name)
			}
			n++
		}
	}
	if n < 40 {
		t.Errorf("%d flags with --widths only; the commands have more", n)
	}
	cfg := filepath.Join(tmp, "c.yaml")
	os.WriteFile(cfg, []byte("prep: whiten\n"), 0o644)
	for _, args := range [][]string{
		{"check", "--data", "/nonexistent.csv"},
		{"compare", "--data", "/nonexistent.csv", "--steps", "10"},
		{"flow", "--samples", "5", "--spectrum", "1,2", "--prep", "whiten", "--one-hot", "--outputs", "7"},
		{"gd", "--config", cfg},
	} {
		if args[0] != "check" {
			args = append(args, "--out", filepath.Join(tmp, "o"))
		}
		code, out, errs := runArgs(t, args...)
		if code != 2 || out != "" || !strings.Contains(errs, "only with --widths") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "o")); err == nil {
		t.Errorf("a refused command made its output directory")
	}
	// At their defaults they change nothing and are taken (a summary's settings given back).
	if code, _, errs := runArgs(t, "gd", "--top-k", "5", "--one-hot=false", "--prep", "none", "--steps", "3", "--out", filepath.Join(tmp, "d")); code != 0 {
		t.Errorf("gd with --widths flags at their defaults: %s", errs)
	}
	// With --widths they are taken.
	if code, _, errs := runArgs(t, "gd", "--widths", "2,2,1", "--samples", "20", "--prep", "center", "--top-k", "1", "--steps", "3", "--out", filepath.Join(tmp, "w")); code != 0 {
		t.Errorf("gd --widths: %s", errs)
	}
}

// gd, sgd and flow with --widths keep at most --max-points records, as the scalar runs do,
// and say how they thinned them.
func TestNetMaxPoints(t *testing.T) {
	tmp := t.TempDir()
	rows := func(dir string) int {
		b, err := os.ReadFile(filepath.Join(dir, "records.csv"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "\n") - 1
	}
	for _, c := range []string{"gd", "sgd"} {
		dir := filepath.Join(tmp, c)
		code, out, errs := runArgs(t, c, "--widths", "3,2,1", "--samples", "20", "--steps", "3000", "--max-points", "10", "--out", dir)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c, code, errs)
		}
		// Every 375-th step of 3000 (⌈3000/8⌉): steps 0, 375, …, 3000.
		p, _ := readSummary(t, dir)["points"].(map[string]any)
		if n := rows(dir); n != 9 || p["stride"] != 375.0 || p["written"] != 9.0 || !strings.Contains(out, "(9 rows: every 375-th step, to fit --max-points 10)") {
			t.Errorf("%s --max-points 10: %d rows, summary points %v, stdout %q", c, n, p, out)
		}
	}
	// Within the budget nothing changes: every --record-th step, no note.
	dir := filepath.Join(tmp, "fit")
	if code, out, errs := runArgs(t, "gd", "--widths", "3,2,1", "--samples", "20", "--steps", "30", "--record", "3", "--out", dir); code != 0 || rows(dir) != 11 || readSummary(t, dir)["points"] != nil || !strings.Contains(out, "(11 rows)\n") {
		t.Errorf("gd within the budget: exit %d, %d rows, %s", code, rows(dir), errs)
	}
	// A flow stopped at 3000 steps (over 2000 accepted), thinned while running.
	dir = filepath.Join(tmp, "flow")
	code, out, errs := runArgs(t, "flow", "--widths", "3,2,1", "--samples", "20", "--init-scale", "1e100", "--t-end", "1", "--max-steps", "3000", "--max-points", "20", "--out", dir)
	p, _ := readSummary(t, dir)["points"].(map[string]any)
	m, _ := p["measured"].(float64)
	if n := rows(dir); code != 1 || n > 20 || n < 10 || m < 2000 || p["max_stride"] == nil || !strings.Contains(out, "thinned to --max-points 20") {
		t.Errorf("flow --max-points 20: exit %d (%s), %d rows, summary points %v", code, errs, n, p)
	}
	// Output times every dt beyond the budget: every s-th multiple.
	dir = filepath.Join(tmp, "dt")
	code, _, errs = runArgs(t, "flow", "--widths", "3,2,1", "--samples", "20", "--t-end", "10", "--dt", "0.001", "--max-points", "30", "--out", dir)
	p, _ = readSummary(t, dir)["points"].(map[string]any)
	if n := rows(dir); code != 0 || n > 30 || p["dt_every"] != 358.0 {
		t.Errorf("flow --dt 0.001 --max-points 30: exit %d (%s), %d rows, summary points %v", code, errs, n, p)
	}
}

// Checkpoints: the first and the last --keep-checkpoints are kept; a run's set replaces the
// checkpoints of an earlier run in the same --out, and a refused run leaves them.
func TestNetCheckpoints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o")
	list := func() string {
		es, _ := os.ReadDir(filepath.Join(dir, "checkpoints"))
		var names []string
		for _, e := range es {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(e.Name(), "step-000000"), ".npz"))
		}
		return strings.Join(names, " ")
	}
	gd := func(args ...string) (int, string) {
		code, out, errs := runArgs(t, append([]string{"gd", "--widths", "3,2,1", "--samples", "20", "--out", dir}, args...)...)
		if code != 0 {
			t.Logf("%v: exit %d: %s", args, code, errs)
		}
		return code, out
	}
	if code, out := gd("--steps", "30", "--checkpoint-every", "1", "--keep-checkpoints", "3"); code != 0 || list() != "000 028 029 030" ||
		readSummary(t, dir)["checkpoints_deleted"] != 27.0 || !strings.Contains(out, "deleted 27 older checkpoints (--keep-checkpoints 3)") {
		t.Errorf("--checkpoint-every 1 --keep-checkpoints 3: exit %d, checkpoints %s", code, list())
	}
	if code, _ := gd("--steps", "10", "--checkpoint-every", "5"); code != 0 || list() != "000 005 010" {
		t.Errorf("second run: checkpoints %s, want 000 005 010", list())
	}
	if code, _ := gd("--steps", "7", "--lr", "0.01", "--checkpoint-every", "5"); code != 0 || list() != "000 005 007" {
		t.Errorf("third run: checkpoints %s, want 000 005 007", list())
	}
	if code, _ := gd("--steps", "12", "--checkpoint-every", "5", "--keep-checkpoints", "0"); code != 2 || list() != "000 005 007" {
		t.Errorf("refused run: exit %d, checkpoints %s, want 000 005 007 left", code, list())
	}
}

// compare stopped by a signal while the flows run beside GD reports the steps it compared,
// and "interrupted", on stdout and in summary.json, not the steps asked and "success".
func TestCompareInterruptedSteps(t *testing.T) {
	for _, widths := range [][]string{nil, {"--widths", "3,2,1", "--samples", "20"}} {
		dir := t.TempDir()
		a, _ := json.Marshal(append([]string{"compare", "--steps", "10000000", "--out", "o"}, widths...))
		cmd := exec.Command(os.Args[0])
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LAYERFLOW_TEST_ARGS="+string(a))
		var stdout strings.Builder
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// GD alone runs first (about 0.1 s for the scalar net): the signal comes after it.
		time.Sleep(800 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		// The last compared step (none compared when the signal came while GD ran alone,
		// which the network's longer GD may).
		rows := readCSV(t, filepath.Join(dir, "o", "compare.csv"))
		k := 0.0
		if len(rows) > 1 {
			var err error
			if k, err = strconv.ParseFloat(rows[len(rows)-1][0], 64); err != nil {
				t.Fatal(err)
			}
		}
		if widths == nil && len(rows) < 3 {
			t.Fatalf("compare.csv has %d rows: the signal came before the flows ran; stdout %q", len(rows), stdout.String())
		}
		sum := readSummary(t, filepath.Join(dir, "o"))
		steps := sum["stats"].(map[string]any)["steps"]
		want := fmt.Sprintf("%d of 10000000 steps, interrupted)", int(k))
		if steps != k || k >= 1e7 || sum["status"] != "interrupted" || !strings.Contains(stdout.String(), want) {
			t.Errorf("%v: stats.steps %v, status %v, last compared step %v; stdout %q, want %q", widths, steps, sum["status"], k, stdout.String(), want)
		}
	}
}
