package flow

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Dataset holds scalar pairs (x_k, y_k).
type Dataset struct {
	X, Y []float64
}

// Len returns the number of samples.
func (d *Dataset) Len() int { return len(d.X) }

// Generate draws n samples x ~ N(0, 1), y = slope·x + noise·N(0, 1) from the seeded
// generator (PCG(seed, seed)), and normalizes them.
func Generate(n int, slope, noise float64, seed uint64) (*Dataset, error) {
	if n < 1 {
		return nil, fmt.Errorf("flow: sample count %d < 1", n)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	d := &Dataset{X: make([]float64, n), Y: make([]float64, n)}
	for k := range d.X {
		x := rng.NormFloat64()
		d.X[k] = x
		d.Y[k] = slope*x + noise*rng.NormFloat64()
	}
	return d, d.Normalize()
}

// Normalize scales x and y as the paper does, so that mean(x²) = 1 and mean(x·y) = 1.
// The least-squares fit of y ≈ w·x is then w = 1.
func (d *Dataset) Normalize() error {
	n := float64(len(d.X))
	if len(d.X) == 0 {
		return errors.New("flow: empty dataset")
	}
	var xx float64
	for _, x := range d.X {
		xx += x * x
	}
	xx /= n
	if !(xx > 0) || math.IsInf(xx, 0) {
		return fmt.Errorf("flow: mean(x²) = %v, cannot normalize", xx)
	}
	sx := 1 / math.Sqrt(xx)
	var xy float64
	for k := range d.X {
		d.X[k] *= sx
		xy += d.X[k] * d.Y[k]
	}
	xy /= n
	if xy == 0 || math.IsNaN(xy) || math.IsInf(xy, 0) {
		return fmt.Errorf("flow: mean(x·y) = %v, cannot normalize", xy)
	}
	for k := range d.Y {
		d.Y[k] /= xy
	}
	return nil
}

// C returns the loss floor c = ½(mean(y²) − 1) of normalized data.
func (d *Dataset) C() float64 {
	var yy float64
	for _, y := range d.Y {
		yy += y * y
	}
	return math.Max(0, 0.5*(yy/float64(len(d.Y))-1))
}

// ReadCSV reads a dataset from CSV with a header naming columns x and y (in any order,
// other columns ignored) and normalizes it. Empty, ragged or non-numeric input is an error
// naming the line, and so is a line longer than MaxLine (a device or a binary file is not
// read into memory whole).
func ReadCSV(r io.Reader) (*Dataset, error) {
	cr := csv.NewReader(&lineLimit{r: r, line: 1})
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("flow: empty CSV: no header")
	}
	if err != nil {
		return nil, fmt.Errorf("flow: CSV: %w", err)
	}
	ix, iy := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "x":
			ix = i
		case "y":
			iy = i
		}
	}
	if ix < 0 || iy < 0 {
		return nil, fmt.Errorf("flow: CSV header %q has no x and y columns", strings.Join(header, ","))
	}
	d := &Dataset{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("flow: CSV: %w", err)
		}
		var v [2]float64
		for k, i := range [2]int{ix, iy} {
			s := strings.TrimSpace(rec[i])
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				// FieldPos gives the line in the input: csv skips blank lines, so counting
				// records would misplace the error.
				line, _ := cr.FieldPos(i)
				return nil, fmt.Errorf("flow: CSV line %d: %q is not a finite number", line, s)
			}
			v[k] = f
		}
		d.X = append(d.X, v[0])
		d.Y = append(d.Y, v[1])
	}
	if len(d.X) == 0 {
		return nil, errors.New("flow: CSV has a header but no data rows")
	}
	return d, d.Normalize()
}

// MaxLine is the longest line ReadCSV reads: 1 MiB.
const MaxLine = 1 << 20

// lineLimit passes reads through until a line exceeds MaxLine bytes.
type lineLimit struct {
	r       io.Reader
	n, line int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.n = 0
			l.line++
			continue
		}
		if l.n++; l.n > MaxLine {
			return i, fmt.Errorf("line %d is longer than %d bytes", l.line, MaxLine)
		}
	}
	return n, err
}
