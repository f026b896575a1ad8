package sweep

import "math"

// gd2v holds the lanes of gd2 as arrays, for the AVX2 steps (gd2Group8AVX2): the integers
// start and bal as float64 (exact), the flags inf and alive as masks (all bits set or none).
// Lanes past the last are padding, never alive.
type gd2v struct {
	w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive []float64
	args                                                   gd2args
}

var allBits = math.Float64frombits(^uint64(0))

// resize gives every array n lanes.
func (v *gd2v) resize(n int) {
	for _, a := range v.arrays() {
		*a = grow(*a, n)
	}
}

func (v *gd2v) arrays() [11]*[]float64 {
	return [11]*[]float64{&v.w0, &v.w1, &v.s0, &v.s1, &v.lr, &v.decay, &v.thr, &v.start, &v.bal, &v.inf, &v.alive}
}

// grow returns b resliced to length n, reallocated if its capacity is less.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// point sets the array pointers of args.
func (v *gd2v) point() {
	a := &v.args
	a.w0, a.w1, a.s0, a.s1 = &v.w0[0], &v.w1[0], &v.s0[0], &v.s1[0]
	a.lr, a.decay, a.thr = &v.lr[0], &v.decay[0], &v.thr[0]
	a.start, a.bal, a.inf, a.alive = &v.start[0], &v.bal[0], &v.inf[0], &v.alive[0]
}

// load copies lane l into place j, alive.
func (v *gd2v) load(j int, l *lane2) {
	v.w0[j], v.w1[j], v.s0[j], v.s1[j] = l.w0, l.w1, l.s0, l.s1
	v.lr[j], v.decay[j], v.thr[j] = l.lr, l.decay, l.thr
	v.start[j], v.bal[j] = float64(l.start), float64(l.bal)
	v.inf[j] = 0
	if l.inf != 0 {
		v.inf[j] = allBits
	}
	v.alive[j] = allBits
}

// store copies place j back into lane l.
func (v *gd2v) store(j int, l *lane2) {
	l.w0, l.w1, l.s0, l.s1 = v.w0[j], v.w1[j], v.s0[j], v.s1[j]
	l.start, l.bal = int(v.start[j]), int(v.bal[j])
	l.inf = 0
	if math.Float64bits(v.inf[j]) != 0 {
		l.inf = 1
	}
}

// runVec is run with four lanes to an instruction, eight lanes at a time with their state
// in registers. A lane that leaves (diverged, or at a fixed point) is stored back and is no
// longer alive; its group goes on with the others.
func (g *gd2) runVec() {
	lanes := g.lanes
	v := &g.v
	n := (len(lanes) + 7) &^ 7
	v.resize(n)
	for j := range lanes {
		v.load(j, &lanes[j])
	}
	for j := len(lanes); j < n; j++ {
		for _, a := range v.arrays() {
			(*a)[j] = 0
		}
	}
	v.point()
	v.args.bound = [4]float64{g.bound, g.bound, g.bound, g.bound}
	v.args.steps = g.steps
	for j := 0; j < n; j += 8 {
		live := min(8, len(lanes)-j)
		for k := 1; k <= g.steps && live > 0; k++ {
			var exits uint64
			k, exits = gd2Group8AVX2(&v.args, j, k)
			for b := range 8 {
				if exits&(1<<b) == 0 {
					continue
				}
				l := &lanes[j+b]
				v.store(j+b, l)
				// As run: a step that leaves the iterate unchanged is a fixed point (all
				// steps taken); otherwise the step left the bound.
				w0, w1 := l.w0, l.w1
				lrho := l.lr * (w0*w1 - 1)
				n0, n1 := l.decay*w0-lrho*w1, l.decay*w1-lrho*w0
				l.taken = k - 1
				if n0 == w0 && n1 == w1 {
					l.taken = g.steps
				}
				v.alive[j+b] = 0
				live--
			}
		}
		for b := range min(8, len(lanes)-j) {
			if math.Float64bits(v.alive[j+b]) != 0 {
				l := &lanes[j+b]
				v.store(j+b, l)
				l.taken = g.steps
			}
		}
	}
}
