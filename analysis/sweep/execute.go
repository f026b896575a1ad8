package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Columns are the columns of a result file, in order. Empty cells are parameters a method
// does not use, or values that do not exist (no phase boundary, never balanced, non-finite).
var Columns = []string{
	"run", "runs", "sweep", "method", "depth", "w0", "lr", "wd", "noise", "batch", "steps", "t_end",
	"replicate", "seed", "status", "steps_taken", "evals", "t_final", "loss", "W", "imbalance0",
	"imbalance", "d12", "sharpness", "phase_t", "t_balanced", "seconds",
}

// ColumnDocs explains every column (the README's table is made from the same text).
var ColumnDocs = map[string]string{
	"run":         "the run's index in the run set, 0..runs−1 (its identity, with sweep)",
	"runs":        "the number of runs of the whole sweep",
	"sweep":       "the sweep's fingerprint: a hash of its run set and settings",
	"method":      "flow, modified, gd, noisy-gd or sgd",
	"depth":       "the depth d",
	"w0":          "the starting point, weights separated by spaces",
	"lr":          "the learning rate λ (empty for a flow run to t_end)",
	"wd":          "the weight decay μ",
	"noise":       "the input noise σ (empty for gd)",
	"batch":       "the mini-batch size (sgd only)",
	"steps":       "steps of a discrete run; for a flow, the horizon in steps of λ",
	"t_end":       "the end time: the swept t_end, or steps·λ when the horizon is given in steps (a discrete run with t_end ends at t_final = round(t_end/λ)·λ)",
	"replicate":   "the label of a random run's repeat (from seeds)",
	"seed":        "the run's seed, derived from the sweep seed and the run's parameters",
	"status":      "success, diverged, or how the integrator ended",
	"steps_taken": "steps taken inside the divergence bound, or accepted integrator steps",
	"evals":       "right-hand-side evaluations of a flow run",
	"t_final":     "the time of the last state",
	"loss":        "the data loss ½(W − 1)² + C at the last state",
	"W":           "the product w_1⋯w_d at the last state",
	"imbalance0":  "‖D‖ = max_ij |D_ij| = max w_i² − min w_i² at the start, D_ij = w_i² − w_j²",
	"imbalance":   "‖D‖ at the last state",
	"d12":         "D_12 = w_1² − w_2² at the last state",
	"sharpness":   "the largest eigenvalue of the loss Hessian at the last state",
	"phase_t":     "the phase boundary: the start of the final regularization phase (empty if none); located on the dense output for flows, between kept points for discrete runs",
	"t_balanced":  "the first kept time with ‖D‖ ≤ balanced·‖D(0)‖ (empty if never)",
	"seconds":     "wall time of the run (the only column that differs between repeats)",
}

// MaxWorkers bounds Options.Workers: each worker has its buffers and a place in the queues.
const MaxWorkers = 1024

// Options control the execution of a sweep. A nil *Options means the defaults.
type Options struct {
	// Workers is the number of runs done at once, at most MaxWorkers; 0 means
	// runtime.NumCPU().
	Workers int
	// Shard and Shards select shard Shard of Shards, 0 ≤ Shard < Shards: the runs whose index
	// i has i mod Shards = Shard. Shards 0 means one shard.
	Shard, Shards int
	// Progress, if not nil, is called from one goroutine after rows are written, with the
	// number of runs of the shard in the file and the shard's size.
	Progress func(done, total int)
}

// Report says what Execute did.
type Report struct {
	// Runs is the number of runs of the shard; Before the number already in the file when
	// Execute started; Written the number it wrote.
	Runs, Before, Written int
	// Diverged counts the written runs that diverged; Failed those whose integrator did not
	// reach the end time.
	Diverged, Failed int
	// Interrupted is true when the context was cancelled before every run was written.
	Interrupted bool
	Elapsed     time.Duration
}

