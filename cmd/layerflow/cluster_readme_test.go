package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/layerflow/layerflow/analysis/sweep"
)

// readmeBlock returns the fenced code block that follows the first line of the README ending
// with after.
func readmeBlock(t *testing.T, after string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, after+"\n")
	if i < 0 {
		t.Fatalf("README: no line ending with %q", after)
	}
	s = s[i+len(after)+1:]
	open := strings.Index(s, "```")
	start := open + strings.Index(s[open:], "\n") + 1
	end := strings.Index(s[start:], "\n```")
	if open < 0 || end < 0 {
		t.Fatalf("README: no code block after %q", after)
	}
	return s[start : start+end+1]
}

// layerflowOnPath puts a layerflow command on the PATH: this test binary acting as main.
func layerflowOnPath(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	shim := "#!/bin/sh\nLAYERFLOW_TEST_MAIN=1 exec " + shQuote(self) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "layerflow"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// The README's submit script is what layerflow slurm prints for the command above it (run in
// /home/alice/layerflow, the binary built there).
func TestREADMESlurmScript(t *testing.T) {
	want := readmeBlock(t, "`submit.sh` is:")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	code, got, errs := runArgs(t, "slurm", filepath.Join(root, "testdata/sweep-example.yaml"), "--shards", "4", "--cpus", "2",
		"--time", "00:10:00", "--dir", filepath.Join(root, "sweep-example-slurm"))
	if code != 0 {
		t.Fatal(errs)
	}
	self, _ := os.Executable()
	got = strings.ReplaceAll(got, self, "/home/alice/layerflow/layerflow")
	got = strings.ReplaceAll(got, root, "/home/alice/layerflow")
	if got != want {
		t.Errorf("the README's script differs from layerflow slurm's output, which is\n%s", got)
	}
}

// The README's Kubernetes manifests, run as the pods would run them: every index of the
// Indexed Job with JOB_COMPLETION_INDEX set and a local directory as each volume, then the
// merge Job. The merged rows must be those of a local run of the sweep in the ConfigMap, which
// is the example sweep.
func TestREADMEKubernetes(t *testing.T) {
	docs := map[string]map[string]any{}
	for _, block := range []string{readmeBlock(t, "`layerflow-sweep.yaml`:"), readmeBlock(t, "`layerflow-merge.yaml`:")} {
		dec := yaml.NewDecoder(strings.NewReader(block))
		for {
			var d map[string]any
			if err := dec.Decode(&d); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("README manifest: %v", err)
			}
			key := d["kind"].(string) + "/" + get(t, d, "metadata", "name").(string)
			docs[key] = d
		}
	}
	for _, k := range []string{"PersistentVolumeClaim/layerflow-sweep", "ConfigMap/layerflow-sweep", "Job/layerflow-sweep", "Job/layerflow-merge"} {
		if docs[k] == nil {
			t.Fatalf("README manifests: no %s (have %v)", k, slices.Collect(func(yield func(string) bool) {
				for k := range docs {
					if !yield(k) {
						return
					}
				}
			}))
		}
	}
	if m := get(t, docs["PersistentVolumeClaim/layerflow-sweep"], "spec", "accessModes").([]any); len(m) != 1 || m[0] != "ReadWriteMany" {
		t.Errorf("the claim's access modes are %v: every pod writes on it", m)
	}
	tmp := t.TempDir()
	// The sweep file of the ConfigMap is the example's.
	data := get(t, docs["ConfigMap/layerflow-sweep"], "data").(map[string]any)
	cm := filepath.Join(tmp, "configmap")
	os.MkdirAll(cm, 0o755)
	for name, text := range data {
		os.WriteFile(filepath.Join(cm, name), []byte(text.(string)), 0o644)
	}
	inMap, err := sweep.ReadFile(filepath.Join(cm, "sweep.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	example, err := sweep.ReadFile("../../testdata/sweep-example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if inMap.Fingerprint() != example.Fingerprint() {
		t.Errorf("the ConfigMap's sweep is %s, the example's %s", inMap.Fingerprint(), example.Fingerprint())
	}
	// run runs a Job's container as its pod would, each volume a local directory.
	volumeDirs := map[string]string{"layerflow-sweep": filepath.Join(tmp, "claim")} // claim or ConfigMap name → directory
	os.MkdirAll(volumeDirs["layerflow-sweep"], 0o755)
	run := func(job map[string]any, env ...string) (string, error) {
		pod := get(t, job, "spec", "template", "spec").(map[string]any)
		c := get(t, pod, "containers").([]any)[0].(map[string]any)
		vols := map[string]string{}
		for _, v := range get(t, pod, "volumes").([]any) {
			v := v.(map[string]any)
			switch {
			case v["persistentVolumeClaim"] != nil:
				vols[v["name"].(string)] = volumeDirs[get(t, v, "persistentVolumeClaim", "claimName").(string)]
			case v["configMap"] != nil:
				if get(t, v, "configMap", "name") != "layerflow-sweep" {
					t.Fatalf("volume %v: not the ConfigMap", v)
				}
				vols[v["name"].(string)] = cm
			}
		}
		var args []string
		for _, a := range get(t, c, "command").([]any) {
			a := a.(string)
			for _, m := range get(t, c, "volumeMounts").([]any) {
				m := m.(map[string]any)
				dir := vols[m["name"].(string)]
				if dir == "" {
					t.Fatalf("mount %v: no such volume", m)
				}
				a = strings.ReplaceAll(a, m["mountPath"].(string)+"/", dir+"/")
			}
			args = append(args, a)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	layerflowOnPath(t)
	job := docs["Job/layerflow-sweep"]
	spec := get(t, job, "spec").(map[string]any)
	n, _ := spec["completions"].(int)
	if spec["completionMode"] != "Indexed" || n != 4 || spec["parallelism"] != n {
		t.Fatalf("the sweep Job: completionMode %v, completions %v, parallelism %v", spec["completionMode"], spec["completions"], spec["parallelism"])
	}
	merge := docs["Job/layerflow-merge"]
	// Before any shard has run, the merge fails.
	if out, err := run(merge); err == nil || !strings.Contains(out, "shard-0.csv") {
		t.Errorf("merge before the shards: %v, %s", err, out)
	}
	for k := range n {
		out, err := run(job, "JOB_COMPLETION_INDEX="+strconv.Itoa(k))
		if err != nil || !strings.Contains(out, "shard "+strconv.Itoa(k)+"/4 of 384 runs") {
			t.Fatalf("index %d: %v\n%s", k, err, out)
		}
	}
	out, err := run(merge)
	if err != nil || !strings.Contains(out, "all 384 runs, each once") {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	local := filepath.Join(tmp, "local.csv")
	if code, _, errs := runArgs(t, "sweep", "../../testdata/sweep-example.yaml", "--out", local); code != 0 {
		t.Fatal(errs)
	}
	if got, want := sweepRows(t, filepath.Join(volumeDirs["layerflow-sweep"], "all.csv")), sweepRows(t, local); !slices.Equal(got, want) {
		t.Errorf("the Kubernetes shards merged: %d rows, a local run: %d, or they differ", len(got), len(want))
	}
}

// get follows keys through decoded YAML maps.
func get(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("manifest: no %q in %v", k, v)
		}
		v = m[k]
	}
	return v
}
