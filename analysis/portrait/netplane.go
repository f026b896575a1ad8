package portrait

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// NetPlaneKind says what the two axes of a portrait of a network with matrix layers
// measure. The network is any flow.Layered: a flow.Net, or the scalar flow.Objective, whose
// layers are 1×1 (its Coords plane of entries I, J is the Plane of weights I, J, with the
// same field and F).
type NetPlaneKind int

const (
	// Coords puts two entries of the flat parameter vector on the axes. The direction field
	// and F are those of the slice through a base point in which only these two entries
	// vary: a true slice of −∇F.
	Coords NetPlaneKind = iota
	// TopSingular puts the top singular values σ₁(W_A) and σ₁(W_B) of two layers on the axes.
	// A trajectory is projected on them; the projection of a flow of many parameters has no
	// direction field, so there is none.
	TopSingular
)

var netPlaneNames = [...]string{Coords: "coords", TopSingular: "sv"}

// String returns "coords" or "sv", the names the command line uses.
func (k NetPlaneKind) String() string {
	if k < 0 || int(k) >= len(netPlaneNames) {
		return fmt.Sprintf("NetPlaneKind(%d)", int(k))
	}
	return netPlaneNames[k]
}

// NetPlane is the plane of a portrait of a flow.Layered (a flow.Net or a flow.Objective).
type NetPlane struct {
	Kind NetPlaneKind
	// I and J are, for Coords, the 0-based indices of the horizontal and the vertical entry
	// of the flat parameter vector (layer 1 first, each layer row-major, as flow.Net lays
	// them out); for TopSingular the layers A and B, 1-based as in flow.Net.Layer.
	I, J int
}

// Validate reports a plane that does not fit the network n: an index out of range or two
// equal indices.
func (p NetPlane) Validate(n flow.Layered) error {
	switch p.Kind {
	case Coords:
		dim := n.Dim()
		switch {
		case p.I < 0 || p.I >= dim:
			return fmt.Errorf("portrait: coordinate %d out of range 1…%d", p.I+1, dim)
		case p.J < 0 || p.J >= dim:
			return fmt.Errorf("portrait: coordinate %d out of range 1…%d", p.J+1, dim)
		}
	case TopSingular:
		d := len(n.Widths()) - 1
		switch {
		case p.I < 1 || p.I > d:
			return fmt.Errorf("portrait: layer %d out of range 1…%d", p.I, d)
		case p.J < 1 || p.J > d:
			return fmt.Errorf("portrait: layer %d out of range 1…%d", p.J, d)
		}
	default:
		return fmt.Errorf("portrait: unknown plane kind %d", int(p.Kind))
	}
	if p.I == p.J {
		return fmt.Errorf("portrait: the two axes are the same %s %d", map[NetPlaneKind]string{Coords: "coordinate", TopSingular: "layer"}[p.Kind], p.Index(p.I))
	}
	return nil
}

// Index returns an index of the plane as the command line writes it: 1-based for both
// kinds.
func (p NetPlane) Index(i int) int {
	if p.Kind == Coords {
		return i + 1
	}
	return i
}

// CoordName names the entry k (0-based) of the flat parameter vector of a network of the
// given widths by its layer and its 1-based row and column: "W_2[1,3]". It panics when k is
// out of range.
func CoordName(widths []int, k int) string {
	if k < 0 {
		panic("portrait: coordinate out of range")
	}
	off := 0
	for i := 1; i < len(widths); i++ {
		size := widths[i] * widths[i-1]
		if k < off+size {
			r, c := (k-off)/widths[i-1], (k-off)%widths[i-1]
			return fmt.Sprintf("W_%d[%d,%d]", i, r+1, c+1)
		}
		off += size
	}
	panic("portrait: coordinate out of range")
}

// AxisNames returns the labels of the horizontal and the vertical axis: "W_1[2,3]" for an
// entry, "σ₁(W_1)" for a top singular value.
func (p NetPlane) AxisNames(n flow.Layered) (x, y string) {
	if p.Kind == Coords {
		return CoordName(n.Widths(), p.I), CoordName(n.Widths(), p.J)
	}
	return fmt.Sprintf("σ₁(W_%d)", p.I), fmt.Sprintf("σ₁(W_%d)", p.J)
}