// Execute runs the runs of the selected shard that path does not yet hold and appends one row
// per finished run to path (created with its header if missing). Rows are written whole, so
// that a sweep killed at any moment and started again with the same spec finishes the missing
// runs and does none twice. When ctx is cancelled, the runs in progress are finished and
// written (runs not yet started are left), and Execute returns with Report.Interrupted set.
//
// A file holding rows of another sweep, of another shard, or a damaged row is an error; an
// incomplete last line (a write cut short) is removed.
func Execute(ctx context.Context, s *Spec, path string, o *Options) (*Report, error) {
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.Shards == 0 {
		opt.Shards = 1
	}
	if opt.Shards < 1 || opt.Shard < 0 || opt.Shard >= opt.Shards {
		return nil, fmt.Errorf("sweep: shard %d/%d: want 0 ≤ i < n", opt.Shard, opt.Shards)
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.NumCPU()
	}
	if opt.Workers < 1 || opt.Workers > MaxWorkers {
		return nil, fmt.Errorf("sweep: %d workers (want 1..%d)", opt.Workers, MaxWorkers)
	}
	start := time.Now()
	out, done, err := openResults(path, s, opt.Shard, opt.Shards)
	if err != nil {
		return nil, err
	}
	defer out.close()
	rep := &Report{Runs: shardSize(s.Len(), opt.Shard, opt.Shards), Before: done.len()}
	if opt.Progress != nil {
		opt.Progress(rep.Before, rep.Runs)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Jobs are chunks of up to chunkRuns runs, so that a worker can step runs of the same
	// kind together and send their rows at once.
	jobs := make(chan []int, 4*opt.Workers)
	rows := make(chan row, 4*opt.Workers)
	go func() {
		defer close(jobs)
		var chunk []int
		for i := opt.Shard; i < s.Len(); i += opt.Shards {
			if done.has(i / opt.Shards) {
				continue
			}
			chunk = append(chunk, i)
			if len(chunk) < chunkRuns && i+opt.Shards < s.Len() {
				continue
			}
			select {
			case jobs <- chunk:
				chunk = nil
			case <-ctx.Done():
				return
			}
		}
		if len(chunk) > 0 {
			select {
			case jobs <- chunk:
			case <-ctx.Done():
			}
		}
	}()
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{s: s, done: ctx.Done()}
			for c := range jobs {
				if ctx.Err() != nil {
					continue // stopped: leave the queued runs for the next start
				}
				r := w.chunk(c)
				if r.err != nil {
					cancel()
				}
				rows <- r
			}
		}()
	}
	go func() { wg.Wait(); close(rows) }()

	var werr, rerr error
	last := time.Now()
	for r := range rows {
		if r.err == errStopped {
			continue // a chunk whose run was stopped: its runs are left for the next start
		}
		if rerr == nil && r.err != nil {
			rerr = r.err
		}
		if werr != nil || r.err != nil {
			continue // drain
		}
		rep.Written += r.runs
		rep.Diverged += r.diverged
		rep.Failed += r.failed
		out.buf = append(out.buf, r.line...)
		lineBufs.Put(&r.line)
		if now := time.Now(); len(out.buf) >= 1<<16 || now.Sub(last) > 200*time.Millisecond {
			if werr = out.flush(); werr != nil {
				cancel() // a full disk: stop computing rows that cannot be written
			}
			last = now
			if opt.Progress != nil && werr == nil {
				opt.Progress(rep.Before+rep.Written, rep.Runs)
			}
		}
	}
	if werr == nil {
		werr = out.flush()
	}
	if werr == nil {
		werr = out.sync()
	}
	if werr != nil {
		return nil, fmt.Errorf("sweep: %s: %v", path, werr)
	}
	if rerr != nil {
		return nil, rerr
	}
	if opt.Progress != nil {
		opt.Progress(rep.Before+rep.Written, rep.Runs)
	}
	rep.Interrupted = rep.Before+rep.Written < rep.Runs
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// shardSize returns the number of indices i in 0..n−1 with i mod shards = shard.
func shardSize(n, shard, shards int) int {
	if shard >= n {
		return 0
	}
	return (n-1-shard)/shards + 1
}

