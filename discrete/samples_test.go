package discrete_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/dataset"
)

var _ discrete.Samples = (*dataset.Set)(nil)

// writeByteMNIST writes n random images (28×28 bytes, half of the pixels 0) and digit labels
// to dir as MNIST's plain IDX files.
func writeByteMNIST(t testing.TB, dir string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	img := binary.BigEndian.AppendUint32([]byte{0, 0, 8, 3}, uint32(n))
	img = binary.BigEndian.AppendUint32(img, 28)
	img = binary.BigEndian.AppendUint32(img, 28)
	for i := 0; i < n*784; i++ {
		var b byte
		if rng.IntN(2) == 0 {
			b = byte(rng.IntN(256))
		}
		img = append(img, b)
	}
	lab := binary.BigEndian.AppendUint32([]byte{0, 0, 8, 1}, uint32(n))
	for k := 0; k < n; k++ {
		lab = append(lab, byte(rng.IntN(10)))
	}
	for name, b := range map[string][]byte{"train-images-idx3-ubyte": img, "train-labels-idx1-ubyte": lab} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// recorder wraps samples and keeps a copy of every batch they write.
type recorder struct {
	discrete.Samples
	batches [][]float64
}

func (r *recorder) Gather(dx, dy []float64, idx []int) {
	r.Samples.Gather(dx, dy, idx)
	r.batches = append(r.batches, append(append([]float64(nil), dx...), dy...))
}

func (r *recorder) GatherRange(dx, dy []float64, lo, hi int) {
	r.Samples.GatherRange(dx, dy, lo, hi)
	r.batches = append(r.batches, append(append([]float64(nil), dx...), dy...))
}

func bitsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestNetStepperCompactSamples: SGD, noisy SGD (in epochs and with independent batches) and
// noisy GD from a compact byte set gather the batches of the float64 set bit for bit and
// take the same iterates bit for bit, for the preprocessings none and center; 300 samples
// at batch 64 end every epoch with a partial batch.
func TestNetStepperCompactSamples(t *testing.T) {
	dir := t.TempDir()
	writeByteMNIST(t, dir, 300, 11)
	widths := []int{784, 6, 10}
	for _, prep := range []dataset.Prep{dataset.PrepNone, dataset.PrepCenter} {
		dense, err := dataset.Open("mnist:"+dir, dataset.Options{Prep: prep})
		if err != nil {
			t.Fatal(err)
		}
		compact, err := dataset.Open("mnist:"+dir, dataset.Options{Prep: prep, Compact: true})
		if err != nil {
			t.Fatal(err)
		}
		if !compact.Compact() || dense.Compact() {
			t.Fatalf("%v: compact %v, float64 %v", prep, compact.Compact(), dense.Compact())
		}
		m := dense.Moments()
		net, err := flow.NewNet(widths, flow.Stats{Sxx: m.Sxx, Syx: m.Syx, Syy: m.Syy}, 0.01, 0)
		if err != nil {
			t.Fatal(err)
		}
		w0, err := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 2}.Draw(widths)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			batch int
			noise float64
			indep bool
			label string
		}{{64, 0, false, "sgd"}, {64, 0.1, false, "noisy-sgd"}, {64, 0, true, "sgd"}, {0, 0.1, false, "noisy-gd"}} {
			s := &discrete.Settings{LR: 0.002, Batch: c.batch, IndependentBatches: c.indep, Seed: 5}
			var rec [2]*recorder
			var st [2]*discrete.NetStepper
			for i, set := range []*dataset.Set{dense, compact} {
				rec[i] = &recorder{Samples: set}
				if st[i], err = discrete.NewNetStepper(discrete.NetProblem{Model: net, Samples: rec[i], Noise: c.noise}, w0, s); err != nil {
					t.Fatal(err)
				}
			}
			// The float64 rows through X and Y, as before Samples existed.
			old, err := discrete.NewNetStepper(discrete.NetProblem{Model: net, X: dense.X, Y: dense.Y, Noise: c.noise}, w0, s)
			if err != nil {
				t.Fatal(err)
			}
			if st[1].Label() != c.label {
				t.Errorf("label %q, want %q", st[1].Label(), c.label)
			}
			for k := 0; k < 12; k++ {
				st[0].Step()
				st[1].Step()
				old.Step()
				if !bitsEqual(st[1].W(), st[0].W()) || !bitsEqual(st[1].W(), old.W()) {
					t.Fatalf("%v %s batch %d: iterate %d differs between the stores", prep, c.label, c.batch, k+1)
				}
			}
			if len(rec[0].batches) == 0 || len(rec[0].batches) != len(rec[1].batches) {
				t.Fatalf("%v %s: %d and %d batches gathered", prep, c.label, len(rec[0].batches), len(rec[1].batches))
			}
			for b := range rec[0].batches {
				if !bitsEqual(rec[0].batches[b], rec[1].batches[b]) {
					t.Fatalf("%v %s: batch %d differs between the stores", prep, c.label, b)
				}
			}
		}
	}
}

