package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/layerflow/layerflow/analysis"
)

// ftoa writes the shortest text that reads back as the same float64.
func TestFtoaShortestRoundTrip(t *testing.T) {
	lr := 0.05
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0.26, "0.26"}, {lr * 3, "0.15000000000000002"}, {1e-300, "1e-300"}, {-2, "-2"},
		{math.Inf(1), ""}, {math.NaN(), ""},
	} {
		if got := ftoa(tc.x); got != tc.want {
			t.Errorf("ftoa(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 10000 {
		x := math.Float64frombits(rng.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		s := ftoa(x)
		y, err := strconv.ParseFloat(s, 64)
		if err != nil || y != x {
			t.Fatalf("ftoa(%v) = %q reads back as %v (%v)", x, s, y, err)
		}
	}
}

// A figure's CSV names each curve by its snake_case key, not by its legend entry.
func TestFigureCSVKeys(t *testing.T) {
	fig := analysis.Figure{Series: []analysis.Curve{
		{Name: "SGD (mean ± 2 SE)", Key: "sgd_mean", X: []float64{4, 8}, Y: []float64{0.26, 0.1}, Err: []float64{0.01, 0.02}},
		{Name: "λ²E[ρ²] (law)", X: []float64{4}, Y: []float64{0.25}},
	}}
	var b bytes.Buffer
	if err := writeFigureCSV(&b, fig); err != nil {
		t.Fatal(err)
	}
	want := "series,x,y,err\nsgd_mean,4,0.26,0.01\nsgd_mean,8,0.1,0.02\nlambda_2_e_rho_2_law,4,0.25,\n"
	if b.String() != want {
		t.Errorf("figure CSV\n%s\nwant\n%s", b.String(), want)
	}
}
