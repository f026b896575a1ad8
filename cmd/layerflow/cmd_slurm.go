package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis/sweep"
)

const catSlurm = "Slurm"

func slurmCommand() *cli.Command {
	return withConfig(&cli.Command{
		Name:      "slurm",
		Usage:     "the Slurm job array of a sweep (one task per shard) and its merge job: printed, or submitted with --submit",
		ArgsUsage: "SWEEP.yaml|SWEEP.toml",
		Description: "Without --submit, prints a bash script that writes the two job scripts to --dir and\n" +
			"submits them: edit it, then run it with bash. With --submit, layerflow does the same itself.\n" +
			"Task k runs `layerflow sweep SWEEP --shard k/N --out DIR/shard-k.csv`, which resumes its shard\n" +
			"file: a task cancelled, preempted or requeued finishes its shard when it runs again, no run\n" +
			"lost or done twice. The merge job starts when every task has ended (afterany) and runs\n" +
			"`layerflow merge`, which refuses incomplete shards, names the missing runs and fails the job;\n" +
			"the same command again resubmits what is not done. Logs: DIR/logs/shard-k.log, merge.log.",
		// --shards and --time are required, checked by the action: a config file may give them.
		Flags: []cli.Flag{
			altsrc.NewIntFlag(&cli.IntFlag{Name: "shards", DefaultText: "required", Usage: "number of shards, one array task each", Category: catSlurm}),
			altsrc.NewIntFlag(&cli.IntFlag{Name: "cpus", Value: 1, Usage: "CPUs per task (the sweep's --workers)", Category: catSlurm}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "time", DefaultText: "required", Usage: "time limit of every task and of the merge job, HH:MM:SS or D-HH:MM:SS", Category: catSlurm}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "partition", Usage: "partition to run in (default: the cluster's default)", Category: catSlurm}),
			altsrc.NewBoolFlag(&cli.BoolFlag{Name: "submit", Usage: "submit with sbatch instead of printing the script", Category: catSlurm}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "dir", Usage: "directory of the shard files, logs and job scripts (default: SWEEP's name + \"-slurm\" in the working directory)", Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Usage: "the merged result file (default: DIR/all.csv)", Category: catOutput}),
			altsrc.NewStringFlag(&cli.StringFlag{Name: "bin", Usage: "the layerflow binary the jobs run, as the nodes see it (default: this binary)", Category: catSlurm}),
		},
		Action: runSlurm,
	})
}

// slurmJob is everything the job scripts are made from, all paths absolute.
type slurmJob struct {
	bin, spec, dir, out string
	name, time, part    string
	shards, cpus, runs  int
	sweep               string // fingerprint
	held                int    // runs already in the shard files
	argv                string // the layerflow slurm command line, for the record
	binSet              bool   // bin given by --bin
}

