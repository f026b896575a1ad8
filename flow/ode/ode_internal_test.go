package ode

import (
	"math"
	"testing"
)

// minPos and maxPos give math.Min's and math.Max's values on everything but −0.
func TestMinMaxPos(t *testing.T) {
	vals := []float64{0, 1e-300, 0.2, 1, 10, math.Inf(1), math.Inf(-1), -3, math.NaN()}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for _, a := range vals {
		for _, b := range vals {
			if !same(minPos(a, b), math.Min(a, b)) || !same(maxPos(a, b), math.Max(a, b)) {
				t.Errorf("(%v, %v): min %v max %v, math %v %v", a, b, minPos(a, b), maxPos(a, b), math.Min(a, b), math.Max(a, b))
			}
		}
	}
}