// chunkRuns is the largest number of runs of a job.
const chunkRuns = 256

// lineBufs holds the buffers of the rows of chunks, handed back by the writer.
var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, chunkRuns*256); return &b }}

// row holds the rows of a chunk of runs, how many there are, and how many of them diverged or
// failed; or the error that stopped the chunk (its earlier rows are dropped with it).
type row struct {
	line                   []byte
	runs, diverged, failed int
	err                    error
}

// worker does the runs of chunks and owns its buffers.
type worker struct {
	s     *Spec
	done  <-chan struct{} // closed when the sweep stops: a run in flight is abandoned
	tr    *flow.Trajectory
	last  []float64 // the last point of a flow run
	d     []float64
	acc   online
	lanes gd2
	fmt   formats
	// The integrator of the flow runs and its buffers, kept from run to run.
	meth ode.Method
	ws   ode.Workspace
	// The settings, the phase event and the observer of the flow runs, kept from run to run.
	set     ode.Settings
	pev     analysis.PhaseEvents
	evs     [1]ode.Event
	obs     flowObserver
	observe ode.Observer
	fc      struct {
		f      ode.Func
		depth  int
		bits   [3]uint64
		method string
		lr     uint64
	}
	// The runs of the current chunk, their outcomes and seconds, and lists of their places.
	runs        []Run
	outs        []outcome
	secs        []float64
	todo, batch []int
}

// outcome is what a run measured.
type outcome struct {
	status                                         string   // the row's status column
	end                                            flow.End // the same, to test
	steps, evals                                   int
	tFinal, loss, W, imb0, imb, d12, sharp, phaseT float64
	tBal                                           float64
}

// chunk does the runs of the run indices c and returns their rows, in the order of c. GD runs
// of depth 2 that keep every iterate and take the same number of steps are stepped together
// (gd2); their seconds are the time of the batch shared equally.
func (w *worker) chunk(c []int) row {
	w.runs = w.runs[:0]
	for _, i := range c {
		w.runs = append(w.runs, w.s.Run(i))
	}
	w.outs, w.secs = grow(w.outs, len(c)), grow(w.secs, len(c))
	clear(w.outs)
	w.todo = w.todo[:0]
	for k := range w.runs {
		r := &w.runs[k]
		if w.batched(r) {
			w.todo = append(w.todo, k)
			continue
		}
		t0 := time.Now()
		oc, err := w.do(r)
		if err == errStopped {
			return row{err: err}
		}
		if err != nil {
			// The spec was checked as a whole, so this is not expected; it stops the sweep
			// with the rows written so far kept.
			return row{err: fmt.Errorf("sweep: run %d (%s): %v", r.Index, r.key(), err)}
		}
		w.outs[k], w.secs[k] = oc, time.Since(t0).Seconds()
	}
	for len(w.todo) > 0 {
		// One batch: the runs left with the steps of the first of them.
		t0 := time.Now()
		steps := w.runs[w.todo[0]].Steps
		g := &w.lanes
		g.reset(steps, w.bound())
		batch, rest := w.batch[:0], w.todo[:0]
		for _, k := range w.todo {
			r := &w.runs[k]
			if r.Steps != steps {
				rest = append(rest, k)
				continue
			}
			batch = append(batch, k)
			g.add(r.W0[0], r.W0[1], r.LR, r.WD, w.s.Balanced*flow.Imbalance(w.scratch(2), r.W0))
		}
		g.run()
		for j, k := range batch {
			w.outs[k] = w.gdOutcome(&w.runs[k], g, j)
		}
		sec := time.Since(t0).Seconds() / float64(len(batch))
		for _, k := range batch {
			w.secs[k] = sec
		}
		w.batch, w.todo = batch, rest
	}
	out := row{runs: len(c), line: (*lineBufs.Get().(*[]byte))[:0]}
	for k := range w.runs {
		switch w.outs[k].end {
		case flow.Completed:
		case flow.Diverged:
			out.diverged++
		default:
			out.failed++
		}
		out.line = w.format(out.line, &w.runs[k], &w.outs[k], w.secs[k])
	}
	return out
}

