//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The integration test's sweep: 6000 runs (GD, SGD with 4 replicates, the flow), 3.5–4 s
// a shard of four on one core, long enough to stop a task partway through.
const clusterSweep = `seed: 7
method: [gd, sgd, flow]
lr: {from: 0.001, to: 0.5, num: 20, scale: log}
wd: [0, 0.01]
batch: [8]
steps: [30000]
start:
  grid: {min: -2, max: 2, num: 5}
seeds: 4
data: {samples: 64, label_noise: 0.5}
`

// cluster is a one-node Slurm cluster started by testdata/slurm/start.sh.
type cluster struct {
	t   *testing.T
	ctx context.Context
	env []string
}

// run runs a Slurm client command and returns its output.
func (c *cluster) run(name string, args ...string) (string, error) {
	cmd := exec.CommandContext(c.ctx, name, args...)
	cmd.Env = c.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// job returns a job's (or array task's) state and exit code, as scontrol shows them.
func (c *cluster) job(id string) (state, exit string, restarts int) {
	out, err := c.run("scontrol", "show", "job", "-o", id)
	if err != nil {
		c.t.Fatal(err)
	}
	field := func(k string) string {
		m := regexp.MustCompile(`(?:^| )` + k + `=(\S+)`).FindStringSubmatch(out)
		if m == nil {
			return ""
		}
		return m[1]
	}
	restarts, _ = strconv.Atoi(field("Restarts"))
	return field("JobState"), field("ExitCode"), restarts
}

// until polls cond every 100 ms until it holds or the test's time is up.
func (c *cluster) until(what string, cond func() bool, diag func()) {
	for !cond() {
		select {
		case <-c.ctx.Done():
			diag()
			c.t.Fatalf("timed out waiting until %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// rowsIn counts the complete rows of a result file (0 if it is missing).
func rowsIn(path string) int {
	b, _ := os.ReadFile(path)
	return max(bytes.Count(b, []byte("\n"))-1, 0)
}

// submitted reads the job ids from layerflow slurm --submit's output.
func submitted(t *testing.T, out string) (array, merge string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^array job (\d+):.*\nmerge job (\d+):`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job ids in %q", out)
	}
	return m[1], m[2]
}

// The cluster path on a real one-node Slurm: a sweep of 6000 runs as 4 shards through
// layerflow slurm --submit; one task killed (SIGKILL) partway and left cancelled, another
// requeued partway (scontrol requeue, as preemption does); the merge job must then fail,
// naming the missing runs; the same command submitted again finishes the killed shard, and
// the merged rows equal a local run's, bit for bit but the seconds column.
func TestSlurmCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster")
	}
	begin := time.Now()
	// A hard limit on the whole test, the package installation included.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	script, err := filepath.Abs("../../testdata/slurm")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: munged wants the directory of its socket open to all (t.TempDir's
	// parent is private).
	state, err := os.MkdirTemp("", "layerflow-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop := exec.Command("bash", filepath.Join(script, "stop.sh"), state)
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v: %s", err, out)
		}
		os.RemoveAll(state)
	})
	start := exec.CommandContext(ctx, "bash", filepath.Join(script, "start.sh"), state)
	var startErr bytes.Buffer
	start.Stderr = &startErr
	// Out of time, the script and what it runs (apt-get) are killed; the daemons it started
	// have left its process group, and stop.sh ends them.
	start.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start.Cancel = func() error { return syscall.Kill(-start.Process.Pid, syscall.SIGKILL) }
	if err := start.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 3 {
			t.Skipf("no Slurm here: %s", strings.TrimSpace(startErr.String()))
		}
		t.Fatalf("start.sh: %v\n%s", err, startErr.String())
	}
	installed := ""
	if strings.Contains(startErr.String(), "installing") {
		installed = ", the packages installed first"
	}
	t.Logf("Slurm up in %.1f s%s", time.Since(begin).Seconds(), installed)
	c := &cluster{t: t, ctx: ctx, env: append(os.Environ(), "SLURM_CONF="+filepath.Join(state, "slurm.conf"))}

	work := t.TempDir()
	bin := filepath.Join(work, "layerflow")
	if out, err := exec.CommandContext(ctx, goTool(), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	spec := filepath.Join(work, "grid.yaml")
	if err := os.WriteFile(spec, []byte(clusterSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "run")
	shard := func(k int) string { return filepath.Join(dir, fmt.Sprintf("shard-%d.csv", k)) }
	logOf := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, "logs", name))
		return string(b)
	}
	diag := func() {
		// The test's context may be done: squeue gets 10 s of its own.
		qctx, qcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer qcancel()
		sq := exec.CommandContext(qctx, "squeue", "-a", "-t", "all", "-o", "%i %T %r %M")
		sq.Env = c.env
		q, err := sq.CombinedOutput()
		t.Logf("squeue (%v):\n%s", err, q)
		logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			t.Logf("%s:\n%s", l, b)
		}
		b, _ := os.ReadFile(filepath.Join(state, "log", "slurmctld.log"))
		t.Logf("slurmctld.log (end):\n%s", b[max(len(b)-3000, 0):])
	}
	submit := func(held int) (string, string) {
		cmd := exec.CommandContext(ctx, bin, "slurm", spec, "--shards", "4", "--cpus", "1", "--time", "00:10:00", "--dir", dir, "--submit")
		cmd.Env = c.env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("layerflow slurm --submit: %v\n%s", err, out)
		}
		if want := fmt.Sprintf("6000 runs in 4 shards, %d of them already in the shard files", held); !strings.Contains(string(out), want) {
			t.Errorf("layerflow slurm --submit said %q, not %q", out, want)
		}
		return submitted(t, string(out))
	}
	ended := func(id string) bool {
		s, _, _ := c.job(id)
		return s != "PENDING" && s != "RUNNING" && s != "REQUEUED" && s != "COMPLETING" && s != "CONFIGURING" && s != ""
	}
	const perShard = 1500

	// First submission: stop two tasks of the first wave (one core each) partway.
	array, merge := submit(0)
	kill, requeue := array+"_1", array+"_0"
	c.until("tasks 0 and 1 have written rows", func() bool { return rowsIn(shard(0)) > 20 && rowsIn(shard(1)) > 20 }, diag)
	if _, err := c.run("scontrol", "requeue", requeue); err != nil {
		t.Fatal(err)
	}
	if _, err := c.run("scancel", "--signal=KILL", kill); err != nil {
		t.Fatal(err)
	}
	c.until("task 1 has ended", func() bool { return ended(kill) }, diag)
	killedAt := rowsIn(shard(1))
	if killedAt >= perShard {
		t.Fatalf("task 1 finished its %d runs before it was killed: make the sweep longer", perShard)
	}
	state1, _, _ := c.job(kill)
	t.Logf("task 1 killed (%s) with %d of %d rows, %.1f s", state1, killedAt, perShard, time.Since(begin).Seconds())
	c.until("the first merge job has ended", func() bool { return ended(merge) }, diag)
	if s, exit, _ := c.job(merge); s != "FAILED" || exit != "1:0" {
		diag()
		t.Fatalf("merge job with shard 1 incomplete: %s, exit %s; want FAILED with exit 1", s, exit)
	}
	if m := logOf("merge.log"); !strings.Contains(m, fmt.Sprintf("%d of 6000 runs of sweep", perShard-killedAt)) || !strings.Contains(m, "missing") {
		t.Errorf("merge.log does not name the %d missing runs:\n%s", perShard-killedAt, m)
	} else {
		t.Logf("merge.log: %s", m[strings.LastIndex(strings.TrimSuffix(m, "\n"), "\n")+1:])
	}
	if _, err := os.Stat(filepath.Join(dir, "all.csv")); err == nil {
		t.Errorf("the failed merge wrote all.csv")
	}
	if s, exit, restarts := c.job(requeue); s != "COMPLETED" || exit != "0:0" || restarts != 1 {
		t.Errorf("requeued task 0: %s, exit %s, %d restarts; want COMPLETED, 0:0, 1", s, exit, restarts)
	}
	if l := logOf("shard-0.log"); strings.Count(l, " sweep "+spec) != 2 || !strings.Contains(l, ", restart 1, ") {
		t.Errorf("shard-0.log does not show the requeued task's two starts:\n%s", l)
	}
	if n := rowsIn(shard(1)); n != killedAt {
		t.Errorf("shard 1 has %d rows after the kill, %d at it", n, killedAt)
	}
	t.Logf("first merge failed as it should, %.1f s", time.Since(begin).Seconds())

	// The same command again: task 1 finishes its shard, the others have nothing to do.
	array2, merge2 := submit(6000 - (perShard - killedAt))
	c.until("the second merge job has ended", func() bool { return ended(merge2) }, diag)
	if s, exit, _ := c.job(merge2); s != "COMPLETED" || exit != "0:0" {
		diag()
		t.Fatalf("second merge job: %s, exit %s", s, exit)
	}
	// A row cut by the kill has no newline yet: rowsIn did not count it, and the sweep drops it.
	if l := logOf("shard-1.log"); !strings.Contains(l, fmt.Sprintf("%d already in %s, %d written", killedAt, shard(1), perShard-killedAt)) {
		t.Errorf("shard-1.log does not show the shard resumed from its %d rows:\n%s", killedAt, l)
	}
	for _, k := range []int{0, 2, 3} {
		if l := logOf(fmt.Sprintf("shard-%d.log", k)); !strings.Contains(l, fmt.Sprintf("%d already in %s, 0 written", perShard, shard(k))) {
			t.Errorf("shard-%d.log: the resubmitted task %s_%d did not find its shard complete:\n%s", k, array2, k, l)
		}
	}
	t.Logf("second merge done, %.1f s", time.Since(begin).Seconds())

	// A local run of the same sweep.
	local := filepath.Join(work, "local.csv")
	if out, err := exec.CommandContext(ctx, bin, "sweep", spec, "--out", local).CombinedOutput(); err != nil {
		t.Fatalf("local sweep: %v\n%s", err, out)
	}
	got, want := rowsByRun(t, filepath.Join(dir, "all.csv")), rowsByRun(t, local)
	if len(want) != 6000 {
		t.Fatalf("the local run has %d rows, want 6000", len(want))
	}
	if len(got) != len(want) {
		t.Fatalf("merged: %d rows, local: %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("merged and local rows differ (sorted by run), first at %d:\n%s\n%s", i, got[i], want[i])
		}
	}
	t.Logf("merged rows equal the local run's; %.1f s in all", time.Since(begin).Seconds())
}

// rowsByRun reads a result file's rows without their last column (seconds), sorted by run.
func rowsByRun(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) == 0 || !strings.HasSuffix(lines[0], ",seconds") {
		t.Fatalf("%s: the last column is not seconds", path)
	}
	rows := lines[1:]
	run := func(l string) int {
		n, err := strconv.Atoi(l[:strings.IndexByte(l, ',')])
		if err != nil {
			t.Fatalf("%s: row %q", path, l)
		}
		return n
	}
	slices.SortFunc(rows, func(a, b string) int { return run(a) - run(b) })
	for i, l := range rows {
		rows[i] = l[:strings.LastIndexByte(l, ',')]
	}
	return rows
}

// goTool is the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
