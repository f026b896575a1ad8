package sweep

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Run is one run of a sweep: its place in the run set and its parameters. Parameters a
// method does not use are NaN (floats) or 0 (integers) and are left empty in the rows.
type Run struct {
	// Index is the run's place in the run set, 0..Len()−1, the same whatever the worker
	// count or sharding.
	Index int
	// Method is flow, modified, gd, noisy-gd or sgd.
	Method string
	Depth  int
	// W0 is the starting point (its own slice).
	W0    []float64
	LR    float64 // NaN for a flow whose horizon is t_end
	WD    float64
	Noise float64 // NaN for gd
	Batch int     // 0 unless sgd
	// Steps is the number of steps of a discrete run (round(t_end/λ) when the horizon is
	// t_end), or the horizon steps·λ of a flow when the horizon is steps; 0 otherwise.
	Steps int
	// TEnd is the end time: the swept t_end, or steps·λ when the horizon is given in steps.
	// A discrete run with a t_end horizon takes round(t_end/λ) steps and ends at steps·λ.
	TEnd float64
	// Replicate is the label of a random run's repeat (noisy-gd, sgd), from Spec.Seeds; −1
	// otherwise.
	Replicate int
	// Seed seeds the run's generator (0 for deterministic runs): it derives from the sweep
	// seed and the run's parameters only.
	Seed uint64
}

// Random reports whether the run draws random numbers.
func (r *Run) Random() bool { return r.Method == "noisy-gd" || r.Method == "sgd" }

// Discrete reports whether the run is a discrete method.
func (r *Run) Discrete() bool { return r.Method == "gd" || r.Random() }

// block is the part of the run set with one method and one depth; its runs are the product
// of the dimensions, the last varying fastest.
type block struct {
	method string
	depth  int
	offset int
	count  int
	dims   [nDims]int
	starts int
}

const (
	dStart = iota
	dLR
	dWD
	dNoise
	dBatch
	dHorizon
	dRep
	nDims
)

func (s *Spec) layout() error {
	s.blocks = nil
	total := 0
	for _, m := range s.Method {
		for _, d := range s.Depth {
			b := block{method: m, depth: d, offset: total, starts: s.Start.count(d)}
			b.dims = [nDims]int{b.starts, 1, len(s.WD), 1, 1, 1, 1}
			if m != "flow" || s.Steps != nil {
				b.dims[dLR] = len(s.LR)
			}
			if m != "gd" {
				b.dims[dNoise] = len(s.Noise)
			}
			if m == "sgd" {
				b.dims[dBatch] = len(s.Batch)
			}
			b.dims[dHorizon] = max(len(s.Steps), len(s.TEnd))
			if m == "noisy-gd" || m == "sgd" {
				b.dims[dRep] = len(s.Seeds)
			}
			b.count = 1
			for _, n := range b.dims {
				if n < 1 {
					return fmt.Errorf("empty dimension for %s at depth %d", m, d)
				}
				if b.count > MaxRuns/n {
					return fmt.Errorf("more than %d runs", MaxRuns)
				}
				b.count *= n
			}
			if total > MaxRuns-b.count {
				return fmt.Errorf("more than %d runs", MaxRuns)
			}
			total += b.count
			s.blocks = append(s.blocks, b)
		}
	}
	s.total = total
	return nil
}

// index groups the listed points by depth, in their order, so that a run finds its point
// at once (with 10⁶ points a scan per run would make a sweep quadratic).
func (st *Starts) index() {
	st.byDepth = map[int][][]float64{}
	for _, p := range st.Points {
		st.byDepth[len(p)] = append(st.byDepth[len(p)], p)
	}
}

// count returns the number of starting points of depth d.
func (st *Starts) count(d int) int {
	n := len(st.byDepth[d])
	if b := st.Grid; b != nil && b.fits(d) {
		g := 1
		for i := range d {
			k := at(b.Num, i)
			if g > MaxRuns/k {
				return MaxRuns + 1
			}
			g *= k
		}
		n += g
	}
	if b := st.Random; b != nil && b.fits(d) {
		n += b.Count
	}
	return n
}

