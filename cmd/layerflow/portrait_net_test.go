package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/flow"
)

// netPortraitJSON is what the tests read of portrait --widths' data file.
type netPortraitFile struct {
	Widths []int `json:"widths"`
	Plane  struct {
		Kind        string   `json:"kind"`
		Coordinates []int    `json:"coordinates"`
		Axes        []string `json:"axes"`
		Meaning     string   `json:"meaning"`
	} `json:"plane"`
	Init struct {
		Kind  string  `json:"kind"`
		Scale float64 `json:"scale"`
		Seed  uint64  `json:"seed"`
	} `json:"init"`
	Field *struct {
		X, Y, U, V, Speed []float64
	} `json:"field"`
	Grid *struct {
		X, Y, F []float64
	} `json:"objective_grid"`
	FlowBand     *float64 `json:"flow_band"`
	Trajectories []struct {
		Method, Status string
		T, X, Y, Loss  []float64
	} `json:"trajectories"`
}

func readNetPortrait(t *testing.T, path string) netPortraitFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f netPortraitFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// sliceF is F(w) = ½ mean ‖W₂W₁x − y‖² + ½σ²‖W₂W₁‖_F² + (μ/2)‖w‖² of a net of widths n0, n1,
// n2, summed over the samples: independent of flow.Net and of the statistics.
func sliceF(widths []int, w []float64, xs, ys [][]float64, mu, sigma float64) float64 {
	n0, n1, n2 := widths[0], widths[1], widths[2]
	w1, w2 := w[:n1*n0], w[n1*n0:]
	prod := make([]float64, n2*n0)
	for i := range n2 {
		for j := range n0 {
			for k := range n1 {
				prod[i*n0+j] += w2[i*n1+k] * w1[k*n0+j]
			}
		}
	}
	var l float64
	for s, x := range xs {
		for i := range n2 {
			r := -ys[s][i]
			for j := range n0 {
				r += prod[i*n0+j] * x[j]
			}
			l += r * r
		}
	}
	l /= 2 * float64(len(xs))
	var pp, ww float64
	for _, v := range prod {
		pp += v * v
	}
	for _, v := range w {
		ww += v * v
	}
	return l + 0.5*sigma*sigma*pp + 0.5*mu*ww
}