// String writes the plane as the command line does: "coords:3,7" (1-based) or "sv:1,2".
func (p NetPlane) String() string {
	return fmt.Sprintf("%v:%d,%d", p.Kind, p.Index(p.I), p.Index(p.J))
}

// Projector maps weights to plane coordinates. It keeps scratch buffers: it is not safe
// for use by several goroutines at once.
type Projector struct {
	p    NetPlane
	n    flow.Layered
	g    mat.SymDense
	eig  mat.EigenSym
	vals []float64
}

// NewProjector returns the projector of the plane p of the network n, or an error when p
// does not fit n.
func NewProjector(n flow.Layered, p NetPlane) (*Projector, error) {
	if err := p.Validate(n); err != nil {
		return nil, err
	}
	return &Projector{p: p, n: n}, nil
}

// Project returns the plane coordinates of w: (w_I, w_J) or (σ₁(W_A), σ₁(W_B)). It panics
// if len(w) is not n.Dim().
func (pr *Projector) Project(w []float64) (x, y float64) {
	if len(w) != pr.n.Dim() {
		panic("portrait: length mismatch")
	}
	if pr.p.Kind == Coords {
		return w[pr.p.I], w[pr.p.J]
	}
	return pr.TopSingularValue(pr.n.Layer(w, pr.p.I)), pr.TopSingularValue(pr.n.Layer(w, pr.p.J))
}

// TopSingularValue returns σ₁(m), the square root of the largest eigenvalue of the smaller
// of the Gram matrices m mᵀ and mᵀm. The eigenvalue has an absolute error of a few ulp of
// ‖m‖₂², so σ₁ has a relative error of a few ulp; NaN when m holds a non-finite entry.
func (pr *Projector) TopSingularValue(m mat.Matrix) float64 {
	// SymOuterK forms a·aᵀ: take a = m when m is wide, mᵀ when it is tall.
	r, c := m.Dims()
	var a mat.Matrix = m
	if c < r {
		a = m.T()
	}
	if raw, ok := m.(*mat.Dense); ok {
		for _, v := range raw.RawMatrix().Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return math.NaN()
			}
		}
	}
	pr.g.Reset()
	pr.g.SymOuterK(1, a)
	if !pr.eig.Factorize(&pr.g, false) {
		return math.NaN()
	}
	if k := min(r, c); cap(pr.vals) < k {
		pr.vals = make([]float64, k)
	} else {
		pr.vals = pr.vals[:k]
	}
	pr.eig.Values(pr.vals)
	top := pr.vals[len(pr.vals)-1] // ascending
	return math.Sqrt(math.Max(top, 0))
}

// ProjectionCost returns the number of floating-point operations Project takes, roughly: the
// Gram matrix k²·l and its eigenvalues (about 4/3·k³, plus the QL sweeps) for each layer of
// size k×l, k ≤ l, and 0 for Coords.
func (p NetPlane) ProjectionCost(n flow.Layered) float64 {
	if p.Kind == Coords {
		return 0
	}
	w := n.Widths()
	var c float64
	for _, i := range []int{p.I, p.J} {
		k, l := float64(min(w[i], w[i-1])), float64(max(w[i], w[i-1]))
		c += k*k*l + 4*k*k*k
	}
	return c
}

