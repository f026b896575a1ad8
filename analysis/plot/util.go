package plot

import (
	"math"
	"sort"
)

// quantile returns the q-quantile of v (0 ≤ q ≤ 1) by linear interpolation between order
// statistics; v is not modified.
func quantile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	h := q * float64(len(s)-1)
	k := int(math.Floor(h))
	if k >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[k] + (h-float64(k))*(s[k+1]-s[k])
}
