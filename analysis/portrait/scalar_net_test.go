package portrait

import (
	"math"
	"testing"

	"github.com/layerflow/layerflow/flow"
)

// scaledGrad is a wrong scalar model: its gradient is scaled by 1.001 in the first weight.
type scaledGrad struct{ flow.Objective }

func (s scaledGrad) Gradient(g, w []float64) {
	s.Objective.Gradient(g, w)
	g[0] *= 1.001
}

// shiftedValue is a wrong scalar model: its F is off by 10⁻³·w_1².
type shiftedValue struct{ flow.Objective }

func (s shiftedValue) Value(w []float64) float64 { return s.Objective.Value(w) + 1e-3*w[0]*w[0] }

// fieldDeviation returns the largest difference between two fields in unit direction and
// in speed relative to the largest speed.
func fieldDeviation(a, b *Field) (dir, speed float64) {
	var top float64
	for k := range a.Speed {
		top = math.Max(top, a.Speed[k])
	}
	for k := range a.U {
		dir = math.Max(dir, math.Hypot(a.U[k]-b.U[k], a.V[k]-b.V[k]))
		speed = math.Max(speed, math.Abs(a.Speed[k]-b.Speed[k])/top)
	}
	return dir, speed
}

// gridDeviation returns the largest difference of two grids relative to the largest |value|.
func gridDeviation(a, b *Grid) float64 {
	var top, dev float64
	for k := range a.Z {
		top = math.Max(top, math.Abs(a.Z[k]))
		dev = math.Max(dev, math.Abs(a.Z[k]-b.Z[k]))
	}
	return dev / top
}

