package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const slurmSweep = "method: [gd]\nlr: [0.1, 0.2, 0.3]\nsteps: [10]\nstart: {points: [[1, 2], [2, 1]]}\n" // 6 runs

// fakeSlurm puts an sbatch and an scancel on the PATH that record their arguments in
// dir/calls and answer as Slurm's do; sbatch fails when its arguments contain failOn.
func fakeSlurm(t *testing.T, dir, failOn string) string {
	t.Helper()
	calls := filepath.Join(dir, "calls")
	sbatch := `#!/bin/sh
echo "sbatch $*" >> ` + calls + `
case "$*" in *'` + failOn + `'*) echo "sbatch: error: Batch job submission failed" >&2; exit 1;; esac
echo "$((100 + $(wc -l < ` + calls + `)));cluster"
`
	scancel := "#!/bin/sh\necho \"scancel $*\" >> " + calls + "\n"
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "sbatch"), []byte(sbatch), 0o755)
	os.WriteFile(filepath.Join(bin, "scancel"), []byte(scancel), 0o755)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return calls
}

func TestSlurmScript(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "grid.yaml")
	os.WriteFile(spec, []byte(slurmSweep), 0o644)
	dir := filepath.Join(tmp, "run")
	args := []string{"slurm", spec, "--shards", "3", "--cpus", "2", "--time", "1:30:00", "--partition", "short", "--dir", dir}
	code, script, errs := runArgs(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("without --submit, %s was made", dir)
	}
	self, _ := os.Executable()
	for _, want := range []string{
		"#SBATCH --array=0-2\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --time=01:30:00\n", "#SBATCH --partition=short\n",
		"#SBATCH --requeue\n", "#SBATCH --open-mode=append\n", "#SBATCH --output=" + dir + "/logs/shard-%a.log\n",
		"#SBATCH --output=" + dir + "/logs/merge.log\n",
		"cmd=(" + self + " sweep " + spec + " --out " + dir + `/shard-"$shard".csv --shard "$shard/3" --workers "${SLURM_CPUS_PER_TASK:-2}")`,
		"cmd=(" + self + " merge --out " + dir + "/all.csv " + dir + "/shard-{0..2}.csv)",
		`--dependency=afterany:"$array"`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q", want)
		}
	}
	// The printed script, run with bash, writes the job scripts that --submit writes and
	// submits them the same way.
	calls := fakeSlurm(t, tmp, "never")
	cmd := exec.Command("bash", "-c", script)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "array job 101, merge job 102") {
		t.Fatalf("bash: %v: %s", err, out)
	}
	printed := map[string][]byte{}
	for _, f := range []string{"sweep.sbatch", "merge.sbatch"} {
		printed[f], _ = os.ReadFile(filepath.Join(dir, f))
	}
	os.RemoveAll(dir)
	code, out, errs := runArgs(t, append(args, "--submit")...)
	if code != 0 || !strings.Contains(out, "array job 103") || !strings.Contains(out, "merge job 104") {
		t.Fatalf("--submit: exit %d, %q, %q", code, out, errs)
	}
	for f, want := range printed {
		if got, _ := os.ReadFile(filepath.Join(dir, f)); string(got) != string(want) || len(got) == 0 {
			t.Errorf("%s: --submit wrote\n%s\nthe printed script\n%s", f, got, want)
		}
	}
	b, _ := os.ReadFile(calls)
	wantCalls := "sbatch --parsable " + dir + "/sweep.sbatch\nsbatch --parsable --dependency=afterany:101 " + dir + "/merge.sbatch\n" +
		"sbatch --parsable " + dir + "/sweep.sbatch\nsbatch --parsable --dependency=afterany:103 " + dir + "/merge.sbatch\n"
	if string(b) != wantCalls {
		t.Errorf("sbatch calls\n%s\nwant\n%s", b, wantCalls)
	}
	if rec, _ := os.ReadFile(filepath.Join(dir, "submit.log")); !strings.Contains(string(rec), "--dependency=afterany:103") {
		t.Errorf("submit.log: %q", rec)
	}
	if st, err := os.Stat(filepath.Join(dir, "logs")); err != nil || !st.IsDir() {
		t.Errorf("--submit made no logs directory: %v", err)
	}
	// The job scripts are valid bash, and a task runs its shard.
	for f := range printed {
		if out, err := exec.Command("bash", "-n", filepath.Join(dir, f)).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v %s", f, err, out)
		}
	}
}