func runSlurm(ctx *cli.Context) error {
	if ctx.NArg() != 1 {
		return fmt.Errorf("slurm: give one sweep file (have %d arguments)", ctx.NArg())
	}
	for _, f := range []string{"shards", "time"} {
		if !ctx.IsSet(f) {
			return fmt.Errorf("slurm: --%s is required", f)
		}
	}
	j := &slurmJob{shards: ctx.Int("shards"), cpus: ctx.Int("cpus"), part: ctx.String("partition")}
	if j.shards < 1 {
		return fmt.Errorf("--shards %d: must be ≥ 1", j.shards)
	}
	if j.cpus < 1 {
		return fmt.Errorf("--cpus %d: must be ≥ 1", j.cpus)
	}
	var err error
	if j.time, err = slurmTime(ctx.String("time")); err != nil {
		return err
	}
	if j.part != "" && !safeWord(j.part, ",") {
		return fmt.Errorf("--partition %q: letters, digits, '-', '_', '.' (several separated by commas)", j.part)
	}
	// The sweep file is read as the tasks will read it, so that its errors show now.
	j.spec = absPath(ctx.Args().First())
	if err := scriptValue("the sweep file", j.spec); err != nil {
		return err
	}
	readsFile(j.spec)
	s, err := sweep.ReadFile(j.spec, nil)
	if err != nil {
		return err
	}
	j.runs, j.sweep = s.Len(), s.Fingerprint()
	if j.shards > j.runs {
		return fmt.Errorf("--shards %d: the sweep has only %d runs", j.shards, j.runs)
	}
	base := strings.TrimSuffix(filepath.Base(j.spec), filepath.Ext(j.spec))
	j.name = "layerflow-" + strings.Map(func(r rune) rune {
		if safeWord(string(r), "") {
			return r
		}
		return '_'
	}, base)
	j.dir = ctx.String("dir")
	if j.dir == "" {
		j.dir = base + "-slurm"
	}
	j.dir = absPath(j.dir)
	// The directory is written into #SBATCH --output, where sbatch reads % as a pattern and
	// knows no quoting.
	if !safeWord(j.dir, "/+@:,=") {
		return fmt.Errorf("--dir %q: the job scripts need a path of letters, digits and - _ . / + @ : , = only", j.dir)
	}
	j.out = ctx.String("out")
	if j.out == "" {
		j.out = filepath.Join(j.dir, "all.csv")
	}
	j.out = absPath(j.out)
	if err := scriptValue("--out", j.out); err != nil {
		return err
	}
	if j.bin = ctx.String("bin"); j.bin != "" {
		j.bin, j.binSet = absPath(j.bin), true
		if err := scriptValue("--bin", j.bin); err != nil {
			return err
		}
	} else if j.bin, err = os.Executable(); err != nil {
		return fmt.Errorf("slurm: the path of this layerflow binary: %v", err)
	} else if goRunBinary(j.bin) {
		return fmt.Errorf("slurm: this layerflow is go run's temporary build (%s), gone when it ends: build it (go build -o layerflow ./cmd/layerflow) and run that, or give --bin", j.bin)
	} else if err := scriptValue("slurm: this layerflow binary (give --bin)", j.bin); err != nil {
		return err
	}
	j.argv = strings.Join(append([]string{shQuote(j.bin), "slurm", shQuote(j.spec)}, slurmFlags(j)...), " ")
	for k := range j.shards {
		if j.out == j.shardFile(k) {
			return fmt.Errorf("--out %s: that is shard %d's file", j.out, k)
		}
	}
	// Shard files left by an earlier submission are checked as the tasks will check them: a
	// file of another sweep, or of another --shards, fails now rather than in the queue.
	for k := range j.shards {
		n, err := sweep.Held(j.shardFile(k), s, k, j.shards)
		if err != nil {
			return fmt.Errorf("--dir %s: %v", j.dir, err)
		}
		j.held += n
	}

	if !ctx.Bool("submit") {
		_, err := io.WriteString(ctx.App.Writer, j.submitScript())
		return err
	}
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		return fmt.Errorf("--submit: sbatch is not on the PATH (%s): run on a Slurm login node, or leave out --submit and run the printed script there", os.Getenv("PATH"))
	}
	return j.submit(ctx, sbatch)
}

// goRunBinary reports whether path is a binary that go run built in its temporary
// directory ($WORK/b001/exe/NAME), which is removed when it ends.
func goRunBinary(path string) bool {
	return strings.Contains(path, string(filepath.Separator)+"go-build") && filepath.Base(filepath.Dir(path)) == "exe"
}

// slurmFlags are the flags that make j, as the record of the command line shows them.
func slurmFlags(j *slurmJob) []string {
	f := []string{"--shards", strconv.Itoa(j.shards), "--cpus", strconv.Itoa(j.cpus), "--time", j.time}
	if j.part != "" {
		f = append(f, "--partition", j.part)
	}
	f = append(f, "--dir", j.dir, "--out", shQuote(j.out))
	if j.binSet {
		f = append(f, "--bin", shQuote(j.bin))
	}
	return f
}