// errStopped ends a run abandoned because the sweep stops; its chunk writes no row.
var errStopped = errors.New("sweep: stopped")

// stepSlice is the most steps a discrete run takes between two looks at whether the sweep
// stops: a few milliseconds of steps, so that a run of 2^50 steps stops within a second.
const stepSlice = 1 << 14

// stopped reports whether the sweep stops.
func (w *worker) stopped() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// advance takes n steps of st as st.Advance does, looking every stepSlice steps at whether
// the sweep stops (stopped: the run is abandoned).
func (w *worker) advance(st *discrete.Stepper, n int) (taken int, diverged, stopped bool) {
	for taken < n {
		k, dv := st.Advance(min(n-taken, stepSlice), w.s.Bound)
		taken += k
		if dv {
			return taken, true, false
		}
		if taken < n && w.stopped() {
			return taken, false, true
		}
	}
	return taken, false, false
}

// do does the run r alone.
func (w *worker) do(r *Run) (outcome, error) {
	switch {
	case r.Method == "gd":
		return w.gdOnline(r)
	case r.Discrete():
		return w.discrete(r)
	}
	return w.flow(r)
}

func (w *worker) objective(r *Run) flow.Objective {
	obj := flow.Objective{Depth: r.Depth, WeightDecay: r.WD}
	if !math.IsNaN(r.Noise) {
		obj.Noise = r.Noise
	}
	if w.s.data != nil {
		obj.C = w.s.data.C()
	}
	return obj
}

// keep returns a trajectory reset for depth d and label; it grows as points are kept, so
// that its memory follows what runs keep, not the Record limit.
func (w *worker) keep(label string, d int) *flow.Trajectory {
	if w.tr == nil || w.tr.Depth != d {
		w.tr = flow.NewTrajectory(label, d, 64)
	}
	w.tr.Label, w.tr.T, w.tr.W, w.tr.Status = label, w.tr.T[:0], w.tr.W[:0], ""
	return w.tr
}

func (w *worker) discrete(r *Run) (outcome, error) {
	obj := w.objective(r)
	p := discrete.Problem{Objective: obj}
	if r.Random() {
		p.Data = w.s.data
	}
	st, err := discrete.NewStepper(p, r.W0, &discrete.Settings{LR: r.LR, Steps: r.Steps, Batch: r.Batch, Seed: r.Seed, Bound: w.s.Bound})
	if err != nil {
		return outcome{}, err
	}
	tr := w.keep(st.Label(), r.Depth)
	tr.Append(0, r.W0)
	every := (r.Steps + w.s.Record - 2) / (w.s.Record - 1) // ≤ Record points in all
	oc := outcome{status: "success", end: flow.Completed}
	for oc.steps < r.Steps {
		n, diverged, stopped := w.advance(st, min(every, r.Steps-oc.steps))
		if stopped {
			return outcome{}, errStopped
		}
		oc.steps += n
		if n > 0 {
			tr.Append(float64(oc.steps)*r.LR, st.W())
		}
		if diverged {
			oc.status, oc.end = "diverged", flow.Diverged
			break
		}
	}
	window := 1
	if r.Random() {
		window = max(1, tr.Len()/100) // average out the sampling noise, as the gd command does
	}
	w.measure(&oc, tr, obj, window)
	return oc, nil
}

