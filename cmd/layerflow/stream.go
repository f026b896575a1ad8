package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
)

// The scalar runs (flow, gd, sgd, compare) stream their points to the trajectory files as
// they are produced, thinned to a budget of rows (--max-points), and measure the run while it
// steps (analysis.Stream): no command holds a whole trajectory.

// maxPointsFlag is --max-points, the budget of rows of a trajectory file.
func maxPointsFlag() cli.Flag {
	return altsrc.NewIntFlag(&cli.IntFlag{Name: "max-points", Value: 0,
		Usage: "at most N rows in the trajectory file, ≥ 3 (0: 100 000, fewer for deep networks so that the file holds about 4·10⁶ numbers); " +
			"a discrete run keeps every s-th iterate, s = max(--record, ⌈steps/(N−2)⌉), a flow thins its accepted steps while running; the first and the last point are always kept, and the summary is measured on every point",
		Category: catOutput})
}

// defaultMaxPoints is the budget of rows of a trajectory of depth d when --max-points is 0.
func defaultMaxPoints(d int) int {
	return max(1000, min(100_000, 4_000_000/(2*d+2)))
}

// pointBudget reads --max-points for depth d.
func pointBudget(ctx *cli.Context, d int) (int, error) {
	n := ctx.Int("max-points")
	switch {
	case n == 0:
		return defaultMaxPoints(d), nil
	case n < 3:
		return 0, fmt.Errorf("--max-points %d: must be ≥ 3 (or 0 for the default)", n)
	}
	return n, nil
}

// trajRecorder writes the points of a scalar run to trajectory.csv (t, w1..wd, loss, D12…,
// sharpness) and trajectory.npy (t, w1..wd) as they come, and keeps a copy thinned to at most
// maxPlotPoints points (the first and the last always) for the figures.
type trajRecorder struct {
	d       int
	c       float64
	obj     flow.Objective
	files   []string
	csv     *streamFile
	npy     *streamFile
	rows    int64
	D       []float64
	rec     []string
	buf     []byte
	err     error
	plot    *flow.Trajectory
	stride  int
	skip    int
	lastT   float64
	lastW   []float64
	pending bool // the last point is not in plot
}

// streamFile is an output file of the set written through a buffer.
type streamFile struct {
	path   string
	f      *os.File
	bw     *bufio.Writer
	finish func(bool) error
}

func openStream(path string) (*streamFile, error) {
	f, finish, err := createOutput(path)
	if err != nil {
		return nil, err
	}
	return &streamFile{path: path, f: f, bw: bufio.NewWriterSize(f, 1<<16), finish: finish}, nil
}

// close flushes and closes the file and commits (ok) or drops it.
func (s *streamFile) close(ok bool) error {
	err := s.bw.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.finish(false)
		if ok {
			return fmt.Errorf("write %s: %v", s.path, unwrapPath(err))
		}
		return nil
	}
	return s.finish(ok)
}

// npyHeaderLen is the length of the NPY header written before the row count is known: room
// for any count, rewritten in place at the end.
const npyHeaderLen = 128

func npyHeader(rows int64, cols int) []byte {
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	h := make([]byte, 0, npyHeaderLen)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, npyHeaderLen-10)
	h = append(h, dict...)
	for len(h) < npyHeaderLen-1 {
		h = append(h, ' ')
	}
	return append(h, '\n')
}

// newTrajRecorder opens the trajectory files of dir asked for by --format for a run of
// objective obj (its C the loss floor of the loss column).
func newTrajRecorder(ctx *cli.Context, dir string, obj flow.Objective, label string) (*trajRecorder, error) {
	csvOn, npyOn, err := trajectoryFormats(ctx)
	if err != nil {
		return nil, err
	}
	d := obj.Depth
	r := &trajRecorder{d: d, c: obj.C, obj: flow.Objective{Depth: d, C: obj.C}, D: make([]float64, max(d-1, 0)),
		plot: flow.NewTrajectory(label, d, 64), stride: 1, lastW: make([]float64, d)}
	if csvOn {
		p := filepath.Join(dir, "trajectory.csv")
		if r.csv, err = openStream(p); err != nil {
			return nil, err
		}
		r.files = append(r.files, p)
		head := []string{"t"}
		for i := 1; i <= d; i++ {
			head = append(head, fmt.Sprintf("w%d", i))
		}
		head = append(head, "loss")
		for i := 1; i < d; i++ {
			head = append(head, fmt.Sprintf("D%d%d", i, i+1))
		}
		head = append(head, "sharpness")
		_, r.err = r.csv.bw.WriteString(strings.Join(head, ",") + "\n")
	}
	if npyOn {
		p := filepath.Join(dir, "trajectory.npy")
		if r.npy, err = openStream(p); err != nil {
			r.close(false)
			return nil, err
		}
		r.files = append(r.files, p)
		if _, err := r.npy.bw.Write(npyHeader(0, d+1)); err != nil && r.err == nil {
			r.err = err
		}
	}
	return r, nil
}