// A merge job that cannot be submitted cancels the array, so the command can be run again.
func TestSlurmMergeRefused(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "grid.yaml")
	os.WriteFile(spec, []byte(slurmSweep), 0o644)
	calls := fakeSlurm(t, tmp, "dependency")
	code, _, errs := runArgs(t, "slurm", spec, "--shards", "2", "--time", "00:05:00", "--dir", filepath.Join(tmp, "run"), "--submit")
	if code != 2 || !strings.Contains(errs, "Batch job submission failed (array job 101 cancelled)") {
		t.Errorf("exit %d, %q", code, errs)
	}
	if b, _ := os.ReadFile(calls); !strings.HasSuffix(string(b), "scancel 101\n") {
		t.Errorf("calls: %s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(tmp, "run", "submit.log")); !strings.Contains(string(b), "→ job 101\n  (the merge job was refused: array job 101 cancelled)") {
		t.Errorf("submit.log: %s", b)
	}
}

// Bad input: one line naming the value, exit 2, and nothing written or submitted.
func TestSlurmBadInput(t *testing.T) {
	tmp := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	good := file("good.yaml", slurmSweep)
	dir := filepath.Join(tmp, "run")
	calls := fakeSlurm(t, tmp, "never")
	noSbatch := t.TempDir() // a PATH without sbatch
	for _, tc := range []struct {
		args []string
		spec []string // the sweep files; nil: the good one
		path string   // PATH, when not the fake Slurm's
		want string
	}{
		{[]string{"--shards", "0"}, nil, "", "--shards 0: must be ≥ 1"},
		{[]string{"--shards", "-3"}, nil, "", "--shards -3"},
		{[]string{"--shards", "7"}, nil, "", "--shards 7: the sweep has only 6 runs"},
		{[]string{"--shards", "x"}, nil, "", `"x"`},
		{[]string{"--cpus", "0"}, nil, "", "--cpus 0: must be ≥ 1"},
		{[]string{"--time", "2h"}, nil, "", `--time "2h": want HH:MM:SS`},
		{[]string{"--time", "120"}, nil, "", `--time "120"`},
		{[]string{"--time", "1:60:00"}, nil, "", `--time "1:60:00"`},
		{[]string{"--time", "00:00:00"}, nil, "", `--time "00:00:00"`},
		{[]string{"--time", "1-24:00:00"}, nil, "", `--time "1-24:00:00"`},
		{[]string{"--time", "-1:00:00"}, nil, "", `--time "-1:00:00"`},
		{[]string{"--time", "+1:00:00"}, nil, "", `--time "+1:00:00"`},
		{[]string{"--partition", "a b"}, nil, "", `--partition "a b"`},
		{[]string{"--dir", filepath.Join(tmp, "my run")}, nil, "", `my run"`},
		{[]string{"--dir", filepath.Join(tmp, "run%j")}, nil, "", `run%j"`},
		{[]string{"--submit"}, nil, noSbatch, "--submit: sbatch is not on the PATH"},
		{[]string{"--submit", "--dir", filepath.Join(good, "sub")}, nil, "", "good.yaml/sub"},
		{nil, []string{file("bad.yaml", slurmSweep+"lrate: 1\n")}, "", `unknown key "lrate"`},
		{nil, []string{file("bad.toml", "method = [\"gd\"]\nlr = -1\nsteps = 10\nstart = [[1, 2]]\n")}, "", "lr: -1"},
		{nil, []string{filepath.Join(tmp, "missing.yaml")}, "", "missing.yaml"},
		{nil, []string{good, good}, "", "one sweep file (have 2 arguments)"},
		{nil, []string{}, "", "one sweep file (have 0 arguments)"},
	} {
		spec, flags := tc.spec, tc.args
		if spec == nil {
			spec = []string{good}
		}
		args := []string{"slurm"}
		args = append(append(args, spec...), "--dir", dir)
		for _, f := range [][2]string{{"--shards", "2"}, {"--time", "00:10:00"}} {
			if !strings.Contains(strings.Join(flags, " "), f[0]) {
				args = append(args, f[0], f[1])
			}
		}
		args = append(args, flags...)
		if tc.path != "" {
			t.Setenv("PATH", tc.path)
		}
		code, out, errs := runArgs(t, args...)
		t.Setenv("PATH", filepath.Join(tmp, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, one line with %q", args, code, out, errs, tc.want)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: made %s", args, dir)
			os.RemoveAll(dir)
		}
	}
	if b, _ := os.ReadFile(calls); len(b) > 0 {
		t.Errorf("bad input reached sbatch: %s", b)
	}
	// Without --time or --shards; with them from a config file.
	for _, args := range [][]string{{"slurm", good, "--shards", "2"}, {"slurm", good, "--time", "01:00:00"}} {
		want := "--time is required"
		if args[2] == "--time" {
			want = "--shards is required"
		}
		if code, _, errs := runArgs(t, args...); code != 2 || !strings.Contains(errs, want) {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	cfg := filepath.Join(tmp, "slurm.yaml")
	os.WriteFile(cfg, []byte("shards: 2\ntime: \"01:00:00\"\n"), 0o644)
	if code, out, errs := runArgs(t, "slurm", good, "--config", cfg); code != 0 || !strings.Contains(out, "--shards 2") || !strings.Contains(out, "--time 01:00:00") {
		t.Errorf("slurm --config: exit %d, %q, %q", code, out, errs)
	}
}

// The binary the jobs run: this one, or --bin; never go run's temporary build.
func TestSlurmBinary(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "grid.yaml")
	os.WriteFile(spec, []byte(slurmSweep), 0o644)
	code, out, errs := runArgs(t, "slurm", spec, "--shards", "2", "--time", "00:05:00", "--bin", "/opt/layerflow/bin/layerflow")
	if code != 0 || !strings.Contains(out, "cmd=(/opt/layerflow/bin/layerflow sweep ") || !strings.Contains(out, "cmd=(/opt/layerflow/bin/layerflow merge ") ||
		!strings.Contains(out, "--bin /opt/layerflow/bin/layerflow\n") {
		t.Errorf("--bin: exit %d, %s", code, errs)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/tmp/go-build1234/b001/exe/layerflow", true},
		{"/tmp/go-build1234/b001/layerflow.test", false},
		{"/home/alice/go/bin/layerflow", false},
		{"/opt/exe/layerflow", false},
	} {
		if got := goRunBinary(tc.path); got != tc.want {
			t.Errorf("goRunBinary(%q) = %v", tc.path, got)
		}
	}
}

func TestSlurmTime(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"02:00:00", "02:00:00"}, {"2:0:0", "02:00:00"}, {"0:00:01", "00:00:01"}, {"48:00:00", "48:00:00"},
		{"1-00:00:00", "1-00:00:00"}, {"3-23:59:59", "3-23:59:59"}, {"0-1:00:00", "01:00:00"},
	} {
		if got, err := slurmTime(tc.in); err != nil || got != tc.want {
			t.Errorf("slurmTime(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// Shard files left in --dir are checked before anything is submitted: those of another sweep
// or of another --shards are refused, and what they hold is counted.
func TestSlurmShardFiles(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "grid.yaml")
	os.WriteFile(spec, []byte(slurmSweep), 0o644)
	other := filepath.Join(tmp, "other.yaml")
	os.WriteFile(other, []byte(strings.Replace(slurmSweep, "0.3]", "0.4]", 1)), 0o644)
	calls := fakeSlurm(t, tmp, "never")
	dir := filepath.Join(tmp, "run")
	os.MkdirAll(dir, 0o755)
	shard := func(k int) string { return filepath.Join(dir, "shard-"+strconv.Itoa(k)+".csv") }
	submit := func(extra ...string) (int, string, string) {
		return runArgs(t, append([]string{"slurm", spec, "--shards", "2", "--time", "00:05:00", "--dir", dir, "--submit"}, extra...)...)
	}
	// Shard 1 of 2 done, shard 0 not begun: 3 of 6 runs held.
	if code, _, errs := runArgs(t, "sweep", spec, "--shard", "1/2", "--out", shard(1)); code != 0 {
		t.Fatal(errs)
	}
	if code, out, errs := submit(); code != 0 || !strings.Contains(out, "6 runs in 2 shards, 3 of them already in the shard files") {
		t.Errorf("exit %d, %q, %q", code, out, errs)
	}
	os.WriteFile(calls, nil, 0o644)
	var locked *os.File
	defer func() {
		if locked != nil {
			locked.Close()
		}
	}()
	for _, tc := range []struct {
		setup func()
		extra []string
		want  string
	}{
		{func() { runArgs(t, "sweep", other, "--shard", "0/2", "--out", shard(0)) }, nil, "shard-0.csv: holds runs of another sweep"},
		{func() { os.Remove(shard(0)); runArgs(t, "sweep", spec, "--shard", "0/3", "--out", shard(0)) }, nil, "run 3 belongs to shard 1/2, not 0/2"},
		{func() { os.Remove(shard(0)) }, []string{"--out", shard(1)}, "--out " + shard(1) + ": that is shard 1's file"},
		{func() {}, []string{"--out", filepath.Join(tmp, "nodir", "all.csv")}, "cannot write in"},
		{func() { locked = lockFile(t, shard(1)) }, nil, "shard-1.csv is being written by a sweep that is still running"},
	} {
		tc.setup()
		code, out, errs := submit(tc.extra...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 || out != "" {
			t.Errorf("%v: exit %d, %q, %q; want exit 2 and one line with %q", tc.extra, code, out, errs, tc.want)
		}
	}
	if b, _ := os.ReadFile(calls); len(b) > 0 {
		t.Errorf("refused submissions reached sbatch: %s", b)
	}
}
