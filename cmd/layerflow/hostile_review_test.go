package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A report written into the directory of an earlier one replaces its files: the data and
// figures of claims it does not run are removed when its set is made visible, and a refused
// run leaves the earlier report whole. Files of other names stay.
func TestReproduceReplacesStaleClaims(t *testing.T) {
	dir := t.TempDir()
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	if code, _, errs := runArgs(t, "reproduce", "--only", "1,2", "--quick", "--figures=false", "--out", dir); code != 0 {
		t.Fatalf("first report: %s", errs)
	}
	if !exists("claim1-conservation.csv") || !exists("claim2-flatness.csv") {
		t.Fatal("the first report lacks its data")
	}
	os.WriteFile(filepath.Join(dir, "claim1-old.png"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	if code, _, _ := runArgs(t, "reproduce", "--only", "2", "--quick", "--seed", "0", "--out", dir); code != 2 {
		t.Fatalf("--seed 0: exit %d, want 2", code)
	}
	if !exists("claim1-conservation.csv") || !exists("claim1-old.png") {
		t.Fatal("a refused run removed the earlier report's files")
	}
	if code, _, errs := runArgs(t, "reproduce", "--only", "2", "--quick", "--figures=false", "--seed", "7", "--out", dir); code != 0 {
		t.Fatalf("second report: %s", errs)
	}
	for _, name := range []string{"claim1-conservation.csv", "claim1-old.png"} {
		if exists(name) {
			t.Errorf("%s of the earlier report is left beside the new one", name)
		}
	}
	for _, name := range []string{"claim2-flatness.csv", "report.md", "summary.json", "notes.txt"} {
		if !exists(name) {
			t.Errorf("%s is missing", name)
		}
	}
}

// A run restarted from a checkpoint of its own directory keeps that checkpoint: the stale
// checkpoints its set replaces are never its inputs.
func TestRestartKeepsInputCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "checkpoints", "step-000000020.npz")
	if code, _, errs := runArgs(t, "gd", "--widths", "3,2,2", "--samples", "20", "--steps", "20", "--out", dir); code != 0 {
		t.Fatalf("first run: %s", errs)
	}
	if code, _, errs := runArgs(t, "gd", "--widths", "3,2,2", "--samples", "20", "--steps", "5", "--init", ck, "--out", dir); code != 0 {
		t.Fatalf("restart: %s", errs)
	}
	for _, name := range []string{"step-000000000.npz", "step-000000005.npz", "step-000000020.npz"} {
		if _, err := os.Stat(filepath.Join(dir, "checkpoints", name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A plane much wider than tall, within the aspect the ranges allow, is drawn (its canvas was
// lower than its own padding, and the figure's height came out NaN).
func TestPortraitWidePlane(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--from", "2,0.25", "--xrange=0,3", "--yrange=0,0.2"},
		{"--from", "0.5,0.05", "--xrange=0,1", "--yrange=0.9,1"},
	} {
		out := filepath.Join(dir, "p.svg")
		if code, _, errs := runArgs(t, append(append([]string{"portrait"}, args...), "--out", out)...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
}
