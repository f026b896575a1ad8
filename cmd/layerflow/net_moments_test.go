package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	datasets "github.com/layerflow/layerflow/flow/dataset"
)

// writeIDXMNIST writes n random 28×28 images and digit labels as gzipped IDX files, in
// MNIST's layout (LeCun's format: magic 0x0000TTDD, big-endian sizes, the bytes).
func writeIDXMNIST(t *testing.T, dir string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(9, 9))
	write := func(name string, dims []int, data []byte) {
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write([]byte{0, 0, 0x08, byte(len(dims))})
		for _, d := range dims {
			binary.Write(z, binary.BigEndian, uint32(d))
		}
		z.Write(data)
		z.Close()
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pix := make([]byte, n*784)
	for i := range pix {
		pix[i] = byte(rng.IntN(256))
	}
	lab := make([]byte, n)
	for k := range lab {
		lab[k] = byte(rng.IntN(10))
	}
	write("train-images-idx3-ubyte.gz", []int{n, 28, 28}, pix)
	write("train-labels-idx1-ubyte.gz", []int{n}, lab)
}

// TestNetDataRoutes: gd, flow and compare with --widths read only the moments of the data
// (streamed for MNIST), sgd and noisy GD the samples. Both routes give the same start: the
// first record of gd equals that of noisy GD (which loads the samples) bit for bit without
// preprocessing, the raw MNIST moments being equal bit for bit; the summaries record the
// data as dataset.Open does, and the sample count reaches the output and the --batch check.
func TestNetDataRoutes(t *testing.T) {
	data := t.TempDir()
	const n = 40
	writeIDXMNIST(t, data, n)
	spec := "mnist:" + data
	common := []string{"--widths", "784,3,10", "--data", spec, "--init", "orthogonal", "--seed", "2", "--top-k", "2"}
	run := func(args ...string) (string, string) {
		t.Helper()
		dir := t.TempDir()
		code, out, errs := runArgs(t, append(append(args, common...), "--out", dir)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s %s", args, code, out, errs)
		}
		return dir, out
	}
	firstRecord := func(dir string) string {
		b, err := os.ReadFile(filepath.Join(dir, "records.csv"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(b), "\n")[1]
	}
	gd, out := run("gd", "--steps", "3", "--lr", "0.01")
	if !strings.Contains(out, "on mnist (40 samples)") {
		t.Errorf("gd: output does not give the samples: %s", out)
	}
	noisy, _ := run("gd", "--steps", "3", "--lr", "0.01", "--noise", "0.2")
	if a, b := firstRecord(gd), firstRecord(noisy); a != b {
		t.Errorf("first record of gd (moments) %q and of noisy GD (samples) %q differ", a, b)
	}
	sgd, _ := run("sgd", "--steps", "3", "--lr", "0.01", "--batch", "8")
	flowDir, _ := run("flow", "--t-end", "0.05")
	cmp, _ := run("compare", "--steps", "2", "--lr", "0.01")

	set, err := datasets.Open(spec, datasets.Options{Outputs: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(set.Info)
	for _, dir := range []string{gd, noisy, sgd, flowDir, cmp} {
		got, _ := json.Marshal(readSummary(t, dir)["data"])
		var a, b map[string]any
		json.Unmarshal(got, &a)
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: summary data %s, want %s", dir, got, want)
		}
	}

	// The sample count of both routes bounds --batch.
	code, _, errs := runArgs(t, append(append([]string{"sgd", "--batch", "41"}, common...), "--out", t.TempDir())...)
	if code == 0 || !strings.Contains(errs, "--batch 41: must be between 1 and the 40 samples") {
		t.Errorf("sgd --batch 41: exit %d, %s", code, errs)
	}
	// A data error names the data on the moments route as on the samples route.
	for _, cmd := range []string{"gd", "sgd"} {
		code, _, errs := runArgs(t, cmd, "--widths", "784,3,10", "--data", "mnist:"+filepath.Join(data, "nope"), "--out", t.TempDir())
		if code == 0 || !strings.Contains(errs, "--data mnist:") || !strings.Contains(errs, "not a readable directory") {
			t.Errorf("%s on a missing directory: exit %d, %s", cmd, code, errs)
		}
	}
	code, _, errs = runArgs(t, "gd", "--widths", "784,3,9", "--data", spec, "--out", t.TempDir())
	if code == 0 || !strings.Contains(errs, "784 inputs and 10 outputs") {
		t.Errorf("gd with widths that miss the data: exit %d, %s", code, errs)
	}
}