func (w *worker) flow(r *Run) (outcome, error) {
	obj := w.objective(r)
	label := "flow"
	if r.Method == "modified" {
		label = "modified"
	}
	f := w.flowFunc(obj, r)
	if w.meth == nil {
		w.meth, _ = ode.NewMethod(w.s.Integrator)
	}
	o := &w.obs
	o.w, o.tr = w, w.keep(label, r.Depth)
	// The phase boundary is located on the dense output (analysis.FlowPhase). Its indicator
	// changes sign slowly, so two samples per step find its crossings.
	w.evs[0] = w.pev.Event(f, r.Depth, w.s.RTol, w.s.ATol)
	// Every accepted step is kept while the run has at most maxFlowPoints of them (the rows
	// of such runs are as they always were); a longer run is thinned while it runs, every
	// other kept point dropped and the stride doubled each time it reaches the bound, so that
	// its memory does not grow with --max-steps. The last step is always kept.
	o.limit = max(4*w.s.Record, maxFlowFloats/(r.Depth+1))
	o.stride, o.seen, o.next, o.stopped = 1, 0, 0, false
	if cap(w.last) < r.Depth {
		w.last = make([]float64, r.Depth)
	}
	o.lastY = w.last[:r.Depth]
	if w.observe == nil {
		w.observe = o.observe
	}
	w.set = ode.Settings{Rtol: w.s.RTol, Atol: w.s.ATol, MaxSteps: w.s.MaxSteps, Events: w.evs[:], EventSamples: 2, Observer: w.observe}
	res, err := w.ws.Integrate(ode.Problem{Func: f, T0: 0, T1: r.TEnd, Y0: r.W0}, &w.set, w.meth)
	if err != nil {
		return outcome{}, err
	}
	if o.stopped {
		return outcome{}, errStopped
	}
	tr := o.tr
	if o.seen > 0 && tr.T[tr.Len()-1] != o.lastT {
		tr.Append(o.lastT, o.lastY)
	}
	oc := outcome{status: res.Status.String(), end: flow.EndOf(res.Status), steps: res.Stats.Accepted, evals: res.Stats.Evaluations}
	oc.phaseT = math.NaN()
	pt, found := 0.0, false
	if tr.Len() > 0 {
		// FlowPhase's boundary, of which a row has only the time.
		pt, found = analysis.FlowPhaseT(res, 0, w.evs[0], tr.T[0], tr.At(0))
	}
	if tr.Len() > 2*w.s.Record {
		thin(tr, w.s.Record)
	}
	w.measure(&oc, tr, obj, 0)
	if found {
		oc.phaseT = pt
	}
	return oc, nil
}

// flowFunc returns the right-hand side of the run's flow: the last one when the run has the
// objective (and for the modified flow the λ) of the last, to the bit; a new one otherwise.
func (w *worker) flowFunc(obj flow.Objective, r *Run) ode.Func {
	bits := [3]uint64{math.Float64bits(obj.WeightDecay), math.Float64bits(obj.Noise), math.Float64bits(obj.C)}
	lr := uint64(0)
	if r.Method == "modified" {
		lr = math.Float64bits(r.LR)
	}
	c := &w.fc
	if c.f == nil || c.depth != obj.Depth || c.bits != bits || c.method != r.Method || c.lr != lr {
		c.f = obj.Flow()
		if r.Method == "modified" {
			c.f = obj.ModifiedFlow(r.LR)
		}
		c.depth, c.bits, c.method, c.lr = obj.Depth, bits, r.Method, lr
	}
	return c.f
}

// flowObserver keeps the points of a flow run (see worker.flow) and looks now and then at
// whether the sweep stops.
type flowObserver struct {
	w  *worker
	tr *flow.Trajectory
	// seen counts the states seen; a state is kept when seen is a multiple of stride, the
	// next of which is next (counted up rather than divided: an integer division costs more
	// than keeping the point).
	seen, stride, next, limit int
	lastT                     float64
	lastY                     []float64
	stopped                   bool
}

