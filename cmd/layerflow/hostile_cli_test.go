package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