// NetPath is one run of a network projected on a plane, thinned to a bounded number of
// points: its method, its status and, at each kept point, the time, the two plane
// coordinates and the data loss L.
type NetPath struct {
	Method string    `json:"method"`
	Status string    `json:"status"`
	End    flow.End  `json:"-"` // the Status, to test
	T      []float64 `json:"t"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
	Loss   []float64 `json:"loss"`
}

// Append adds a point.
func (q *NetPath) Append(t, x, y, loss float64) {
	q.T, q.X, q.Y, q.Loss = append(q.T, t), append(q.X, x), append(q.Y, y), append(q.Loss, loss)
}

// Len returns the number of points.
func (q *NetPath) Len() int { return len(q.T) }

// Finite returns the number of leading points whose time and coordinates are finite: a
// drawing cuts the path there.
func (q *NetPath) Finite() int {
	for k := range q.T {
		if !finite(q.T[k]) || !finite(q.X[k]) || !finite(q.Y[k]) {
			return k
		}
	}
	return len(q.T)
}

// NetPortrait is the data of a portrait of a network with matrix layers: what
// analysis/plot draws.
type NetPortrait struct {
	Widths []int
	Plane  NetPlane
	// XLabel and YLabel name the axes (AxisNames).
	XLabel, YLabel string
	// Meaning is "slice through the start" (Coords) or "projection" (TopSingular).
	Meaning string
	// Caption says what the field and the trajectories are, for a note under the figure.
	Caption string
	// Objective describes F: "L", "L + weight decay μ = 0.1", …
	Objective string
	Range     Range
	// Field and Loss are the direction field of −∇F and F on the slice through Base
	// (Coords); nil for a projection.
	Field *Field
	Loss  *Grid
	// Base is the point the slice goes through, in plane coordinates.
	BaseX, BaseY float64
	Paths        []*NetPath
	// Diagonal asks for the reference line σ₁(W_A) = σ₁(W_B) on which every balanced
	// network lies (TopSingular only).
	Diagonal bool
	// Band is ‖D_i‖₂ at the start when the layers A and B are adjacent (B = A ± 1, i the
	// smaller), NaN otherwise. The gradient flow keeps |σ₁(W_B)² − σ₁(W_A)²| ≤ Band: the flow
	// changes D_i only by the factor e^{−2μt} ≤ 1 (package flow, Matrix layers), and by Weyl's
	// inequality the top eigenvalues of W_{i+1}ᵀW_{i+1} = W_iW_iᵀ + D_i and of W_iW_iᵀ differ
	// by at most ‖D_i‖₂.
	Band float64
}

// Meanings of the two plane kinds, in the figure's title and in its data file.
const (
	SliceMeaning      = "slice through the start"
	ProjectionMeaning = "projection"
)

// NewNetPortrait computes the portrait of the network n on the plane p for the projected
// runs paths. For Coords, base is the point the slice goes through (its entries I and J are
// replaced) and the field (s.FieldX × s.FieldY arrows) and F (s.GridX × s.GridY cells) are
// computed on the slice; for TopSingular only the range is. s.Range, when not zero, is the
// window; otherwise the window is fitted to the paths (those that ended in success, if any)
// and the base point, with s.Margin.
// Other settings are ignored. A nil s means the defaults.
func NewNetPortrait(n flow.Layered, p NetPlane, base []float64, paths []*NetPath, s *Settings) (*NetPortrait, error) {
	if err := p.Validate(n); err != nil {
		return nil, err
	}
	set := s.withDefaults()
	if err := set.validate(); err != nil {
		return nil, err
	}
	if len(base) != n.Dim() {
		return nil, fmt.Errorf("portrait: base point has %d weights for %d parameters", len(base), n.Dim())
	}
	for k, v := range base {
		if !finite(v) {
			return nil, fmt.Errorf("portrait: base weight %s = %v is not finite", CoordName(n.Widths(), k), v)
		}
	}
	pr, _ := NewProjector(n, p)
	pt := &NetPortrait{Widths: append([]int(nil), n.Widths()...), Plane: p, Paths: paths}
	pt.XLabel, pt.YLabel = p.AxisNames(n)
	pt.BaseX, pt.BaseY = pr.Project(base)
	pt.Objective = describeNet(n)
	r := set.Range
	if r.IsZero() {
		r = fitPaths(paths, pt.BaseX, pt.BaseY, set.Margin)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	pt.Range = r
	pt.Band = math.NaN()
	if p.Kind == TopSingular {
		pt.Meaning = ProjectionMeaning
		pt.Diagonal = true
		pt.Caption = fmt.Sprintf("Projection of the runs of %d parameters on the top singular values of layers %d and %d; "+
			"a projected flow has no direction field. Dashed (where it crosses the window): σ₁(W_%d) = σ₁(W_%d), where every balanced network (all D_i = 0) lies.",
			n.Dim(), p.I, p.J, p.I, p.J)
		if i := min(p.I, p.J); max(p.I, p.J) == i+1 {
			pt.Band = ImbalanceSpectralNorm(n, base, i)
			if pt.Band > 0 {
				pt.Caption += fmt.Sprintf(" Dotted (where in the window): |σ₁(W_%d)² − σ₁(W_%d)²| = ‖D_%d(0)‖₂ = %.4g, the band the gradient flow cannot leave (D_%d(t) = D_%d(0)·exp(−2μt) and Weyl's inequality).",
					i+1, i, i, pt.Band, i, i)
			}
		}
		return pt, nil
	}
	pt.Meaning = SliceMeaning
	pt.Caption = fmt.Sprintf("Field and F: the slice through the start in which %s and %s vary and the other %d parameters keep their start values; "+
		"the runs move all %d parameters and are projected on the two, so they may cross the arrows.",
		pt.XLabel, pt.YLabel, n.Dim()-2, n.Dim())
	var err error
	if pt.Field, err = NetField(n, p, base, r, set.FieldX, set.FieldY); err != nil {
		return nil, err
	}
	if pt.Loss, err = NetSample(n, p, base, r, set.GridX, set.GridY); err != nil {
		return nil, err
	}
	return pt, nil
}

// ImbalanceSpectralNorm returns ‖D_i‖₂ = max |eigenvalue| of D_i = W_{i+1}ᵀW_{i+1} − W_iW_iᵀ
// at w (1 ≤ i < d); NaN when w is not finite.
func ImbalanceSpectralNorm(n flow.Layered, w []float64, i int) float64 {
	var d mat.SymDense
	n.ImbalanceMatrix(&d, w, i)
	var e mat.EigenSym
	if !e.Factorize(&d, false) {
		return math.NaN()
	}
	v := e.Values(nil)
	return math.Max(math.Abs(v[0]), math.Abs(v[len(v)-1]))
}

// describeNet describes the objective of n: "L", "L + weight decay μ = 0.1", "E[L] under
// input noise σ = 0.3", …
func describeNet(n flow.Layered) string {
	mu, sigma := n.Regularizers()
	return Describe(flow.Objective{Depth: 2, WeightDecay: mu, Noise: sigma})
}

// fitPaths returns the bounding box of the finite points of the paths and of (bx, by),
// widened and grown as FitRange does. When some paths ended in success, only those count: a
// diverging run would otherwise shrink the others to a dot; it is drawn until it leaves the
// window.
func fitPaths(paths []*NetPath, bx, by, margin float64) Range {
	var xs, ys []float64
	xs, ys = append(xs, bx), append(ys, by)
	ok := false
	for _, q := range paths {
		ok = ok || q.End == flow.Completed
	}
	for _, q := range paths {
		if ok && q.End != flow.Completed {
			continue
		}
		n := q.Finite()
		xs, ys = append(xs, q.X[:n]...), append(ys, q.Y[:n]...)
	}
	r := Range{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for k := range xs {
		if !finite(xs[k]) || !finite(ys[k]) {
			continue
		}
		r.XMin, r.XMax = math.Min(r.XMin, xs[k]), math.Max(r.XMax, xs[k])
		r.YMin, r.YMax = math.Min(r.YMin, ys[k]), math.Max(r.YMax, ys[k])
	}
	if math.IsInf(r.XMin, 1) {
		return DefaultRange
	}
	return boxAround(r, margin)
}

// boxAround widens a bounding box as FitRange does: a point becomes a box of ±max(1, 10⁻³|v|)
// about it (for a single point) and a side shorter than 3/4 of the other is widened about its
// centre, before the margin is added.
func boxAround(r Range, margin float64) Range {
	if r.XMax == r.XMin && r.YMax == r.YMin {
		px := math.Max(1, 1e-3*math.Abs(r.XMin))
		py := math.Max(1, 1e-3*math.Abs(r.YMin))
		return Range{r.XMin - px, r.XMax + px, r.YMin - py, r.YMax + py}
	}
	widen := func(lo, hi *float64, min float64) {
		if *hi-*lo < min {
			c := 0.5 * (*lo + *hi)
			*lo, *hi = c-0.5*min, c+0.5*min
		}
	}
	widen(&r.XMin, &r.XMax, 0.75*(r.YMax-r.YMin))
	widen(&r.YMin, &r.YMax, 0.75*(r.XMax-r.XMin))
	return r.Expand(margin)
}

// NetField computes the direction field of −∇F on nx × ny cell centres of r in the slice of
// the Coords plane p through base: at every cell the full gradient n.Gradient is evaluated
// at base with the entries I and J set to the cell's coordinates, and its entries I and J
// are kept. It returns an error for a plane that is not Coords or does not fit n, a base of
// the wrong length, an invalid range or nx, ny < 1.
func NetField(n flow.Layered, p NetPlane, base []float64, r Range, nx, ny int) (*Field, error) {
	if err := checkSlice(n, p, base, r, nx, ny); err != nil {
		return nil, err
	}
	f := &Field{
		X:     cells(r.XMin, r.XMax, nx),
		Y:     cells(r.YMin, r.YMax, ny),
		U:     make([]float64, nx*ny),
		V:     make([]float64, nx*ny),
		Speed: make([]float64, nx*ny),
	}
	w := append([]float64(nil), base...)
	g := make([]float64, len(w))
	for row, y := range f.Y {
		for c, x := range f.X {
			w[p.I], w[p.J] = x, y
			n.Gradient(g, w)
			gx, gy := g[p.I], g[p.J]
			k := row*nx + c
			s := math.Hypot(gx, gy)
			f.Speed[k] = s
			if s > 0 && !math.IsInf(s, 0) {
				f.U[k], f.V[k] = -gx/s, -gy/s
			}
		}
	}
	return f, nil
}

// NetSample returns F on nx × ny cell centres of r in the slice of the Coords plane p
// through base.
//
// On the slice F is a polynomial of degree at most 2 in each coordinate: the end-to-end
// map W is affine in the entries of any one layer, so it is affine in x and in y (bilinear
// when they lie in two layers), and L, ½σ²‖W‖_F² and (μ/2)‖w‖² are quadratic in W and in w.
// Its values at the 3 × 3 nodes {XMin, centre, XMax} × {YMin, centre, YMax} therefore
// determine it: NetSample evaluates F (n.Value) there and the tensor-product Lagrange
// interpolant at the cells, which is F up to rounding (the interpolant's Lebesgue constant
// on the range is 25/16), at the cost of 9 evaluations of F instead of one per cell.
func NetSample(n flow.Layered, p NetPlane, base []float64, r Range, nx, ny int) (*Grid, error) {
	if err := checkSlice(n, p, base, r, nx, ny); err != nil {
		return nil, err
	}
	nodesX := [3]float64{r.XMin, 0.5 * (r.XMin + r.XMax), r.XMax}
	nodesY := [3]float64{r.YMin, 0.5 * (r.YMin + r.YMax), r.YMax}
	var fv [3][3]float64 // fv[a][b] = F(nodesX[a], nodesY[b])
	w := append([]float64(nil), base...)
	for a, x := range nodesX {
		for b, y := range nodesY {
			w[p.I], w[p.J] = x, y
			fv[a][b] = n.Value(w)
		}
	}
	g := &Grid{X: cells(r.XMin, r.XMax, nx), Y: cells(r.YMin, r.YMax, ny), Z: make([]float64, nx*ny)}
	lx := make([][3]float64, nx)
	for c, x := range g.X {
		lx[c] = lagrange3(nodesX, x)
	}
	for row, y := range g.Y {
		ly := lagrange3(nodesY, y)
		for c := range g.X {
			var z float64
			for a := range 3 {
				for b := range 3 {
					z += fv[a][b] * lx[c][a] * ly[b]
				}
			}
			g.Z[row*nx+c] = z
		}
	}
	return g, nil
}

// lagrange3 returns the three Lagrange basis polynomials of the nodes at x.
func lagrange3(nd [3]float64, x float64) [3]float64 {
	var l [3]float64
	for a := range 3 {
		v := 1.0
		for b := range 3 {
			if b != a {
				v *= (x - nd[b]) / (nd[a] - nd[b])
			}
		}
		l[a] = v
	}
	return l
}

func checkSlice(n flow.Layered, p NetPlane, base []float64, r Range, nx, ny int) error {
	if p.Kind != Coords {
		return fmt.Errorf("portrait: a %v plane is a projection and has no slice", p.Kind)
	}
	if err := p.Validate(n); err != nil {
		return err
	}
	if len(base) != n.Dim() {
		return fmt.Errorf("portrait: base point has %d weights for %d parameters", len(base), n.Dim())
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if nx < 1 || ny < 1 {
		return fmt.Errorf("portrait: grid %d×%d must have at least one cell", nx, ny)
	}
	return nil
}