func (o *flowObserver) observe(t float64, y []float64) bool {
	if o.seen == o.next {
		tr := o.tr
		if tr.Len() == o.limit {
			halve(tr)
			o.stride *= 2
		}
		if o.seen%o.stride == 0 {
			tr.Append(t, y)
			o.next = o.seen + o.stride
		} else {
			o.next = o.seen + o.stride - o.seen%o.stride
		}
	}
	o.seen++
	o.lastT = t
	last := o.lastY[:len(y)]
	for i, v := range y {
		last[i] = v
	}
	if o.seen%stopEvery == 0 && o.w.stopped() {
		o.stopped = true
		return true
	}
	return false
}

// thin keeps about n evenly spread points of tr, the first and the last among them.
// maxFlowFloats bounds the numbers a flow run of a sweep keeps (times and weights): 2^23,
// 64 MiB, over 2.7·10⁶ accepted steps at depth 2.
const maxFlowFloats = 1 << 23

// stopEvery is how many accepted steps a flow run of a sweep takes between two looks at
// whether the sweep stops.
const stopEvery = 1 << 10

// halve keeps every other point of tr, the first included.
func halve(tr *flow.Trajectory) {
	d, m := tr.Depth, tr.Len()
	k := 0
	for j := 0; j < m; j += 2 {
		tr.T[k] = tr.T[j]
		copy(tr.W[k*d:(k+1)*d], tr.W[j*d:(j+1)*d])
		k++
	}
	tr.T, tr.W = tr.T[:k], tr.W[:k*d]
}

func thin(tr *flow.Trajectory, n int) {
	d, m := tr.Depth, tr.Len()
	every := (m + n - 2) / (n - 1)
	k := 0
	for j := 0; j < m; j += every {
		tr.T[k] = tr.T[j]
		copy(tr.W[k*d:(k+1)*d], tr.W[j*d:(j+1)*d])
		k++
	}
	if (m-1)%every != 0 {
		tr.T[k] = tr.T[m-1]
		copy(tr.W[k*d:(k+1)*d], tr.W[(m-1)*d:m*d])
		k++
	}
	tr.T, tr.W = tr.T[:k], tr.W[:k*d]
}

// measure fills in what is read off the kept trajectory.
func (w *worker) measure(oc *outcome, tr *flow.Trajectory, obj flow.Objective, window int) {
	if np := tr.Depth - 1; cap(w.d) < np {
		w.d = make([]float64, np)
	} else {
		w.d = w.d[:np]
	}
	last := tr.Last()
	oc.tFinal = tr.T[tr.Len()-1]
	oc.loss = obj.Loss(last)
	oc.W = flow.Product(last)
	oc.imb0 = flow.Imbalance(w.d, tr.At(0))
	oc.imb = flow.Imbalance(w.d, last)
	oc.d12 = flow.Pair(last, 0, 1)
	oc.sharp = flow.Sharpness(last)
	oc.phaseT = math.NaN()
	if window > 0 { // 0: the caller has the boundary already
		if ph := analysis.Phases(tr, obj.C, window); ph.Found {
			oc.phaseT = ph.T
		}
	}
	oc.tBal = math.NaN()
	thr := w.s.Balanced * oc.imb0
	for k := range tr.Len() {
		if flow.Imbalance(w.d, tr.At(k)) <= thr {
			oc.tBal = tr.T[k]
			break
		}
	}
}