// submit writes the job scripts to j.dir and submits them: the array, then the merge job
// depending on it. A merge job that cannot be submitted cancels the array, so that the same
// command can simply be run again.
func (j *slurmJob) submit(ctx *cli.Context, sbatch string) error {
	// --out elsewhere than in --dir is checked before --dir is made.
	if filepath.Dir(j.out) != j.dir {
		if err := writableFile("out", j.out); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(j.dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("--dir %s: %v", j.dir, unwrapPath(err))
	}
	if err := writableFile("out", j.out); err != nil {
		return err
	}
	for _, f := range []struct{ name, text string }{{"sweep.sbatch", j.arrayScript()}, {"merge.sbatch", j.mergeScript()}} {
		if err := writeAtomic(filepath.Join(j.dir, f.name), func(w io.Writer) error {
			_, err := io.WriteString(w, f.text)
			return err
		}); err != nil {
			return err
		}
	}
	// sbatch reads the scripts: they are made visible now, both complete.
	if s := activeOutputs(); s != nil {
		if err := s.commit(); err != nil {
			return err
		}
	}
	var record strings.Builder
	fmt.Fprintf(&record, "%s %s\n", time.Now().UTC().Format(time.RFC3339), j.argv)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx.Context, sbatch, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		line := strings.Join(append([]string{"sbatch"}, args...), " ")
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%s: %v: %s", line, err, strings.TrimSpace(stderr.String()))
		}
		// --parsable prints "jobid" or "jobid;cluster".
		id, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), ";")
		if _, err := strconv.Atoi(id); err != nil {
			return "", fmt.Errorf("%s: no job id in its output %q", line, stdout.String())
		}
		fmt.Fprintf(&record, "  %s  → job %s\n", line, id)
		return id, nil
	}
	array, err := run("--parsable", filepath.Join(j.dir, "sweep.sbatch"))
	if err != nil {
		return err
	}
	merge, err := run("--parsable", "--dependency=afterany:"+array, filepath.Join(j.dir, "merge.sbatch"))
	if err != nil {
		if path, lerr := exec.LookPath("scancel"); lerr == nil {
			exec.Command(path, array).Run()
		}
		fmt.Fprintf(&record, "  (the merge job was refused: array job %s cancelled)\n", array)
		appendFile(filepath.Join(j.dir, "submit.log"), record.String())
		return fmt.Errorf("%v (array job %s cancelled)", err, array)
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "sweep %s: %d runs in %d shard%s, %d of them already in the shard files\n", j.sweep, j.runs, j.shards, plural(j.shards), j.held)
	fmt.Fprintf(w, "array job %s: task k → %s/shard-k.csv (k = %s), log %s/logs/shard-k.log\n", array, j.dir, j.tasks(), j.dir)
	fmt.Fprintf(w, "merge job %s: after every task has ended → %s, log %s/logs/merge.log\n", merge, j.out, j.dir)
	if err := appendFile(filepath.Join(j.dir, "submit.log"), record.String()); err != nil {
		return fmt.Errorf("submitted (array job %s, merge job %s), but not recorded: %v", array, merge, err)
	}
	return nil
}

// shardFile is the result file of shard k.
func (j *slurmJob) shardFile(k int) string {
	return filepath.Join(j.dir, "shard-"+strconv.Itoa(k)+".csv")
}

// appendFile appends text to the file at path, made if missing.
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %v", path, unwrapPath(err))
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	return nil
}

// sbatchLines returns the #SBATCH lines that the array and the merge job share.
func (j *slurmJob) sbatchLines(name, output string, cpus int, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", name)
	for _, e := range extra {
		fmt.Fprintf(&b, "#SBATCH %s\n", e)
	}
	fmt.Fprintf(&b, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n#SBATCH --time=%s\n", cpus, j.time)
	if j.part != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", j.part)
	}
	// Append: a requeued task adds to its log instead of replacing the first attempt's.
	fmt.Fprintf(&b, "#SBATCH --output=%s/logs/%s\n#SBATCH --open-mode=append\n", j.dir, output)
	return b.String()
}

// logLine is the first thing a job writes to its log: when, which job (job is an expression
// of the Slurm variables), which attempt, where, and the exact command line.
func logLine(job string) string {
	return `echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) job ` + job + `, restart ${SLURM_RESTART_COUNT:-0}, on $(hostname):$(printf ' %q' "${cmd[@]}")"` + "\n"
}

// arrayScript is the batch script of the array job: task k runs shard k.
func (j *slurmJob) arrayScript() string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	// Requeued on node failure or preemption, a task resumes its shard file.
	b.WriteString(j.sbatchLines(j.name, "shard-%a.log", j.cpus, "--array="+j.tasks(), "--requeue"))
	fmt.Fprintf(&b, "#\n# Sweep %s, %d runs in %d shard%s; made by\n#   %s\n", j.sweep, j.runs, j.shards, plural(j.shards), j.argv)
	fmt.Fprintf(&b, "# Task k runs shard k/%d into shard-k.csv. Cancelled, preempted or requeued, then run\n"+
		"# again, it finishes the runs its file does not hold, none twice.\n", j.shards)
	b.WriteString("set -euo pipefail\n")
	b.WriteString("shard=${SLURM_ARRAY_TASK_ID:?not a task of a job array}\n")
	fmt.Fprintf(&b, "cmd=(%s sweep %s --out %s/shard-\"$shard\".csv --shard \"$shard/%d\" --workers \"${SLURM_CPUS_PER_TASK:-%d}\")\n",
		shQuote(j.bin), shQuote(j.spec), j.dir, j.shards, j.cpus)
	b.WriteString(logLine("${SLURM_ARRAY_JOB_ID}_$shard (id ${SLURM_JOB_ID})"))
	b.WriteString("exec \"${cmd[@]}\"\n")
	return b.String()
}