// add writes the point (t, w) (k, its step, is not written).
func (r *trajRecorder) add(_ int, t float64, w []float64) error {
	if r.err != nil {
		return r.err
	}
	if r.csv != nil {
		// The row of writeTrajectoryCSV: the quantities of analysis.Series at the point.
		b := r.buf[:0]
		b = appendCell(b, t)
		for _, v := range w {
			b = appendCell(append(b, ','), v)
		}
		b = appendCell(append(b, ','), r.obj.Loss(w))
		flow.Imbalance(r.D, w)
		for _, v := range r.D {
			b = appendCell(append(b, ','), v)
		}
		b = appendCell(append(b, ','), flow.Sharpness(w))
		b = append(b, '\n')
		r.buf = b
		if _, err := r.csv.bw.Write(b); err != nil {
			r.err = fmt.Errorf("write %s: %v", r.csv.path, unwrapPath(err))
			return r.err
		}
	}
	if r.npy != nil {
		var cell [8]byte
		binary.LittleEndian.PutUint64(cell[:], math.Float64bits(t))
		r.npy.bw.Write(cell[:])
		for _, v := range w {
			binary.LittleEndian.PutUint64(cell[:], math.Float64bits(v))
			if _, err := r.npy.bw.Write(cell[:]); err != nil {
				r.err = fmt.Errorf("write %s: %v", r.npy.path, unwrapPath(err))
				return r.err
			}
		}
	}
	r.rows++
	r.keep(t, w)
	return nil
}

// appendCell appends x as ftoa writes it (shortest round trip; non-finite as empty).
func appendCell(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return b
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// keep adds a point to the figures' copy, halving it when full (the net recorder's scheme);
// the last point is added at close.
func (r *trajRecorder) keep(t float64, w []float64) {
	r.lastT = t
	copy(r.lastW, w)
	r.pending = true
	if r.skip++; r.skip < r.stride && r.plot.Len() > 0 {
		return
	}
	r.skip = 0
	if r.plot.Len() == maxPlotPoints {
		n, d := r.plot.Len(), r.d
		j := 0
		for i := 0; i < n; i += 2 {
			r.plot.T[j] = r.plot.T[i]
			copy(r.plot.W[j*d:(j+1)*d], r.plot.W[i*d:(i+1)*d])
			j++
		}
		r.plot.T, r.plot.W = r.plot.T[:j], r.plot.W[:j*d]
		r.stride *= 2
	}
	r.plot.Append(t, w)
	r.pending = false
}

// close finishes the files (the NPY header rewritten with the row count) and commits them
// with the command's set (ok) or drops them.
func (r *trajRecorder) close(ok bool) error {
	if r.pending {
		r.plot.Append(r.lastT, r.lastW)
		r.pending = false
	}
	ok = ok && r.err == nil
	var err error
	if r.csv != nil {
		if e := r.csv.close(ok); err == nil {
			err = e
		}
	}
	if r.npy != nil {
		if ok {
			if e := r.npy.bw.Flush(); e == nil {
				_, e = r.npy.f.WriteAt(npyHeader(r.rows, r.d+1), 0)
				if e != nil {
					r.err = fmt.Errorf("write %s: %v", r.npy.path, unwrapPath(e))
				}
			}
		}
		if e := r.npy.close(ok && r.err == nil); err == nil {
			err = e
		}
	}
	if err == nil && ok {
		err = r.err
	}
	return err
}

// trajectory returns the figures' copy, labelled and ended as the run.
func (r *trajRecorder) trajectory(status string, end flow.End) *flow.Trajectory {
	r.plot.Status, r.plot.End = status, end
	return r.plot
}

// finalOfPoint describes the last point (t, w) for summary.json, as finalOf.
func finalOfPoint(t float64, w []float64, c float64) map[string]any {
	D := make([]float64, len(w)-1)
	norm := flow.Imbalance(D, w)
	return map[string]any{
		"t":         num(t),
		"w":         nums(w),
		"loss":      num(flow.Objective{Depth: len(w), C: c}.Loss(w)),
		"imbalance": nums(D),
		"max_abs_d": num(norm),
		"sharpness": num(flow.Sharpness(w)),
	}
}

// printFinalPoint prints the last point as printFinal does.
func printFinalPoint(w io.Writer, x []float64, c float64) {
	D := make([]float64, len(x)-1)
	flow.Imbalance(D, x)
	ws, Ds, more := x, D, ""
	if len(x) > 8 {
		ws, Ds, more = x[:8], D[:7], " (first 8 weights; all in trajectory.csv)"
	}
	fmt.Fprintf(w, "final: w=%.6g loss=%.6g D=%.6g sharpness=%.6g%s\n",
		ws, flow.Objective{Depth: len(x), C: c}.Loss(x), Ds, flow.Sharpness(x), more)
}

// streamProgress returns the progress callback of a run on the command's terminal: steps
// for the discrete runs, per mille of the end time for the flows.
func streamProgress(ctx *cli.Context, flowRun bool) (func(done, total float64), *progress) {
	unit := "steps"
	if flowRun {
		unit = "‰ of t-end"
	}
	p := startProgress(ctx, unit)
	if p == nil {
		return nil, nil
	}
	if flowRun {
		return func(done, total float64) { p.update(int64(1000*done/total), 1000) }, p
	}
	return func(done, total float64) { p.update(int64(done), int64(total)) }, p
}

// streamRun runs spec with the points streamed to rec, progress on the terminal and the
// command's context.
func streamRun(ctx *cli.Context, spec analysis.RunSpec, rec *trajRecorder, budget int) (*analysis.Streamed, error) {
	prog, p := streamProgress(ctx, spec.Method.Continuous())
	out, err := analysis.Stream(spec, analysis.StreamOptions{MaxPoints: budget, Keep: rec.add, Context: ctx.Context, Progress: prog})
	p.finish()
	return out, err
}

// thinnedNote is what summary.json says of the points of a run that did not all fit the
// budget or was interrupted (nothing otherwise, so the summary of a run that fits is as it was).
func thinnedNote(s map[string]any, out *analysis.Streamed, budget int) {
	if out.Kept < out.Points {
		s["points"] = map[string]any{"measured": out.Points, "written": out.Kept, "max_points": budget}
	}
}