// format appends the run's row, ending in a newline, to b. The parameters and the numbers
// that runs share (a start's weights and ‖D(0)‖, λ, the end times, a batch's seconds) are
// formatted once and kept in small caches: converting a float64 to its shortest decimal is
// most of the cost of a row.
func (w *worker) format(b []byte, r *Run, oc *outcome, sec float64) []byte {
	c := &w.fmt
	integer := func(v int, present bool) {
		if present {
			b = strconv.AppendInt(b, int64(v), 10)
		}
		b = append(b, ',')
	}
	integer(r.Index, true)
	integer(w.s.Len(), true)
	b = append(b, w.s.print...)
	b = append(b, ',')
	b = append(b, r.Method...)
	b = append(b, ',')
	integer(r.Depth, true)
	b = c.w0.append(b, r.W0)
	b = append(b, ',')
	b = c.params.num(b, r.LR)
	b = c.params.num(b, r.WD)
	b = c.params.num(b, r.Noise)
	integer(r.Batch, r.Batch > 0)
	integer(r.Steps, r.Steps > 0)
	b = c.params.num(b, r.TEnd)
	integer(r.Replicate, r.Replicate >= 0)
	if r.Random() {
		b = strconv.AppendUint(b, r.Seed, 10)
	}
	b = append(b, ',')
	b = append(b, oc.status...)
	b = append(b, ',')
	integer(oc.steps, true)
	integer(oc.evals, !r.Discrete())
	b = c.params.num(b, oc.tFinal)
	b = num(b, oc.loss)
	b = num(b, oc.W)
	b = c.imb0.num(b, oc.imb0)
	if r.Depth == 2 && oc.imb == math.Abs(oc.d12) && !math.IsNaN(oc.imb) && !math.IsInf(oc.imb, 0) {
		// ‖D‖ is |D_12| at depth 2: D_12's digits are ‖D‖'s with D_12's sign.
		at := len(b)
		b = num(b, oc.imb)
		end := len(b) - 1 // ‖D‖'s digits are b[at:end]
		if math.Signbit(oc.d12) {
			b = append(b, '-')
		}
		b = append(b, b[at:end]...)
		b = append(b, ',')
	} else {
		b = num(b, oc.imb)
		b = num(b, oc.d12)
	}
	b = num(b, oc.sharp)
	b = num(b, oc.phaseT)
	b = num(b, oc.tBal)
	if !c.secOK || math.Float64bits(sec) != c.secBits {
		c.sec = strconv.AppendFloat(c.sec[:0], sec, 'g', 4, 64)
		c.secBits, c.secOK = math.Float64bits(sec), true
	}
	b = append(b, c.sec...)
	return append(b, '\n')
}

// num appends the shortest decimal of v (nothing if v is not finite) and a comma.
func num(b []byte, v float64) []byte {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return append(b, ',')
}

// formats are the caches of format.
type formats struct {
	params, imb0 numCache
	w0           pointCache
	sec          []byte
	secBits      uint64
	secOK        bool
}

// numCache keeps the formatted cells (num) of the last 64 numbers seen, by their bits.
type numCache struct {
	bits [64]uint64
	cell [64][]byte
	ok   [64]bool
}

func (c *numCache) num(b []byte, v float64) []byte {
	x := math.Float64bits(v)
	i := (x * 0x9e3779b97f4a7c15) >> 58
	if !c.ok[i] || c.bits[i] != x {
		c.cell[i] = num(c.cell[i][:0], v)
		c.bits[i], c.ok[i] = x, true
	}
	return append(b, c.cell[i]...)
}

// pointCache keeps the formatted weights of the last starting point.
type pointCache struct {
	w    []float64
	cell []byte
	ok   bool
}

func (c *pointCache) append(b []byte, w []float64) []byte {
	same := c.ok && len(w) == len(c.w)
	for i := 0; same && i < len(w); i++ {
		same = math.Float64bits(w[i]) == math.Float64bits(c.w[i])
	}
	if !same {
		c.cell = c.cell[:0]
		for k, v := range w {
			if k > 0 {
				c.cell = append(c.cell, ' ')
			}
			c.cell = strconv.AppendFloat(c.cell, v, 'g', -1, 64)
		}
		c.w, c.ok = append(c.w[:0], w...), true
	}
	return append(b, c.cell...)
}