// A Coords plane of the scalar network through the generic code (NetField, NetSample) is the
// scalar portrait's plane (NewField, Sample of F) at the same points, and the field is the
// closed form −∇F of the 1×1-layer Net too; a wrong model is told apart.
func TestNetPlaneOfScalarNetwork(t *testing.T) {
	const nx, ny = 13, 11
	// Round-off of a gradient of a few products and of the unit direction: 64ε. NetSample's
	// interpolant has Lebesgue constant 25/16 on values of F each a few ε off: 64ε of max|F|.
	const tol = 64 * 0x1p-53
	for _, c := range []struct {
		name string
		o    flow.Objective
		i, j int
		base []float64
		r    Range
	}{
		{"d=2 plain", flow.Objective{Depth: 2}, 0, 1, []float64{0.3, -0.2}, Range{-2, 2.5, -1.5, 2}},
		{"d=2 μ σ C", flow.Objective{Depth: 2, WeightDecay: 0.1, Noise: 0.3, C: 0.25}, 0, 1, []float64{0.3, -0.2}, Range{-2, 2.5, -1.5, 2}},
		{"d=2 swapped", flow.Objective{Depth: 2, WeightDecay: 0.05}, 1, 0, []float64{1.1, 0.4}, Range{-1, 3, -2, 2}},
		{"d=3 w1,w3 through w2=0.7", flow.Objective{Depth: 3, WeightDecay: 0.1, Noise: 0.2}, 0, 2, []float64{0.5, 0.7, -0.4}, Range{-2, 2, -2.5, 1.5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			plane := Plane{Objective: c.o, I: c.i, J: c.j, Base: c.base}
			np := NetPlane{Kind: Coords, I: c.i, J: c.j}
			want, err := NewField(plane, c.r, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			got, err := NetField(c.o, np, c.base, c.r, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			if dir, sp := fieldDeviation(want, got); dir > tol || sp > tol {
				t.Errorf("field: direction off by %.3g, speed by %.3g (tolerance %.3g)", dir, sp, tol)
			}
			net, err := c.o.Net()
			if err != nil {
				t.Fatal(err)
			}
			viaNet, err := NetField(net, np, c.base, c.r, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			if dir, sp := fieldDeviation(want, viaNet); dir > tol || sp > tol {
				t.Errorf("field of the 1×1 Net: direction off by %.3g, speed by %.3g (tolerance %.3g)", dir, sp, tol)
			}
			// The closed form at one cell, d = 2: −∂F/∂w_1 = −((e + σ²W)w_2 + μw_1).
			if c.o.Depth == 2 && c.i == 0 {
				x, y := got.X[3], got.Y[4]
				W := x * y
				a := W - 1 + c.o.Noise*c.o.Noise*W
				gx, gy := a*y+c.o.WeightDecay*x, a*x+c.o.WeightDecay*y
				s := math.Hypot(gx, gy)
				u, v, speed := got.At(3, 4)
				if math.Abs(speed-s) > tol*s || math.Hypot(u+gx/s, v+gy/s) > tol {
					t.Errorf("field at (%g, %g): (%g, %g)·%g, closed form (%g, %g)·%g", x, y, u, v, speed, -gx/s, -gy/s, s)
				}
			}
			wantF, err := Sample(plane, c.r, nx, ny, c.o.Value)
			if err != nil {
				t.Fatal(err)
			}
			gotF, err := NetSample(c.o, np, c.base, c.r, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			if dev := gridDeviation(wantF, gotF); dev > tol {
				t.Errorf("F: off by %.3g of max|F| (tolerance %.3g)", dev, tol)
			} else {
				t.Logf("F off by %.3g of max|F|", dev)
			}
			// Negative controls: a gradient 0.1 % off and an F off by 10⁻³w_1² are seen.
			bad, err := NetField(scaledGrad{c.o}, np, c.base, c.r, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			if dir, sp := fieldDeviation(want, bad); dir <= tol && sp <= tol {
				t.Errorf("a gradient scaled by 1.001 passes: direction %.3g, speed %.3g", dir, sp)
			}
			badF, err := NetSample(shiftedValue{c.o}, np, c.base, c.r, nx, ny)
			if err != nil {
				t.Fatal(err)
			}
			if dev := gridDeviation(wantF, badF); dev <= tol {
				t.Errorf("F + 10⁻³w_1² passes: %.3g", dev)
			}
		})
	}
}

// The projection and the band of the scalar network: σ₁ of a 1×1 layer is |w_i| and
// ‖D_i‖₂ = |w_{i+1}² − w_i²|; a portrait of the scalar network is drawn through the same code.
func TestNetPortraitOfScalarNetwork(t *testing.T) {
	o := flow.Objective{Depth: 3, WeightDecay: 0.1}
	w := []float64{0.5, -1.25, 0.75}
	pr, err := NewProjector(o, NetPlane{Kind: TopSingular, I: 2, J: 3})
	if err != nil {
		t.Fatal(err)
	}
	x, y := pr.Project(w)
	if math.Abs(x-1.25) > 4*0x1p-53*1.25 || math.Abs(y-0.75) > 4*0x1p-53*0.75 {
		t.Errorf("projection (%v, %v), want (1.25, 0.75)", x, y)
	}
	for i := 1; i < 3; i++ {
		want := math.Abs(flow.Pair(w, i-1, i))
		if got := ImbalanceSpectralNorm(o, w, i); math.Abs(got-want) > 4*0x1p-53*want {
			t.Errorf("‖D_%d‖₂ = %v, want %v", i, got, want)
		}
	}
	pt, err := NewNetPortrait(o, NetPlane{Kind: TopSingular, I: 1, J: 2}, w, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Abs(flow.Pair(w, 0, 1)); math.Abs(pt.Band-want) > 4*0x1p-53*want {
		t.Errorf("band %v, want |w_1² − w_2²| = %v", pt.Band, want)
	}
	if pt.Objective != Describe(o) {
		t.Errorf("objective %q, want %q", pt.Objective, Describe(o))
	}
	pc, err := NewNetPortrait(o, NetPlane{Kind: Coords, I: 0, J: 2}, w, nil, &Settings{Range: Range{-2, 2, -2, 2}, GridX: 7, GridY: 5, FieldX: 3, FieldY: 4})
	if err != nil {
		t.Fatal(err)
	}
	if pc.XLabel != "W_1[1,1]" || pc.YLabel != "W_3[1,1]" || pc.Field == nil || pc.Loss == nil {
		t.Errorf("coords portrait: labels %q %q, field %v, loss %v", pc.XLabel, pc.YLabel, pc.Field != nil, pc.Loss != nil)
	}
}
