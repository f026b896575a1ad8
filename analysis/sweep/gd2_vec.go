package sweep

import "math"

// gd2v holds the lanes of gd2 as arrays, for the AVX2 step (gd2StepAVX2): the integers start
// and bal as float64 (exact), the flags inf, alive and exit as masks (all bits set or none).
// Lanes past the live ones are padding, never alive.
type gd2v struct {
	w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive, exit []float64
	id                                                           []int // the lane of gd2.lanes, −1 for padding
	args                                                         gd2args
}

var allBits = math.Float64frombits(^uint64(0))

// resize gives every array n lanes.
func (v *gd2v) resize(n int) {
	for _, a := range v.arrays() {
		*a = grow(*a, n)
	}
	v.id = grow(v.id, n)
}

func (v *gd2v) arrays() [12]*[]float64 {
	return [12]*[]float64{&v.w0, &v.w1, &v.s0, &v.s1, &v.lr, &v.decay, &v.thr, &v.start, &v.bal, &v.inf, &v.alive, &v.exit}
}

// grow returns b resliced to length n, reallocated if its capacity is less.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// point sets the array pointers of args for n lanes.
func (v *gd2v) point(n int) {
	a := &v.args
	a.w0, a.w1, a.s0, a.s1 = &v.w0[0], &v.w1[0], &v.s0[0], &v.s1[0]
	a.lr, a.decay, a.thr = &v.lr[0], &v.decay[0], &v.thr[0]
	a.start, a.bal, a.inf, a.alive, a.exit = &v.start[0], &v.bal[0], &v.inf[0], &v.alive[0], &v.exit[0]
	a.n = n
}

// load copies lane l into place j (id i), alive.
func (v *gd2v) load(j, i int, l *lane2) {
	v.w0[j], v.w1[j], v.s0[j], v.s1[j] = l.w0, l.w1, l.s0, l.s1
	v.lr[j], v.decay[j], v.thr[j] = l.lr, l.decay, l.thr
	v.start[j], v.bal[j] = float64(l.start), float64(l.bal)
	v.inf[j] = 0
	if l.inf != 0 {
		v.inf[j] = allBits
	}
	v.alive[j], v.exit[j], v.id[j] = allBits, 0, i
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

// pad makes places j.. up to n padding.
func (v *gd2v) pad(j, n int) {
	for ; j < n; j++ {
		for _, a := range v.arrays() {
			(*a)[j] = 0
		}
		v.id[j] = -1
	}
}

// runVec is run with four lanes to an instruction. A lane that leaves (diverged, or at a
// fixed point) is stored back at once; when half the places are not alive, the live lanes
// move to the front.
func (g *gd2) runVec() {
	lanes := g.lanes
	v := &g.v
	n := (len(lanes) + 3) &^ 3
	v.resize(n)
	for j := range lanes {
		v.load(j, j, &lanes[j])
	}
	v.pad(len(lanes), n)
	v.point(n)
	v.args.bound = g.bound
	live := len(lanes)
	for k := 1; k <= g.steps && live > 0; k++ {
		v.args.k, v.args.km1 = float64(k), float64(k-1)
		if gd2StepAVX2(&v.args) == 0 {
			continue
		}
		for j := range n {
			if math.Float64bits(v.exit[j]) == 0 {
				continue
			}
			l := &lanes[v.id[j]]
			v.store(j, l)
			// As run: a step that leaves the iterate unchanged is a fixed point (all steps
			// taken); otherwise the step left the bound.
			w0, w1 := v.w0[j], v.w1[j]
			lrho := l.lr * (w0*w1 - 1)
			n0, n1 := l.decay*w0-lrho*w1, l.decay*w1-lrho*w0
			l.taken = k - 1
			if n0 == w0 && n1 == w1 {
				l.taken = g.steps
			}
			v.alive[j], v.exit[j] = 0, 0
			live--
		}
		if live <= n/2 && n > 4 {
			m := 0
			for j := range n {
				if math.Float64bits(v.alive[j]) == 0 {
					continue
				}
				for _, a := range v.arrays() {
					(*a)[m] = (*a)[j]
				}
				v.id[m] = v.id[j]
				m++
			}
			n = (m + 3) &^ 3
			v.pad(m, n)
			v.point(n)
		}
	}
	for j := range n {
		if math.Float64bits(v.alive[j]) != 0 {
			l := &lanes[v.id[j]]
			v.store(j, l)
			l.taken = g.steps
		}
	}
}