// Run returns the parameters of run i. It panics if i is outside 0..Len()−1.
func (s *Spec) Run(i int) Run {
	if i < 0 || i >= s.total {
		panic("sweep: run index out of range")
	}
	k := sort.Search(len(s.blocks), func(k int) bool { return s.blocks[k].offset+s.blocks[k].count > i })
	b := &s.blocks[k]
	var idx [nDims]int
	rem := i - b.offset
	for d := nDims - 1; d >= 0; d-- {
		idx[d] = rem % b.dims[d]
		rem /= b.dims[d]
	}
	r := Run{Index: i, Method: b.method, Depth: b.depth, LR: math.NaN(), Noise: math.NaN(), Replicate: -1}
	r.W0 = s.start(b.depth, idx[dStart])
	if b.dims[dLR] > 1 || b.method != "flow" || s.Steps != nil {
		r.LR = s.LR[idx[dLR]]
	}
	r.WD = s.WD[idx[dWD]]
	if b.method != "gd" {
		r.Noise = s.Noise[idx[dNoise]]
	}
	if b.method == "sgd" {
		r.Batch = s.Batch[idx[dBatch]]
	}
	if s.Steps != nil {
		r.Steps = s.Steps[idx[dHorizon]]
		r.TEnd = float64(r.Steps) * r.LR
	} else {
		r.TEnd = s.TEnd[idx[dHorizon]]
		if r.Discrete() {
			// The swept t_end stays the run's label; the last iterate sits at steps·λ
			// (column t_final).
			r.Steps = max(1, int(math.Round(r.TEnd/r.LR)))
		}
	}
	if r.Random() {
		r.Replicate = s.Seeds[idx[dRep]]
		r.Seed = derive(s.Seed, r.key())
	}
	return r
}

// gridPoint returns point j of the n > 1 points from lo to hi, lo + (hi − lo)·j/(n − 1).
func gridPoint(lo, hi float64, j, n int) float64 {
	if math.IsInf(hi-lo, 0) {
		return between(lo, hi, float64(j)/float64(n-1))
	}
	return lo + (hi-lo)*float64(j)/float64(n-1)
}

// between returns lo + (hi − lo)·u for u in [0, 1], finite also where hi − lo overflows.
// Every product is rounded before the sum (float64(·)), so that a build that fuses
// multiply-adds (GOAMD64=v3, arm64) draws the same points as any other: the shards of one
// sweep may run on both.
func between(lo, hi, u float64) float64 {
	if math.IsInf(hi-lo, 0) {
		return float64(lo*(1-u)) + float64(hi*u)
	}
	return lo + float64((hi-lo)*u)
}

// key is the run's identity: its parameters, written out.
func (r *Run) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|", r.Method, r.Depth)
	for i, w := range r.W0 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(w, 'g', -1, 64))
	}
	fmt.Fprintf(&b, "|%v|%v|%v|%d|%d|%v|%d", r.LR, r.WD, r.Noise, r.Batch, r.Steps, r.TEnd, r.Replicate)
	return b.String()
}

// derive mixes the sweep seed with a string (FNV-1a, then the SplitMix64 finalizer), so that
// a run's seed depends on nothing but the sweep seed and the run's identity.
func derive(seed uint64, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	z := seed*0x9e3779b97f4a7c15 ^ h.Sum64()
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// start returns starting point k of depth d: the listed points of that depth first, then the
// grid (the last weight varying fastest), then the random points.
func (s *Spec) start(d, k int) []float64 {
	st := &s.Start
	if pts := st.byDepth[d]; k < len(pts) {
		return slices.Clone(pts[k])
	}
	k -= len(st.byDepth[d])
	w := make([]float64, d)
	if b := st.Grid; b != nil && b.fits(d) {
		g := 1
		for i := range d {
			g *= at(b.Num, i)
		}
		if k < g {
			for i := d - 1; i >= 0; i-- {
				n := at(b.Num, i)
				j := k % n
				k /= n
				lo, hi := at(b.Min, i), at(b.Max, i)
				if n == 1 {
					w[i] = 0.5 * (lo + hi)
				} else {
					w[i] = gridPoint(lo, hi, j, n)
				}
			}
			return w
		}
		k -= g
	}
	b := st.Random
	seed := s.Seed
	if b.Seed != 0 {
		seed = b.Seed
	}
	src := derive(seed, fmt.Sprintf("start|%d|%d", d, k))
	rng := rand.New(rand.NewPCG(src, src))
	for i := range w {
		lo, hi := at(b.Min, i), at(b.Max, i)
		w[i] = between(lo, hi, rng.Float64())
	}
	return w
}