// TestNetStepperSamplesNoAlloc: a step that gathers from a compact set does not allocate.
func TestNetStepperSamplesNoAlloc(t *testing.T) {
	dir := t.TempDir()
	writeByteMNIST(t, dir, 100, 3)
	set, err := dataset.Open("mnist:"+dir, dataset.Options{Prep: dataset.PrepCenter, Compact: true})
	if err != nil {
		t.Fatal(err)
	}
	m := set.Moments()
	widths := []int{784, 4, 10}
	net, _ := flow.NewNet(widths, flow.Stats{Sxx: m.Sxx, Syx: m.Syx, Syy: m.Syy}, 0, 0)
	w0, _ := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 1}.Draw(widths)
	for _, c := range []struct {
		batch int
		noise float64
	}{{8, 0}, {8, 0.2}, {0, 0.2}} {
		s, err := discrete.NewNetStepper(discrete.NetProblem{Model: net, Samples: set, Noise: c.noise}, w0, &discrete.Settings{LR: 0.001, Batch: c.batch})
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(20, s.Step); a != 0 {
			t.Errorf("%s: Step allocates %v times", s.Label(), a)
		}
	}
}

// TestNetProblemSamplesBad: samples given twice, half given, or of other widths are errors.
func TestNetProblemSamplesBad(t *testing.T) {
	set, err := dataset.Open("teacher", dataset.Options{Inputs: 3, OutputsDim: 2, Samples: 10})
	if err != nil {
		t.Fatal(err)
	}
	m := set.Moments()
	st := flow.Stats{Sxx: m.Sxx, Syx: m.Syx, Syy: m.Syy}
	net, _ := flow.NewNet([]int{3, 2, 2}, st, 0, 0)
	w0 := make([]float64, net.Dim())
	other, err := dataset.Open("teacher", dataset.Options{Inputs: 4, OutputsDim: 2, Samples: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    discrete.NetProblem
		want string
	}{
		{discrete.NetProblem{Model: net, Samples: set, X: set.X, Y: set.Y}, "samples given twice"},
		{discrete.NetProblem{Model: net, X: set.X}, "both X and Y"},
		{discrete.NetProblem{Model: net, Samples: other}, "do not fit widths"},
	} {
		_, err := discrete.NewNetStepper(c.p, w0, &discrete.Settings{LR: 0.1, Batch: 2})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "discrete: ") {
			t.Errorf("error %v, want one naming %q", err, c.want)
		}
	}
}

// BenchmarkNetSGD128MNIST times an SGD step at batch 128 on MNIST (the module's training
// set, centred; widths 784, 256, 256, 10) with the samples held as float64 and as bytes.
func BenchmarkNetSGD128MNIST(b *testing.B) {
	for _, compact := range []bool{false, true} {
		name := "float64"
		if compact {
			name = "bytes"
		}
		b.Run(name, func(b *testing.B) {
			set, err := dataset.Open("mnist", dataset.Options{Prep: dataset.PrepCenter, Compact: compact})
			if err != nil {
				b.Skip(err)
			}
			m := set.Moments()
			net, err := flow.NewNet(benchWidths, flow.Stats{Sxx: m.Sxx, Syx: m.Syx, Syy: m.Syy}, 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			w0, err := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 1}.Draw(benchWidths)
			if err != nil {
				b.Fatal(err)
			}
			benchNetSteps(b, discrete.NetProblem{Model: net, Samples: set}, w0, 128)
		})
	}
}