// portrait --widths --plane coords:I,J: the field at every grid point is −∇F of the slice
// through the start, as central differences of F computed from the samples give it (F is
// quadratic in each coordinate, so the difference is exact up to rounding); the heat map is
// F; the axes name the layer and the entry.
func TestNetPortraitCoordsField(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 7))
	widths := []int{3, 2, 2}
	var xs, ys [][]float64
	csv := "x1,x2,x3,y1,y2\n"
	for range 40 {
		x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		y := []float64{x[0] - 0.5*x[2] + 0.3*rng.NormFloat64(), 0.8*x[1] + 0.3*rng.NormFloat64()}
		xs, ys = append(xs, x), append(ys, y)
		csv += fmt.Sprintf("%.17g,%.17g,%.17g,%.17g,%.17g\n", x[0], x[1], x[2], y[0], y[1])
	}
	data := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(data, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	w0 := make([]float64, 10)
	var init []string
	for k := range w0 {
		w0[k] = 0.6 * rng.NormFloat64()
		init = append(init, fmt.Sprintf("%.17g", w0[k]))
	}
	const mu, sigma = 0.1, 0.3
	out := filepath.Join(dir, "p.png")
	code, _, errs := runArgs(t, "portrait", "--widths", "3,2,2", "--data", data, "--outputs", "2", "--init", strings.Join(init, ","),
		"--wd", fmt.Sprint(mu), "--noise", fmt.Sprint(sigma), "--plane", "coords:2,9", "--methods", "flow,gd", "--steps", "30", "--field", "6", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f := readNetPortrait(t, filepath.Join(dir, "p.json"))
	if f.Plane.Kind != "coords" || f.Plane.Meaning != "slice through the start" || fmt.Sprint(f.Plane.Coordinates) != "[2 9]" ||
		fmt.Sprint(f.Plane.Axes) != "[W_1[1,2] W_2[2,1]]" {
		t.Errorf("plane %+v", f.Plane)
	}
	if f.Field == nil || f.Grid == nil || len(f.Field.X) != 6 || len(f.Field.Speed) != 36 {
		t.Fatalf("field %+v", f.Field)
	}
	const i, j = 1, 8 // 0-based
	F := func(w []float64) float64 { return sliceF(widths, w, xs, ys, mu, sigma) }
	w := append([]float64(nil), w0...)
	for r, y := range f.Field.Y {
		for c, x := range f.Field.X {
			w[i], w[j] = x, y
			const h = 1e-3
			d := func(k int) float64 {
				v := w[k]
				w[k] = v + h
				fp := F(w)
				w[k] = v - h
				fm := F(w)
				w[k] = v
				return (fp - fm) / (2 * h)
			}
			gx, gy := d(i), d(j)
			k := r*len(f.Field.X) + c
			s := f.Field.Speed[k]
			if math.Abs(s*f.Field.U[k]+gx) > 1e-9*math.Max(1, s) || math.Abs(s*f.Field.V[k]+gy) > 1e-9*math.Max(1, s) {
				t.Errorf("at (%g, %g): field %g·(%g, %g), −∇F from the samples (%g, %g)", x, y, s, f.Field.U[k], f.Field.V[k], -gx, -gy)
			}
		}
	}
	for _, cr := range [][2]int{{0, 0}, {17, 91}, {149, 149}, {75, 3}} {
		c, r := cr[0], cr[1]
		w[i], w[j] = f.Grid.X[c], f.Grid.Y[r]
		want := F(w)
		if got := f.Grid.F[r*len(f.Grid.X)+c]; math.Abs(got-want) > 1e-11*math.Max(1, want) {
			t.Errorf("F at (%g, %g): drawn %.17g, from the samples %.17g", w[i], w[j], got, want)
		}
	}
	for _, tr := range f.Trajectories {
		if tr.Status != "success" || tr.X[0] != w0[i] || tr.Y[0] != w0[j] {
			t.Errorf("%s: %s, starts at (%v, %v), want (%v, %v)", tr.Method, tr.Status, tr.X[0], tr.Y[0], w0[i], w0[j])
		}
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("figure: %v", err)
	}
}

// layerSV returns σ₁ of layer i (1-based) of w by an SVD.
func layerSV(widths []int, w []float64, i int) float64 {
	off := 0
	for k := 1; k < i; k++ {
		off += widths[k] * widths[k-1]
	}
	m := mat.NewDense(widths[i], widths[i-1], append([]float64(nil), w[off:off+widths[i]*widths[i-1]]...))
	var svd mat.SVD
	svd.Factorize(m, mat.SVDNone)
	return svd.Values(nil)[0]
}

// portrait --widths (default plane sv:1,2): a balanced start has σ₁(W_1) = σ₁(W_2) = the
// init scale, and the flow keeps them equal (D_1 is conserved); a Gaussian start does not,
// its top singular values are those of an SVD of its layers, and its flow stays in the band
// |σ₁(W_2)² − σ₁(W_1)²| ≤ ‖D_1(0)‖₂.
func TestNetPortraitSingularValues(t *testing.T) {
	dir := t.TempDir()
	widths := []int{4, 3, 2}
	out := filepath.Join(dir, "b.svg")
	if code, _, errs := runArgs(t, "portrait", "--widths", "4,3,2", "--init", "balanced", "--init-scale", "0.7", "--methods", "flow,gd", "--steps", "100", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f := readNetPortrait(t, filepath.Join(dir, "b.json"))
	if f.Plane.Kind != "sv" || f.Plane.Meaning != "projection" || fmt.Sprint(f.Plane.Coordinates) != "[1 2]" || f.Field != nil {
		t.Errorf("plane %+v, field %v", f.Plane, f.Field != nil)
	}
	if f.Init.Kind != "balanced" || f.Init.Scale != 0.7 || f.Init.Seed != 1 {
		t.Errorf("init %+v", f.Init)
	}
	fl := f.Trajectories[0]
	if fl.Method != "flow" || fl.Status != "success" {
		t.Fatalf("first run %s: %s", fl.Method, fl.Status)
	}
	if math.Abs(fl.X[0]-0.7) > 1e-14 || math.Abs(fl.Y[0]-0.7) > 1e-14 {
		t.Errorf("balanced start at (%.17g, %.17g), want σ₁ = 0.7 for both layers", fl.X[0], fl.Y[0])
	}
	// The flow conserves D_1 = 0; DOPRI5 at rtol 1e-8 errs by at most about 1e-8 per step
	// relative to |w| ≈ 1, and takes fewer than 100 steps here. GD does not conserve D_1 (its
	// step adds λ²(G_2ᵀG_2 − G_1G_1ᵀ)): the negative control.
	drift := func(x, y []float64) float64 {
		var d float64
		for k := range x {
			d = math.Max(d, math.Abs(x[k]-y[k]))
		}
		return d
	}
	if d := drift(fl.X, fl.Y); d > 1e-6 || fl.X[len(fl.X)-1] < 1 {
		t.Errorf("balanced flow: max |σ₁(W_1) − σ₁(W_2)| = %g, ends at σ₁ = %g", d, fl.X[len(fl.X)-1])
	}
	if gd := f.Trajectories[1]; gd.Method != "gd" || drift(gd.X, gd.Y) < 1e-4 {
		t.Errorf("%s from a balanced start: max |σ₁(W_1) − σ₁(W_2)| = %g, want GD to leave the diagonal", gd.Method, drift(gd.X, gd.Y))
	}

	// The negative control: a Gaussian start.
	out = filepath.Join(dir, "g.png")
	if code, _, errs := runArgs(t, "portrait", "--widths", "4,3,2", "--plane", "sv:1,2", "--methods", "flow", "--steps", "100", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f = readNetPortrait(t, filepath.Join(dir, "g.json"))
	w0, err := flow.Init{Kind: flow.Gaussian, Scale: 1, Seed: 1}.Draw(widths)
	if err != nil {
		t.Fatal(err)
	}
	fl = f.Trajectories[0]
	s1, s2 := layerSV(widths, w0, 1), layerSV(widths, w0, 2)
	if math.Abs(fl.X[0]-s1) > 1e-13*s1 || math.Abs(fl.Y[0]-s2) > 1e-13*s2 || math.Abs(s1-s2) < 0.01 {
		t.Errorf("Gaussian start at (%.17g, %.17g), SVD gives (%.17g, %.17g)", fl.X[0], fl.Y[0], s1, s2)
	}
	// ‖D_1(0)‖₂ from the layers, and the flow inside the band.
	l1 := mat.NewDense(3, 4, append([]float64(nil), w0[:12]...))
	l2 := mat.NewDense(2, 3, append([]float64(nil), w0[12:]...))
	var a, b mat.Dense
	a.Mul(l2.T(), l2)
	b.Mul(l1, l1.T())
	a.Sub(&a, &b)
	var e mat.EigenSym
	e.Factorize(mat.NewSymDense(3, a.RawMatrix().Data), false)
	ev := e.Values(nil)
	band := math.Max(-ev[0], ev[2])
	if f.FlowBand == nil || math.Abs(*f.FlowBand-band) > 1e-13*band {
		t.Fatalf("flow_band %v, ‖D_1(0)‖₂ = %v", f.FlowBand, band)
	}
	for k := range fl.X {
		if d := math.Abs(fl.Y[k]*fl.Y[k] - fl.X[k]*fl.X[k]); d > band*(1+1e-6) {
			t.Errorf("flow at t=%g leaves the band: |σ₁(W_2)² − σ₁(W_1)²| = %g > %g", fl.T[k], d, band)
			break
		}
	}
}

// The figure flags draw a network portrait too: a slide at 100 dpi is 6 in, 600 pixels, wide.
func TestNetPortraitStyle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.png")
	if code, _, errs := runArgs(t, "portrait", "--widths", "4,3,2", "--methods", "flow", "--steps", "20", "--style", "slides", "--dpi", "100", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 600 {
		t.Errorf("--style slides --dpi 100: %d × %d pixels, want 600 wide", cfg.Width, cfg.Height)
	}
}

// A bad --plane (or figure style) is one line naming the value and exit 2, before anything
// is written.
func TestNetPortraitBadPlane(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--plane", "sv:1,1"}, "same layer 1"},
		{[]string{"--plane", "sv:0,2"}, "layer 0 out of range 1…2"},
		{[]string{"--plane", "sv:1,3"}, "layer 3 out of range 1…2"},
		{[]string{"--plane", "coords:1,19"}, "parameter 19 out of range 1…18"},
		{[]string{"--plane", "coords:0,1"}, "parameter 0 out of range"},
		{[]string{"--plane", "coords:4,4"}, "same parameter 4"},
		{[]string{"--plane", "coords:a,2"}, `"a" is not a parameter number`},
		{[]string{"--plane", "sv:1.5,2"}, `"1.5" is not a layer number`},
		{[]string{"--plane", "sv:1"}, "want two layers"},
		{[]string{"--plane", "sv:1,2,3"}, "want two layers"},
		{[]string{"--plane", "foo:1,2"}, `unknown kind "foo"`},
		{[]string{"--plane", "1,2"}, "want coords:I,J"},
		{[]string{"--plane", ""}, "want coords:I,J"},
		{[]string{"--from", "1,2"}, "--from"},
		{[]string{"--style", "poster"}, `--style "poster"`},
	} {
		args := append([]string{"portrait", "--widths", "4,3,2", "--out", out}, c.args...)
		code, _, stderr := runArgs(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 ||
			c.args[0] == "--plane" && !strings.Contains(stderr, fmt.Sprintf("%q", c.args[1])) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
	// --init belongs to --widths.
	if code, _, stderr := runArgs(t, "portrait", "--init", "2,0.25", "--out", out); code != 2 || !strings.Contains(stderr, "--widths") {
		t.Errorf("--init without --widths: exit %d, stderr %q", code, stderr)
	}
	for _, f := range []string{"x.png", "x.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a bad --plane wrote %s", f)
		}
	}
}