// mergeScript is the batch script of the merge job.
func (j *slurmJob) mergeScript() string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString(j.sbatchLines(j.name+"-merge", "merge.log", 1))
	b.WriteString("#\n# Submitted with --dependency=afterany:ARRAY: runs once every task of the array has ended,\n" +
		"# however it ended. layerflow merge writes the merged file only when every run is there\n" +
		"# once; otherwise it names the missing runs and exits 1, and this job fails.\n")
	b.WriteString("set -euo pipefail\n")
	files := fmt.Sprintf("%s/shard-{0..%d}.csv", j.dir, j.shards-1)
	if j.shards == 1 {
		files = j.dir + "/shard-0.csv"
	}
	fmt.Fprintf(&b, "cmd=(%s merge --out %s %s)\n", shQuote(j.bin), shQuote(j.out), files)
	b.WriteString(logLine("${SLURM_JOB_ID}"))
	b.WriteString("exec \"${cmd[@]}\"\n")
	return b.String()
}

// submitScript is what layerflow slurm prints without --submit: a bash script that writes the
// job scripts and submits them as --submit does.
func (j *slurmJob) submitScript() string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# Sweep %s (%d runs) as a Slurm job array of %d shard%s and a merge job; made by\n#   %s\n", j.sweep, j.runs, j.shards, plural(j.shards), j.argv)
	b.WriteString("# Edit the job scripts below if needed, then run this file with bash (or give --submit).\n")
	b.WriteString("set -euo pipefail\n")
	fmt.Fprintf(&b, "mkdir -p %s/logs\n", j.dir)
	for _, f := range []struct{ name, text string }{{"sweep.sbatch", j.arrayScript()}, {"merge.sbatch", j.mergeScript()}} {
		fmt.Fprintf(&b, "\ncat > %s/%s <<'END_OF_JOB_SCRIPT'\n%sEND_OF_JOB_SCRIPT\n", j.dir, f.name, f.text)
	}
	fmt.Fprintf(&b, "\narray=$(sbatch --parsable %s/sweep.sbatch)\n", j.dir)
	b.WriteString("array=${array%%;*}\n")
	fmt.Fprintf(&b, "merge=$(sbatch --parsable --dependency=afterany:\"$array\" %s/merge.sbatch) || { scancel \"$array\"; exit 1; }\n", j.dir)
	b.WriteString(`echo "array job $array, merge job ${merge%%;*}; logs in ` + j.dir + `/logs"` + "\n")
	return b.String()
}

// tasks is the array's index range, as sbatch --array takes it.
func (j *slurmJob) tasks() string {
	if j.shards == 1 {
		return "0"
	}
	return fmt.Sprintf("0-%d", j.shards-1)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// slurmTime reads a time limit HH:MM:SS or D-HH:MM:SS, more than zero, and returns it as
// Slurm writes it.
func slurmTime(s string) (string, error) {
	bad := fmt.Errorf("--time %q: want HH:MM:SS or D-HH:MM:SS, more than zero (e.g. 02:00:00)", s)
	digits := func(f string) (int, bool) {
		if f == "" || len(f) > 6 || strings.Trim(f, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(f)
		return n, err == nil
	}
	days, rest := 0, s
	if d, r, ok := strings.Cut(s, "-"); ok {
		var good bool
		if days, good = digits(d); !good || days > 365 {
			return "", bad
		}
		rest = r
	}
	f := strings.Split(rest, ":")
	if len(f) != 3 {
		return "", bad
	}
	var v [3]int
	for i := range f {
		var good bool
		if v[i], good = digits(f[i]); !good {
			return "", bad
		}
	}
	h, m, sec := v[0], v[1], v[2]
	if m > 59 || sec > 59 || (days > 0 && h > 23) || h > 365*24 || days+h+m+sec == 0 {
		return "", bad
	}
	if days > 0 {
		return fmt.Sprintf("%d-%02d:%02d:%02d", days, h, m, sec), nil
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, sec), nil
}

// safeWord reports whether s is non-empty and made of letters, digits, '-', '_', '.' and the
// characters in extra.
func safeWord(s, extra string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_."+extra, r)) {
			return false
		}
	}
	return true
}

// scriptValue refuses a path that the job scripts cannot hold: one with a control character
// (a newline would end the comment or the quoted word it is written in, and the rest of the
// value would run as commands). Spaces, quotes, $ and backquotes are quoted by shQuote.
func scriptValue(name, path string) error {
	for _, r := range path {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("%s %s: holds a control character (%q); the job scripts cannot hold it", name, strconv.Quote(path), r)
		}
	}
	return nil
}

// shQuote quotes s for bash when it needs it: in single quotes, which keep every character
// but ' (written '\”) as it is. s must hold no control character (scriptValue).
func shQuote(s string) string {
	if safeWord(s, "/+@:,=") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
