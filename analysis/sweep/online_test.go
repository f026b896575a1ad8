package sweep

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// sameOutcome reports whether two outcomes are equal to the bit (NaN equal to NaN).
func sameOutcome(a, b outcome) bool {
	fa := []float64{a.tFinal, a.loss, a.W, a.imb0, a.imb, a.d12, a.sharp, a.phaseT, a.tBal}
	fb := []float64{b.tFinal, b.loss, b.W, b.imb0, b.imb, b.d12, b.sharp, b.phaseT, b.tBal}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) && !(math.IsNaN(fa[i]) && math.IsNaN(fb[i])) {
			return false
		}
	}
	return a.status == b.status && a.steps == b.steps && a.evals == b.evals
}

// The columns of a GD run computed while it steps (alone, or as a lane of a batch of any size)
// are those of the recorded trajectory and the post-hoc analysis, to the bit: every depth,
// learning rates from slow to diverging, weight decay, starts at saddles and on the balanced
// lines, and record intervals of 1 and more.
func TestOnlineMatchesRecorded(t *testing.T) {
	for _, text := range []string{`
method: [gd]
lr: {from: 0.001, to: 1.5, num: 9, scale: log}
wd: [0, 0.05]
depth: [2, 3]
steps: [1000, 2999]
start:
  points: [[2, 0.25], [0, 0], [1, 1, 0.5], [0.5, -0.5], [1, 1], [0, 1.5], [2, 0, 1]]
  grid: {min: -2, max: 2, num: 4}
`, `
method: [gd]
lr: [0.01, 0.3, 1.2]
depth: [2, 4]
steps: [700]
record: 50
start:
  grid: {min: -1.5, max: 1.5, num: 3}
`} {
		s := spec(t, text)
		w := &worker{s: s}
		var all []int
		for i := range s.Len() {
			r := s.Run(i)
			want, err := w.discrete(&r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.gdOnline(&r)
			if err != nil {
				t.Fatal(err)
			}
			if !sameOutcome(got, want) {
				t.Fatalf("run %d (%s): online %+v, recorded %+v", i, r.key(), got, want)
			}
			all = append(all, i)
		}
		// In chunks of several sizes, the rows are the same as alone (up to the seconds).
		var alone []byte
		for _, size := range []int{1, 7, 64, len(all)} {
			var rows []byte
			for lo := 0; lo < len(all); lo += size {
				r := w.chunk(all[lo:min(lo+size, len(all))])
				if r.err != nil {
					t.Fatal(r.err)
				}
				rows = append(rows, r.line...)
			}
			if size == 1 {
				alone = rows
				continue
			}
			if stripSeconds(rows) != stripSeconds(alone) {
				t.Errorf("chunks of %d: rows differ from runs done alone", size)
			}
		}
	}
}

// stripSeconds drops the last column of every row.
func stripSeconds(b []byte) string {
	var out []byte
	for len(b) > 0 {
		end := 0
		for b[end] != '\n' {
			end++
		}
		line := b[:end]
		cut := len(line)
		for cut > 0 && line[cut-1] != ',' {
			cut--
		}
		out = append(out, line[:cut]...)
		out = append(out, '\n')
		b = b[end+1:]
	}
	return string(out)
}

// The AVX2 step gives every lane the numbers of the scalar step, to the bit: lanes that
// diverge early or late, reach a fixed point (at a saddle, on the manifold of minima) or run
// to the end, in batches whose live lanes are moved together as others leave.
func TestGD2Vector(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, size := range []int{8, 9, 61, 256} {
		var vec, sca gd2
		for _, g := range []*gd2{&vec, &sca} {
			g.reset(1500, 1e8)
		}
		sca.scalar = true
		for range size {
			a, b := -2.5+5*rng.Float64(), -2.5+5*rng.Float64()
			switch rng.IntN(6) {
			case 0:
				a, b = 0, 0 // the saddle: a fixed point at once
			case 1:
				b = a // balanced
			case 2:
				b = 1 / a // on the manifold of minima
			}
			lr := math.Pow(10, -3+3.3*rng.Float64()) // up to 2: many diverge
			wd := []float64{0, 0.01, 0.3}[rng.IntN(3)]
			thr := 0.01 * math.Abs(a*a-b*b)
			vec.add(a, b, lr, wd, thr)
			sca.add(a, b, lr, wd, thr)
		}
		vec.run()
		sca.run()
		for j := range size {
			tv, pv, bv, lv := vec.result(j)
			ts, ps, bs, ls := sca.result(j)
			same := func(x, y float64) bool {
				return math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y)
			}
			if tv != ts || !same(pv, ps) || !same(bv, bs) || !same(lv[0], ls[0]) || !same(lv[1], ls[1]) {
				t.Fatalf("size %d, lane %d: vector %v %v %v %v, scalar %v %v %v %v", size, j, tv, pv, bv, lv, ts, ps, bs, ls)
			}
		}
	}
}

// formatPlain is format without caches: every number converted where it is written.
func formatPlain(w *worker, r *Run, oc *outcome, sec float64) string {
	var b []byte
	integer := func(v int, present bool) {
		if present {
			b = strconv.AppendInt(b, int64(v), 10)
		}
		b = append(b, ',')
	}
	integer(r.Index, true)
	integer(w.s.Len(), true)
	b = append(b, w.s.print...)
	b = append(b, ',')
	b = append(b, r.Method...)
	b = append(b, ',')
	integer(r.Depth, true)
	for k, v := range r.W0 {
		if k > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	b = append(b, ',')
	for _, v := range []float64{r.LR, r.WD, r.Noise} {
		b = num(b, v)
	}
	integer(r.Batch, r.Batch > 0)
	integer(r.Steps, r.Steps > 0)
	b = num(b, r.TEnd)
	integer(r.Replicate, r.Replicate >= 0)
	if r.Random() {
		b = strconv.AppendUint(b, r.Seed, 10)
	}
	b = append(b, ',')
	b = append(b, oc.status...)
	b = append(b, ',')
	integer(oc.steps, true)
	integer(oc.evals, !r.Discrete())
	for _, v := range []float64{oc.tFinal, oc.loss, oc.W, oc.imb0, oc.imb, oc.d12, oc.sharp, oc.phaseT, oc.tBal} {
		b = num(b, v)
	}
	b = strconv.AppendFloat(b, sec, 'g', 4, 64)
	return string(append(b, '\n'))
}

// The caches of format change no byte: rows of every method, depths 2 and 3, negative,
// zero and missing numbers, the same seconds many times.
func TestFormatCaches(t *testing.T) {
	s := spec(t, small)
	w := &worker{s: s}
	for i := range s.Len() {
		r := s.Run(i)
		oc, err := w.do(&r)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range []float64{1.25e-5, 1.25e-5, 0.5} {
			if got, want := string(w.format(nil, &r, &oc, sec)), formatPlain(w, &r, &oc, sec); got != want {
				t.Fatalf("run %d: row\n%s, want\n%s", i, got, want)
			}
		}
	}
	// D_12 = −0, 0 and negative with ‖D‖ = |D_12|.
	r := s.Run(0)
	for _, d12 := range []float64{math.Copysign(0, -1), 0, -2.5, 3} {
		oc := outcome{status: "success", d12: d12, imb: math.Abs(d12), phaseT: math.NaN()}
		if got, want := string(w.format(nil, &r, &oc, 1)), formatPlain(w, &r, &oc, 1); got != want {
			t.Errorf("D_12 = %v: row\n%s, want\n%s", d12, got, want)
		}
	}
}
