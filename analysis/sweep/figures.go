package sweep

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	lfplot "github.com/layerflow/layerflow/analysis/plot"
)

// readColumns streams a result file and passes the named columns of every row to fn, numbers
// parsed (NaN for an empty cell) and the method and status as text.
func readColumns(path string, cols []string, fn func(method, status string, v []float64)) error {
	idx := make([]int, len(cols))
	for k, c := range cols {
		idx[k] = slices.Index(Columns, c)
		if idx[k] < 0 {
			return fmt.Errorf("sweep: no column %q (the columns: %s)", c, strings.Join(Columns, ", "))
		}
	}
	mi, si := slices.Index(Columns, "method"), slices.Index(Columns, "status")
	v := make([]float64, len(cols))
	_, err := scan(path, func(line int, f []string) error {
		for k, i := range idx {
			if f[i] == "" {
				v[k] = math.NaN()
				continue
			}
			x, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("line %d: column %s: %q is not a number", line, Columns[i], f[i])
			}
			v[k] = x
		}
		fn(f[mi], f[si], v)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sweep: %s: %v", path, err)
	}
	return nil
}

// StabilityPoints reads the discrete runs of a result file (gd, noisy-gd, sgd) as points of a
// stability map: learning rate, final sharpness, diverged or not, grouped by method.
func StabilityPoints(path string) ([]lfplot.StabilityPoint, error) {
	var pts []lfplot.StabilityPoint
	err := readColumns(path, []string{"lr", "sharpness"}, func(method, status string, v []float64) {
		if method == "flow" || method == "modified" {
			return
		}
		pts = append(pts, lfplot.StabilityPoint{LR: v[0], Sharpness: v[1], Diverged: status == "diverged", Group: method})
	})
	if err != nil {
		return nil, err
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("sweep: %s holds no discrete runs (gd, noisy-gd, sgd) for a stability map", path)
	}
	return pts, nil
}

// Axes are the columns a heat map can be drawn over; Values those it can show, with
// imbalance_ratio = imbalance/imbalance0.
var (
	Axes   = []string{"lr", "wd", "noise", "batch", "depth", "steps", "t_end"}
	Values = []string{"imbalance", "imbalance_ratio", "t_balanced", "phase_t", "loss", "sharpness", "d12", "W", "steps_taken", "evals", "seconds"}
)

// MaxCells bounds the cells of a heat map: 2²⁰ (a grid of 1024 × 1024), 16 MB of data.
const MaxCells = 1 << 20

// Heat is a heat map's data: z[iy][ix] is the median (or mean) over the runs with parameters
// x[ix], y[iy], NaN where no run has a value.
type Heat struct {
	X, Y []float64
	Z    [][]float64
	// AllDiverged marks the cells whose runs all diverged (Z is NaN there).
	AllDiverged [][]bool
	// Runs counts the runs used; Diverged those left out because they diverged; Empty the runs
	// without a value (t_balanced of a run never balanced, phase_t of a run without a phase
	// boundary), also left out.
	Runs, Diverged, Empty int
}

// HeatData reads the runs of method (all methods when "") from a result file and aggregates
// column z over the grid of the columns x and y with stat, "median" or "mean".
func HeatData(path, x, y, z, method, stat string) (*Heat, error) {
	for _, a := range []string{x, y} {
		if !slices.Contains(Axes, a) {
			return nil, fmt.Errorf("sweep: heat map axis %q (want one of %s)", a, strings.Join(Axes, ", "))
		}
	}
	if x == y {
		return nil, fmt.Errorf("sweep: heat map axes x and y are both %q", x)
	}
	if !slices.Contains(Values, z) {
		return nil, fmt.Errorf("sweep: heat map value %q (want one of %s)", z, strings.Join(Values, ", "))
	}
	if stat != "median" && stat != "mean" {
		return nil, fmt.Errorf("sweep: statistic %q (want median or mean)", stat)
	}
	cols := []string{x, y, z}
	if z == "imbalance_ratio" {
		cols = []string{x, y, "imbalance", "imbalance0"}
	}
	cells := map[[2]float64][]float64{}
	runs, diverged := map[[2]float64]int{}, map[[2]float64]int{}
	h := &Heat{}
	methods := map[string]bool{}
	err := readColumns(path, cols, func(m, status string, v []float64) {
		if method != "" && m != method {
			return
		}
		methods[m] = true
		if math.IsNaN(v[0]) || math.IsNaN(v[1]) {
			return // the method does not use this parameter
		}
		key := [2]float64{v[0], v[1]}
		if _, ok := cells[key]; !ok {
			cells[key] = nil
		}
		runs[key]++
		if status == "diverged" {
			h.Diverged++
			diverged[key]++
			return
		}
		val := v[2]
		if z == "imbalance_ratio" {
			val = v[2] / v[3]
		}
		if math.IsNaN(val) {
			h.Empty++
			return
		}
		h.Runs++
		cells[key] = append(cells[key], val)
	})
	if err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("sweep: %s: no runs of %s with both %s and %s", path, nonEmpty(method, "any method"), x, y)
	}
	if method == "" && len(methods) > 1 {
		var ms []string
		for m := range methods {
			ms = append(ms, m)
		}
		sort.Strings(ms)
		return nil, fmt.Errorf("sweep: %s holds the methods %s: choose one for the heat map", path, strings.Join(ms, ", "))
	}
	xs, ys := map[float64]bool{}, map[float64]bool{}
	for k := range cells {
		xs[k[0]], ys[k[1]] = true, true
	}
	// Bounded before the grid is made: with n runs there can be n distinct values on each
	// axis, and n² cells.
	if len(xs) > MaxCells/len(ys) {
		return nil, fmt.Errorf("sweep: %s: a heat map of %d × %d cells (%s × %s), more than %d: choose axes with fewer values", path, len(xs), len(ys), x, y, MaxCells)
	}
	h.X, h.Y = sortedKeys(xs), sortedKeys(ys)
	h.Z = make([][]float64, len(h.Y))
	h.AllDiverged = make([][]bool, len(h.Y))
	for iy, yv := range h.Y {
		h.Z[iy] = make([]float64, len(h.X))
		h.AllDiverged[iy] = make([]bool, len(h.X))
		for ix, xv := range h.X {
			k := [2]float64{xv, yv}
			h.Z[iy][ix] = aggregate(cells[k], stat)
			h.AllDiverged[iy][ix] = runs[k] > 0 && diverged[k] == runs[k]
		}
	}
	return h, nil
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedKeys(m map[float64]bool) []float64 {
	out := make([]float64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Float64s(out)
	return out
}

// aggregate returns the median or mean of v, NaN when v is empty.
func aggregate(v []float64, stat string) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	if stat == "mean" {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return 0.5 * (v[n/2-1] + v[n/2])
}
