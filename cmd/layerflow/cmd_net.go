package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"codeberg.org/sbinet/npyio/npz"
	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
	"gonum.org/v1/gonum/mat"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/analysis/budget"
	"github.com/layerflow/layerflow/analysis/plot"
	"github.com/layerflow/layerflow/discrete"
	"github.com/layerflow/layerflow/flow"
	datasets "github.com/layerflow/layerflow/flow/dataset"
	"github.com/layerflow/layerflow/flow/ode"
)

// maxParams bounds the parameter count of --widths: the integrators keep about a dozen
// vectors of that length (8 bytes per entry), so 5·10⁷ parameters already need ~5 GB.
const maxParams = 50_000_000

// maxNetBytes bounds a network's statistics and buffers whatever the memory budget: their
// factorizations take time cubic in the input width.
const maxNetBytes = 4e9

// netFlags are the flags of networks with matrix layers. samples adds --samples and
// --label-noise for commands that do not have them already.
func netFlags(samples bool) []cli.Flag {
	fs := []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "widths", Usage: "layer widths `n0,n1,…,nd` of a network with matrix layers W_i (n_i × n_{i−1}); with it --data names a dataset (mnist, mnist:DIR, teacher, scalar, FILE.csv, FILE.npy, X.npy,Y.npy, FILE.npz; default teacher) and --init a kind (gaussian, orthogonal, balanced, imbalanced) or a checkpoint .npz", Category: catModel}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "init-scale", Value: 1, Usage: "with --widths: the gain of the initial layers", Category: catModel}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "init-imbalance", Value: 0.5, Usage: "with --widths --init imbalanced: ‖D_i‖₂ of every layer pair", Category: catModel}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "prep", Value: "none", Usage: "with --widths: preprocessing of the data, none, center, whiten (or scalar: the paper's normalization of 1→1 data)", Category: catData}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "outputs", Value: 1, Usage: "with --widths and a CSV or single .npy: the last k columns are the targets", Category: catData}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "one-hot", Usage: "with --widths: expand one column of integer labels 0…C−1 to one-hot targets", Category: catData}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "spectrum", Usage: "with --widths --data teacher: singular values `s1,s2,…` of the teacher map (default r, r−1, …, 1)", Category: catData}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "top-k", Value: 5, Usage: "with --widths: record the k largest singular values of the product W", Category: catOutput}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "sharpness-every", Value: 0, Usage: "with --widths: measure the sharpness (Lanczos) at every n-th record (0: the first and last only)", Category: catOutput}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "checkpoint-every", Value: 0, Usage: "with --widths: save the weights to DIR/checkpoints/step-N.npz every n steps (0: the first and last only); the first and the last --keep-checkpoints are kept, older ones deleted as new ones are written", Category: catOutput}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "keep-checkpoints", Value: 10, Usage: "with --widths: the checkpoints kept besides the first (step 0): the last n written; a run's set replaces the step-N.npz of an earlier run in DIR/checkpoints", Category: catOutput}),
	}
	if samples {
		fs = append(fs,
			altsrc.NewIntFlag(&cli.IntFlag{Name: "samples", Value: 0, Usage: "with --widths: samples to keep of a file, or to generate (0: all, or 1000 for teacher)", Category: catData}),
			altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "label-noise", Value: 0.5, Usage: "with --widths: label noise of a generated dataset", Category: catData}))
	}
	return fs
}

// netRun is a matrix network set up from the flags.
type netRun struct {
	widths []int
	set    *datasets.Set // the samples; nil when set up by setupNetMoments
	info   datasets.Info // what was loaded and how it was preprocessed
	n      int           // samples
	mom    datasets.Moments
	net    *flow.Net
	w0     []float64
	init   map[string]any
	// initArg is the --init used: the flag's value, or the default kind "gaussian".
	initArg string
}

func parseWidths(s string) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 3 {
		return nil, fmt.Errorf("--widths %q: need n0,n1,…,nd with at least 2 layers", s)
	}
	w := make([]int, len(parts))
	params := 0.0
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--widths %q: width %q is not an integer ≥ 1", s, p)
		}
		w[i] = n
		if i > 0 {
			params += float64(n) * float64(w[i-1])
		}
	}
	if params > maxParams {
		return nil, fmt.Errorf("--widths %q: %.0f parameters, at most %d", s, params, maxParams)
	}
	// The statistics hold n0×n0 and nd×n0 numbers (twice: the data's and the network's), and
	// the integrators about 16 vectors of the parameters: bounded before anything is made.
	n0, nd := float64(w[0]), float64(w[len(w)-1])
	bytes := int64(-1) // more than any budget
	if b := 8 * (2*n0*n0 + 2*nd*n0 + 16*params); b < math.MaxInt64/2 {
		bytes = int64(b)
	}
	if err := budget.Check(fmt.Sprintf("--widths %q (statistics and buffers; the input width %d makes a %d×%d matrix)", s, w[0], w[0], w[0]), bytes); err != nil {
		return nil, err
	}
	// Beyond memory, time: the statistics' factorizations cost O(n0³); above 4 GB of them a
	// command would run for hours before its first step.
	if bytes > maxNetBytes {
		return nil, fmt.Errorf("--widths %q: the statistics and buffers need %.3g GB, over the %g GB the network commands take (the input width %d makes a %d×%d matrix, factorized in O(n0³))", s, float64(bytes)/1e9, maxNetBytes/1e9, w[0], w[0], w[0])
	}
	return w, nil
}

// setupNet reads the matrix-network flags: widths, data, objective and start, and loads the
// samples (nr.set) for the methods that draw from them (SGD, noisy GD). sigma is the input
// noise of the expected loss (the flow's), 0 for the discrete methods, which draw it.
func setupNet(ctx *cli.Context, sigma float64) (*netRun, error) {
	return setupNetData(ctx, sigma, true)
}

// setupNetMoments is setupNet for the methods that need only the moments of the data (the
// flows, full-batch GD): nr.set stays nil, and MNIST is streamed into its moments without
// being held (datasets.OpenMoments), so that memory does not scale with the samples.
func setupNetMoments(ctx *cli.Context, sigma float64) (*netRun, error) {
	return setupNetData(ctx, sigma, false)
}

func setupNetData(ctx *cli.Context, sigma float64, samples bool) (*netRun, error) {
	widths, err := parseWidths(ctx.String("widths"))
	if err != nil {
		return nil, err
	}
	d := len(widths) - 1
	mu, err := finiteFlag(ctx, "wd", 0, false)
	if err != nil {
		return nil, err
	}
	prep, err := datasets.ParsePrep(ctx.String("prep"))
	if err != nil {
		return nil, fmt.Errorf("--prep %q: want none, center, whiten or scalar", ctx.String("prep"))
	}
	o := datasets.Options{
		Outputs: ctx.Int("outputs"), Seed: ctx.Uint64("seed"), Inputs: widths[0], OutputsDim: widths[d],
		OneHot: ctx.Bool("one-hot"), Prep: prep,
		Compact:  ctx.Command.Name == "gd" || ctx.Command.Name == "sgd", // runNetDiscrete reads the samples through Gather only
		MaxBytes: dataBudget(ctx),
	}
	if o.OneHot {
		o.MaxClasses = widths[d] // a label beyond the outputs is refused before any one-hot row
	}
	if o.Outputs < 1 {
		return nil, fmt.Errorf("--outputs %d: must be ≥ 1", o.Outputs)
	}
	if ctx.IsSet("samples") || ctx.Int("samples") != 0 {
		// gd and sgd share --samples with the scalar model, whose default is 64.
		if !ctx.IsSet("samples") && ctx.Command.Name != "flow" {
			o.Samples = 0
		} else if o.Samples = ctx.Int("samples"); o.Samples < 1 {
			return nil, fmt.Errorf("--samples %d: must be ≥ 1", o.Samples)
		}
	}
	if o.Noise, err = finiteFlag(ctx, "label-noise", 0, false); err != nil {
		return nil, err
	}
	if s := ctx.String("spectrum"); s != "" {
		if o.Spectrum, err = parseList("spectrum", s); err != nil {
			return nil, err
		}
	}
	spec := ctx.String("data")
	if spec == "" {
		spec = "teacher"
	}
	nr := &netRun{widths: widths}
	if samples {
		if nr.set, err = datasets.Open(spec, o); err != nil {
			return nil, dataError(ctx, spec, err)
		}
		nr.info = nr.set.Info
		if nr.mom, err = nr.set.FiniteMoments(); err != nil {
			return nil, dataError(ctx, spec, err)
		}
	} else if nr.mom, nr.info, err = datasets.OpenMoments(spec, o); err != nil {
		return nil, dataError(ctx, spec, err)
	}
	nr.n = nr.mom.N
	if n0, nd := nr.mom.Dims(); n0 != widths[0] || nd != widths[d] {
		return nil, fmt.Errorf("--widths %s: the data %s has %d inputs and %d outputs, the widths need %d and %d", ctx.String("widths"), spec, n0, nd, widths[0], widths[d])
	}
	if nr.net, err = flow.NewNet(widths, flow.Stats{Sxx: nr.mom.Sxx, Syx: nr.mom.Syx, Syy: nr.mom.Syy}, mu, sigma); err != nil {
		return nil, err
	}
	if err := nr.start(ctx); err != nil {
		return nil, err
	}
	return nr, nil
}

// dataBudget is the memory budget of a --widths dataset: --max-memory when it is given
// (flag, environment or config), else 0, the dataset package's default (4 GiB).
func dataBudget(ctx *cli.Context) int64 {
	if ctx.String("max-memory") == "" {
		return 0
	}
	return budget.Limit()
}

// dataError names the flag at fault in an error of loading --data spec: --data, or for
// the teacher's statistics that overflow, the flags that sized its numbers.
func dataError(ctx *cli.Context, spec string, err error) error {
	if spec == "teacher" && errors.Is(err, datasets.ErrOverflow) {
		s := ctx.String("spectrum")
		if s == "" {
			s = "(default)"
		}
		return fmt.Errorf("--spectrum %s, --label-noise %v: %v", s, ctx.Float64("label-noise"), err)
	}
	return fmt.Errorf("--data %s: %v", spec, err)
}

// start reads --init: a kind drawn with --seed, a checkpoint, or the weights themselves.
func (nr *netRun) start(ctx *cli.Context) error {
	s := "gaussian"
	if ctx.IsSet("init") {
		s = ctx.String("init")
	}
	nr.initArg = s
	scale, err := finiteFlag(ctx, "init-scale", 0, true)
	if err != nil {
		return err
	}
	delta, err := finiteFlag(ctx, "init-imbalance", 0, false)
	if err != nil {
		return err
	}
	switch {
	case strings.HasSuffix(strings.ToLower(s), ".npz"):
		w, err := readCheckpoint(s, nr.net)
		if err != nil {
			return err
		}
		nr.w0 = w
		nr.init = map[string]any{"checkpoint": s}
	case len(s) > 0 && (s[0] == '-' || s[0] == '.' || s[0] >= '0' && s[0] <= '9'):
		w, err := parseList("init", s)
		if err != nil {
			return err
		}
		if len(w) != nr.net.Dim() {
			return fmt.Errorf("--init: %d weights for %d parameters of --widths %s", len(w), nr.net.Dim(), ctx.String("widths"))
		}
		nr.w0 = w
		nr.init = map[string]any{"weights": nums(w)}
	default:
		k, err := flow.ParseInitKind(s)
		if err != nil {
			return fmt.Errorf("--init %q: want gaussian, orthogonal, balanced, imbalanced, a checkpoint .npz or the weights", s)
		}
		in := flow.Init{Kind: k, Scale: scale, Delta: delta, Seed: ctx.Uint64("seed")}
		if nr.w0, err = in.Draw(nr.widths); err != nil {
			return fmt.Errorf("--init %s: %v", s, err)
		}
		nr.init = map[string]any{"kind": k.String(), "scale": num(scale), "seed": in.Seed}
		if k == flow.Imbalanced {
			nr.init["imbalance"] = num(delta)
		}
	}
	return nil
}

// readCheckpoint reads the layers W1 … Wd of a checkpoint written by writeCheckpoint (or by
// numpy: np.savez(path, W1=…, W2=…), whose members are named W1.npy, …). Every member's
// declared shape is checked against the widths of net, and its data against the member's
// size in the archive, before anything is allocated (datasets.Archive).
func readCheckpoint(path string, net *flow.Net) ([]float64, error) {
	z, err := datasets.OpenArchive(path)
	if err != nil {
		return nil, fmt.Errorf("--init %s: %v", path, err)
	}
	defer z.Close()
	widths := net.Widths()
	w := make([]float64, 0, net.Dim())
	for i := 1; i < len(widths); i++ {
		m, err := z.Matrix(fmt.Sprintf("W%d", i), widths[i], widths[i-1])
		if err != nil {
			return nil, fmt.Errorf("--init (the layers of --widths %s): %v", joinInts(widths), err)
		}
		w = append(w, m...)
	}
	return w, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

// openNetRecorder checks --checkpoint-every and --keep-checkpoints, prepares --out and opens
// the recorder of a run of net; it returns the recorder and the checkpoint interval. The
// run's checkpoints replace those of an earlier run in DIR/checkpoints when its set is made
// visible (a run that fails leaves the earlier run's set, checkpoints included, as it was).
func openNetRecorder(ctx *cli.Context, net *flow.Net) (*netRecorder, int, error) {
	ck := ctx.Int("checkpoint-every")
	if ck < 0 {
		return nil, 0, fmt.Errorf("--checkpoint-every %d: must be ≥ 0", ck)
	}
	keep := ctx.Int("keep-checkpoints")
	if keep < 1 {
		return nil, 0, fmt.Errorf("--keep-checkpoints %d: must be ≥ 1 (the last checkpoint is always kept)", keep)
	}
	dir := ctx.String("out")
	if err := prepareDir(dir); err != nil {
		return nil, 0, err
	}
	replacesOutputs(filepath.Join(dir, "checkpoints"), "step-*.npz")
	rec, err := newNetRecorder(ctx, dir, net)
	if rec != nil {
		rec.keepCk = keep
	}
	return rec, ck, err
}

// summarize adds what the recorder kept to the summary s, writes summary.json and draws the
// figures of --plot; it returns the figure files.
func (r *netRecorder) summarize(ctx *cli.Context, s map[string]any, label string) ([]string, error) {
	s["records"] = r.n
	s["checkpoints"] = r.ckpts
	if r.ckDeleted > 0 {
		s["checkpoints_deleted"] = r.ckDeleted
	}
	if r.points != nil {
		s["points"] = r.points
	}
	s["first"], s["final"] = pointOf(r.first), pointOf(r.last)
	if err := writeJSON(filepath.Join(r.dir, "summary.json"), s); err != nil {
		return nil, err
	}
	return plotNetRecords(ctx, r, label)
}

// netRecorder streams records of a run to DIR/records.csv (through a temporary file renamed
// at the end) and writes checkpoints, keeping no weights in memory.
type netRecorder struct {
	net        *flow.Net
	dir        string
	f          *os.File
	finish     func(ok bool) error
	bw         *bufio.Writer
	topK       int
	sharpEvery int
	n          int // records written
	first      analysis.NetPoint
	last       analysis.NetPoint
	lastStep   int
	lastT      float64
	ckpts      []string
	lastCk     int
	keepCk     int // checkpoints kept besides the first (--keep-checkpoints)
	maxGap     int // the largest step between two records but the last two
	lastGap    int
	ckDeleted  int // checkpoints written and deleted for newer ones
	err        error
	// points says how the records were thinned to --max-points (summary.json), nil when
	// they were not; thinned the same for the "wrote" line.
	points  map[string]any
	thinned string
	// What the figure draws, thinned to at most maxPlotPoints records by dropping every
	// other one when full, so that memory does not grow with the run.
	plotT, plotLoss, plotSharp []float64
	plotD, plotSV              [][]float64
	plotStride, plotSkip       int
	// decay, when set, is the factor weight decay alone gives ‖D_i‖ by time t (drawn with
	// the imbalance), named decayName.
	decay     func(t float64) float64
	decayName string
}

const maxPlotPoints = 4096

func newNetRecorder(ctx *cli.Context, dir string, net *flow.Net) (*netRecorder, error) {
	r := &netRecorder{net: net, dir: dir, topK: ctx.Int("top-k"), sharpEvery: ctx.Int("sharpness-every")}
	if r.topK < 0 {
		return nil, fmt.Errorf("--top-k %d: must be ≥ 0", r.topK)
	}
	if r.sharpEvery < 0 {
		return nil, fmt.Errorf("--sharpness-every %d: must be ≥ 0", r.sharpEvery)
	}
	f, finish, err := createOutput(filepath.Join(dir, "records.csv"))
	if err != nil {
		return nil, err
	}
	r.f, r.finish, r.bw = f, finish, bufio.NewWriter(f)
	head := []string{"step", "t", "loss", "objective"}
	for i := 1; i < net.Depth(); i++ {
		head = append(head, fmt.Sprintf("D%d_fro", i))
	}
	for i := 1; i < net.Depth(); i++ {
		head = append(head, fmt.Sprintf("D%d_spec", i))
	}
	head = append(head, "sharpness", "sharpness_bound")
	for k := 1; k <= min(r.topK, min(net.Widths()[0], net.Widths()[net.Depth()])); k++ {
		head = append(head, fmt.Sprintf("sv%d", k))
	}
	r.topK = min(r.topK, min(net.Widths()[0], net.Widths()[net.Depth()]))
	_, r.err = fmt.Fprintln(r.bw, strings.Join(head, ","))
	return r, nil
}

// record measures w at (step, t) and writes a row; sharp forces the sharpness.
func (r *netRecorder) record(step int, t float64, w []float64, force bool) {
	sharp := force
	if r.err != nil {
		return
	}
	sharp = sharp || r.n == 0 || (r.sharpEvery > 0 && r.n%r.sharpEvery == 0)
	// The first and the last records also give the eigenvalues of every D_i (summary.json).
	p := analysis.MeasureNet(r.net, w, r.topK, sharp, force || r.n == 0)
	row := []string{strconv.Itoa(step), rtoa(t), rtoa(p.Loss), rtoa(p.Value)}
	for _, v := range p.DF {
		row = append(row, rtoa(v))
	}
	for _, v := range p.D2 {
		row = append(row, rtoa(v))
	}
	row = append(row, rtoa(p.Sharpness), rtoa(p.SharpBound))
	for _, v := range p.SV {
		row = append(row, rtoa(v))
	}
	if _, err := fmt.Fprintln(r.bw, strings.Join(row, ",")); err != nil {
		r.err = fmt.Errorf("write %s: %v", filepath.Join(r.dir, "records.csv"), err)
	}
	if r.n == 0 {
		r.first = p
	} else {
		// The gap before the last record ends the run, not the thinning: not counted.
		r.maxGap, r.lastGap = max(r.maxGap, r.lastGap), step-r.lastStep
	}
	r.last, r.lastStep, r.lastT = p, step, t
	r.n++
	r.keep(t, p)
}

// keep adds a record to the figure's data, thinning it when full.
func (r *netRecorder) keep(t float64, p analysis.NetPoint) {
	if r.plotStride == 0 {
		r.plotStride = 1
		r.plotD, r.plotSV = make([][]float64, len(p.DF)), make([][]float64, len(p.SV))
	}
	if r.plotSkip++; r.plotSkip < r.plotStride && len(r.plotT) > 0 {
		return
	}
	r.plotSkip = 0
	if len(r.plotT) == maxPlotPoints {
		half := func(v []float64) []float64 {
			for i := 0; 2*i < len(v); i++ {
				v[i] = v[2*i]
			}
			return v[:(len(v)+1)/2]
		}
		r.plotT, r.plotLoss, r.plotSharp = half(r.plotT), half(r.plotLoss), half(r.plotSharp)
		for i := range r.plotD {
			r.plotD[i] = half(r.plotD[i])
		}
		for i := range r.plotSV {
			r.plotSV[i] = half(r.plotSV[i])
		}
		r.plotStride *= 2
	}
	r.plotT, r.plotLoss, r.plotSharp = append(r.plotT, t), append(r.plotLoss, p.Loss), append(r.plotSharp, p.Sharpness)
	for i, v := range p.DF {
		r.plotD[i] = append(r.plotD[i], v)
	}
	for i, v := range p.SV {
		r.plotSV[i] = append(r.plotSV[i], v)
	}
}

// figures returns the figures of a run: the loss, the imbalance of every pair, the
// sharpness, and the top singular values of W against t.
func (r *netRecorder) figures(label string) []analysis.Figure {
	loss := analysis.Figure{Name: "loss", Title: label + ": loss", XLabel: "t", YLabel: "loss L", LogY: true,
		Series: []analysis.Curve{{Name: "L", X: r.plotT, Y: r.plotLoss, Style: "line"}}}
	imb := analysis.Figure{Name: "imbalance", Title: label + ": layer imbalance (Frobenius norm)", XLabel: "t", YLabel: "‖D_i‖", LogY: true}
	for i, v := range r.plotD {
		imb.Series = append(imb.Series, analysis.Curve{Name: fmt.Sprintf("‖D_%d‖", i+1), X: r.plotT, Y: v, Style: "line"})
	}
	if r.decay != nil && len(r.plotD) > 0 && len(r.plotT) > 0 {
		// The law of weight decay for the first pair: D_1(t) = D_1(0)·decay(t).
		th := make([]float64, len(r.plotT))
		for k, t := range r.plotT {
			th[k] = r.plotD[0][0] * r.decay(t)
		}
		imb.Series = append(imb.Series, analysis.Curve{Name: r.decayName, X: r.plotT, Y: th, Style: "dashed"})
	}
	var st, sy []float64
	for k, v := range r.plotSharp {
		if !math.IsNaN(v) {
			st, sy = append(st, r.plotT[k]), append(sy, v)
		}
	}
	sharp := analysis.Figure{Name: "sharpness", Title: label + ": sharpness", XLabel: "t", YLabel: "λ_max(∇²L)",
		Series: []analysis.Curve{{Name: "sharpness", X: st, Y: sy, Style: "linepoints"}}}
	sv := analysis.Figure{Name: "singular-values", Title: label + ": singular values of W", XLabel: "t", YLabel: "σ_k(W)"}
	for i, v := range r.plotSV {
		sv.Series = append(sv.Series, analysis.Curve{Name: fmt.Sprintf("σ_%d", i+1), X: r.plotT, Y: v, Style: "line"})
	}
	return []analysis.Figure{loss, imb, sharp, sv}
}

// checkpoint writes the layers of w to DIR/checkpoints/step-NNNNNNNNN.npz.
func (r *netRecorder) checkpoint(step int, t float64, w []float64) {
	if r.err != nil {
		return
	}
	if len(r.ckpts) > 0 && r.lastCk == step {
		return
	}
	r.lastCk = step
	name := filepath.Join("checkpoints", fmt.Sprintf("step-%09d.npz", step))
	path := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.err = fmt.Errorf("write %s: %v", path, unwrapPath(err))
		return
	}
	err := writeAtomic(path, func(out io.Writer) error { return writeCheckpoint(out, r.net, step, t, w) })
	if err != nil {
		r.err = err
		return
	}
	r.ckpts = append(r.ckpts, name)
	// The first checkpoint and the last keepCk: the oldest of the others goes.
	if r.keepCk > 0 && len(r.ckpts) > 1+r.keepCk {
		dropOutput(filepath.Join(r.dir, r.ckpts[1]))
		r.ckpts = append(r.ckpts[:1], r.ckpts[2:]...)
		r.ckDeleted++
	}
}

// printWrote lists the files of a run: records.csv, summary.json, every checkpoint and the
// figures.
func (r *netRecorder) printWrote(w io.Writer, figs []string) {
	fmt.Fprintf(w, "wrote %s (%d rows%s)\n", filepath.Join(r.dir, "records.csv"), r.n, r.thinned)
	printWrote(w, filepath.Join(r.dir, "summary.json"))
	for _, c := range r.ckpts {
		printWrote(w, filepath.Join(r.dir, c))
	}
	if r.ckDeleted > 0 {
		fmt.Fprintf(w, "deleted %d older checkpoints (--keep-checkpoints %d)\n", r.ckDeleted, r.keepCk)
	}
	printWrote(w, figs...)
}

// writeCheckpoint writes W1 … Wd (n_i × n_{i−1} float64 arrays), step and t as an .npz that
// numpy.load reads.
func writeCheckpoint(out io.Writer, net *flow.Net, step int, t float64, w []float64) error {
	z := npz.NewWriter(out)
	for i := 1; i <= net.Depth(); i++ {
		if err := z.Write(fmt.Sprintf("W%d", i), mat.DenseCopyOf(net.Layer(w, i))); err != nil {
			return err
		}
	}
	if err := z.Write("step", []int64{int64(step)}); err != nil {
		return err
	}
	if err := z.Write("t", []float64{t}); err != nil {
		return err
	}
	return z.Close()
}

// close flushes the records and renames them into place (ok) or removes them.
func (r *netRecorder) close(ok bool) error {
	err := r.err
	if e := r.bw.Flush(); err == nil && e != nil {
		err = fmt.Errorf("write %s: %v", filepath.Join(r.dir, "records.csv"), e)
	}
	if e := r.f.Close(); err == nil && e != nil {
		err = e
	}
	if err != nil || !ok {
		r.finish(false)
		return err
	}
	return r.finish(true)
}

func pointOf(p analysis.NetPoint) map[string]any {
	m := map[string]any{
		"loss": num(p.Loss), "objective": num(p.Value),
		"imbalance_fro": nums(p.DF), "imbalance_spec": nums(p.D2),
		"sharpness": num(p.Sharpness), "sharpness_bound": num(p.SharpBound),
		"top_singular_values": nums(p.SV),
	}
	if p.DEig != nil {
		eig := make([]any, len(p.DEig))
		for i, v := range p.DEig {
			eig[i] = nums(v)
		}
		m["imbalance_eigenvalues"] = eig
	}
	return m
}

func (nr *netRun) summary(ctx *cli.Context, method string) map[string]any {
	return map[string]any{
		"settings": recordSettings(ctx, map[string]any{"init": nr.initArg}),
		"method":   method,
		"data":     nr.info,
		"model": map[string]any{
			"widths": nr.widths, "parameters": nr.net.Dim(),
			"weight_decay": num(nr.net.WeightDecay()), "noise": num(ctx.Float64("noise")),
		},
		"init": nr.init,
	}
}

// interrupted reports whether the command was asked to stop (Ctrl-C, SIGTERM).
func interrupted(ctx *cli.Context) bool { return ctx.Context != nil && ctx.Context.Err() != nil }

func printNetFinal(w io.Writer, r *netRecorder) {
	p := r.last
	fmt.Fprintf(w, "final (step %d, t=%.6g): loss %.6g, objective %.6g, ‖D_i‖_F %.4g, sharpness %.6g, top singular values of W %.4g\n",
		r.lastStep, r.lastT, p.Loss, p.Value, p.DF, p.Sharpness, p.SV)
}

// runNetFlow is the flow command with --widths.
func runNetFlow(ctx *cli.Context) error {
	sigma, err := finiteFlag(ctx, "noise", 0, false)
	if err != nil {
		return err
	}
	nr, err := setupNetMoments(ctx, sigma)
	if err != nil {
		return err
	}
	m, set, err := solverSettings(ctx)
	if err != nil {
		return err
	}
	t1, err := finiteFlag(ctx, "t-end", 0, true)
	if err != nil {
		return err
	}
	dt, err := finiteFlag(ctx, "dt", 0, false)
	if err != nil {
		return err
	}
	mlr, err := finiteFlag(ctx, "modified-lr", 0, false)
	if err != nil {
		return err
	}
	budget, err := pointBudget(ctx, nr.net.Depth())
	if err != nil {
		return err
	}
	every, err := flowOutputStride(budget, set.MaxSteps, t1, dt)
	if err != nil {
		return err
	}
	rec, ck, err := openNetRecorder(ctx, nr.net)
	if err != nil {
		return err
	}
	if mu := nr.net.WeightDecay(); mu > 0 {
		rec.decay, rec.decayName = func(t float64) float64 { return math.Exp(-2 * mu * t) }, "‖D_1(0)‖·exp(−2μt) (law)"
	}
	spec := analysis.RunSpec{Method: analysis.MethodFlow, Model: nr.net, Start: nr.w0, T: t1, Solver: m, Settings: set}
	label := "flow"
	if mlr > 0 {
		spec.Method, spec.LR, label = analysis.MethodModified, mlr, "modified"
	}
	// Records at the first accepted step at or after every multiple of dt (every every-th
	// multiple beyond --max-points), or at every accepted step for dt = 0, thinned while
	// running to --max-points by the dispatcher: states of the integration itself, no
	// interpolation, no storage. The dispatcher hands over the start (k = 0) and the accepted
	// steps (all of them for dt > 0); a checkpoint is written at the first one handed over at
	// or after every multiple of --checkpoint-every.
	next, nextCk, opt := 0.0, 0, analysis.StreamOptions{Context: ctx.Context}
	if dt == 0 {
		opt.MaxPoints = budget
	}
	start := time.Now()
	prog, pl := streamProgress(ctx, true)
	opt.Progress = prog
	opt.Keep = func(k int, t float64, y []float64) error {
		if t >= next || t == t1 {
			rec.record(k, t, y, t == t1)
			for next <= t && dt > 0 {
				next += float64(every) * dt
			}
		}
		if k >= nextCk && (ck > 0 || k == 0) {
			rec.checkpoint(k, t, y)
			nextCk = (k/max(ck, 1) + 1) * max(ck, 1)
		}
		return rec.err
	}
	run, err := analysis.Stream(spec, opt)
	pl.finish()
	secs := time.Since(start).Seconds()
	if err != nil {
		rec.close(false)
		return err
	}
	res, stopped := run.Result, run.Interrupted
	ierr := res.Err()
	if rec.lastT != res.T && rec.err == nil && allFinite(res.Y) {
		rec.record(run.Points-1, res.T, res.Y, true)
	}
	if allFinite(res.Y) {
		rec.checkpoint(run.Points-1, res.T, res.Y)
	}
	if err := rec.close(true); err != nil {
		return err
	}
	status := res.Status.String()
	if stopped {
		status = "interrupted"
	}
	switch {
	case run.Kept < run.Points:
		// The largest stride of the thinning, in accepted steps.
		rec.points = map[string]any{"measured": run.Points, "written": rec.n, "max_points": budget, "max_stride": rec.maxGap}
		rec.thinned = fmt.Sprintf(" of %d accepted steps, thinned to --max-points %d: strides 1, 2, 4, … up to %d", run.Points, budget, rec.maxGap)
	case every > 1:
		rec.points = map[string]any{"written": rec.n, "max_points": budget, "dt_every": every}
		rec.thinned = fmt.Sprintf(": every %d-th multiple of --dt, to fit --max-points %d", every, budget)
	}
	s := nr.summary(ctx, label)
	s["status"] = status
	s["stats"] = map[string]any{"evaluations": res.Stats.Evaluations, "steps": res.Stats.Steps, "accepted": res.Stats.Accepted, "rejected": res.Stats.Rejected}
	s["seconds"] = num(secs)
	s["t_end"] = num(res.T)
	figs, err := rec.summarize(ctx, s, label)
	if err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "%s of widths %v (%d parameters) on %s: %s at t=%g after %d evaluations (%d accepted, %d rejected steps), %.3g s\n",
		label, nr.widths, nr.net.Dim(), nr.info.Source, status, res.T, res.Stats.Evaluations, res.Stats.Accepted, res.Stats.Rejected, secs)
	printNetFinal(w, rec)
	rec.printWrote(w, figs)
	if stopped {
		return &exitError{code: 130, msg: "interrupted; the outputs hold the run up to the stop"}
	}
	if ierr != nil {
		return &exitError{code: 1, msg: ierr.Error()}
	}
	return nil
}

func allFinite(y []float64) bool {
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// runNetDiscrete is gd and sgd with --widths.
func runNetDiscrete(ctx *cli.Context, sgd bool) error {
	sigma, err := finiteFlag(ctx, "noise", 0, false)
	if err != nil {
		return err
	}
	// Only SGD and noisy GD draw from the samples; GD needs the moments.
	setup := setupNetMoments
	if sgd || sigma > 0 {
		setup = setupNet
	}
	nr, err := setup(ctx, 0)
	if err != nil {
		return err
	}
	lr, steps, err := lrStepsStreamed(ctx, 0)
	if err != nil {
		return err
	}
	record := ctx.Int("record")
	if record < 1 {
		return fmt.Errorf("--record %d: must be ≥ 1", record)
	}
	p := discrete.NetProblem{Model: nr.net, Noise: sigma}
	batch := 0
	n := nr.n
	if sgd {
		batch = ctx.Int("batch")
		if batch < 1 || batch > n {
			return fmt.Errorf("--batch %d: must be between 1 and the %d samples", batch, n)
		}
	}
	if sgd || sigma > 0 {
		p.Samples = nr.set
	}
	budget, err := pointBudget(ctx, nr.net.Depth())
	if err != nil {
		return err
	}
	stride := analysis.RecordStride(steps, record, budget)
	rec, ck, err := openNetRecorder(ctx, nr.net)
	if err != nil {
		return err
	}
	if mu := nr.net.WeightDecay(); mu > 0 {
		// A step multiplies D_i by (1 − λμ)² and adds λ²(G_{i+1}ᵀG_{i+1} − G_iG_iᵀ): the first
		// factor alone.
		rec.decay = func(t float64) float64 { return math.Pow(1-lr*mu, 2*math.Round(t/lr)) }
		rec.decayName = "‖D_1(0)‖·(1 − λμ)²ᵏ (decay alone)"
	}
	method := analysis.MethodGD
	switch {
	case sgd:
		method = analysis.MethodSGD
	case sigma > 0:
		method = analysis.MethodNoisyGD
	}
	// Every iterate is handed over (Record 1): the recorder keeps every stride-th (--record,
	// or more to fit --max-points) and the checkpoints.
	spec := analysis.RunSpec{Method: method, Model: nr.net, Start: nr.w0, LR: lr, Steps: steps, Batch: batch,
		Seed: ctx.Uint64("seed"), Record: 1, X: p.X, Y: p.Y, Samples: p.Samples, Noise: sigma}
	start := time.Now()
	prog, pl := streamProgress(ctx, false)
	run, err := analysis.Stream(spec, analysis.StreamOptions{Context: ctx.Context, Progress: prog,
		Keep: func(k int, t float64, w []float64) error {
			if k%stride == 0 || k == steps {
				rec.record(k, t, w, k == steps)
			}
			if k == 0 || k == steps || ck > 0 && k%ck == 0 {
				rec.checkpoint(k, t, w)
			}
			return rec.err
		}})
	pl.finish()
	secs := time.Since(start).Seconds()
	if err != nil {
		rec.close(false)
		return err
	}
	res, stopped := run.Discrete, run.Interrupted
	if rec.lastStep != res.Steps && run.W != nil {
		// A diverged or stopped run ends between record steps: record its last iterate (inside
		// the bound), and checkpoint it, so that the files end where the run did.
		rec.record(res.Steps, float64(res.Steps)*lr, run.W, true)
		rec.checkpoint(res.Steps, float64(res.Steps)*lr, run.W)
	}
	if err := rec.close(true); err != nil {
		return err
	}
	status := res.Status.String()
	if res.Status == discrete.Diverged {
		status = fmt.Sprintf("diverged at step %d", res.DivergedAt)
	}
	if stopped {
		status = "interrupted"
	}
	if stride > record {
		rec.points = map[string]any{"written": rec.n, "stride": stride, "record": record, "max_points": budget}
		rec.thinned = fmt.Sprintf(": every %d-th step, to fit --max-points %d", stride, budget)
	}
	s := nr.summary(ctx, run.Label)
	s["status"] = status
	s["stats"] = map[string]any{"steps": res.Steps, "steps_per_second": num(float64(res.Steps) / secs)}
	s["seconds"] = num(secs)
	figs, err := rec.summarize(ctx, s, run.Label)
	if err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "%s of widths %v (%d parameters) on %s (%d samples): %s after %d steps (t=%g), %.3g s, %.4g steps/s\n",
		run.Label, nr.widths, nr.net.Dim(), nr.info.Source, n, status, res.Steps, float64(res.Steps)*lr, secs, float64(res.Steps)/secs)
	printNetFinal(w, rec)
	rec.printWrote(w, figs)
	if stopped {
		return &exitError{code: 130, msg: "interrupted; the outputs hold the run up to the stop"}
	}
	return nil
}

// plotNetRecords draws the run's figures when --plot FILE is set: FILE holds the loss, and
// FILE-imbalance, FILE-sharpness and FILE-singular-values (same extension) the rest. A
// signal stops the drawing as in plotRun: the figures are dropped and the status is 130.
func plotNetRecords(ctx *cli.Context, r *netRecorder, label string) (wrote []string, err error) {
	defer guardPlot(&err)
	path := ctx.String("plot")
	if path == "" {
		return nil, nil
	}
	if interrupted(ctx) {
		// The run itself was stopped: no figures, and the caller reports the stop with the
		// run's outcome.
		return nil, nil
	}
	defer func() {
		if interrupted(ctx) {
			dropStaged(wrote...)
			wrote, err = nil, &exitError{code: 130, msg: "interrupted; the outputs hold the run up to the stop, without the figures of --plot"}
		}
	}()
	st, err := figureStyle(ctx)
	if err != nil {
		return nil, err
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for k, fig := range r.figures(label) {
		p := path
		if k > 0 {
			p = stem + "-" + fig.Name + ext
		}
		pf, err := plot.Chart(fig, st)
		if err != nil {
			return wrote, err
		}
		if interrupted(ctx) {
			return wrote, context.Canceled
		}
		if err := saveFigure(pf.WithContext(ctx.Context), p); err != nil {
			return wrote, err
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}

// rtoa writes x in the shortest form that reads back to the same float64, and NaN and the
// infinities as numpy reads them (nan, inf, -inf).
func rtoa(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// runNetCompare is compare with --widths: GD against the gradient flow and the modified flow
// from the same start, at t = k·λ for every --record-th k (thinned to --max-points rows),
// through analysis.CompareStream: the flows are single solves with output at those times,
// beside reference solves with tolerances a hundred times tighter that estimate their
// errors, and the rows are written as they come.
func runNetCompare(ctx *cli.Context) error {
	nr, err := setupNetMoments(ctx, 0)
	if err != nil {
		return err
	}
	lr, steps, err := lrStepsStreamed(ctx, 1)
	if err != nil {
		return err
	}
	rtol, atol, err := tolerances(ctx)
	if err != nil {
		return err
	}
	method := ctx.String("method")
	if _, err := ode.NewMethod(method); err != nil {
		return fmt.Errorf("--method %q: want dopri5, dop853 or gauss", method)
	}
	record := ctx.Int("record")
	if record < 1 {
		return fmt.Errorf("--record %d: must be ≥ 1", record)
	}
	budget, err := pointBudget(ctx, 1)
	if err != nil {
		return err
	}
	dir := ctx.String("out")
	if err := prepareDir(dir); err != nil {
		return err
	}
	head := []string{"k", "t", "loss_gd", "loss_flow", "loss_modified", "dist_flow", "dist_modified", "err_flow", "err_modified"}
	for i := 1; i < nr.net.Depth(); i++ {
		head = append(head, fmt.Sprintf("gd_D%d_fro", i), fmt.Sprintf("flow_D%d_fro", i), fmt.Sprintf("modified_D%d_fro", i))
	}
	csvPath := filepath.Join(dir, "compare.csv")
	out, err := openStream(csvPath)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(out.bw, strings.Join(head, ",")); err != nil {
		out.close(false)
		return fmt.Errorf("write %s: %v", csvPath, err)
	}
	pairs := make([][]float64, 3)
	for i := range pairs {
		pairs[i] = make([]float64, nr.net.Depth()-1)
	}
	var rec []string
	rows, lastK := 0, 0
	prog := startProgress(ctx, "‰ (GD, then the flows beside it)")
	var progress func(done, total float64)
	if prog != nil {
		progress = func(done, total float64) { prog.update(int64(1000*done/total), 1000) }
	}
	c, err := analysis.CompareStream(nr.net, nr.w0, lr, steps, analysis.CompareSettings{Method: method, Rtol: rtol, Atol: atol,
		MaxPoints: budget, Record: record, Context: ctx.Context, Progress: progress},
		func(p *analysis.ComparePoint) error {
			rec = append(rec[:0], strconv.Itoa(p.K), rtoa(p.T), rtoa(nr.net.Loss(p.GD)), rtoa(nr.net.Loss(p.Flow)), rtoa(nr.net.Loss(p.Modified)),
				rtoa(p.DistFlow), rtoa(p.DistModified), rtoa(p.ErrFlowAt), rtoa(p.ErrModifiedAt))
			nr.net.PairImbalance(pairs[0], p.GD)
			nr.net.PairImbalance(pairs[1], p.Flow)
			nr.net.PairImbalance(pairs[2], p.Modified)
			for i := range pairs[0] {
				rec = append(rec, rtoa(pairs[0][i]), rtoa(pairs[1][i]), rtoa(pairs[2][i]))
			}
			rows, lastK = rows+1, p.K
			if _, err := fmt.Fprintln(out.bw, strings.Join(rec, ",")); err != nil {
				return fmt.Errorf("write %s: %v", csvPath, err)
			}
			return nil
		})
	prog.finish()
	var ie *analysis.IntegrationError
	if errors.As(err, &ie) {
		out.close(false)
		return &exitError{code: 1, msg: err.Error()}
	}
	if err != nil {
		out.close(false)
		return err
	}
	if err := out.close(true); err != nil {
		return err
	}
	// Interrupted, the comparison holds the steps up to the last compared one.
	// (A signal that ends GD's lane first ends the comparison without the lanes saying so:
	// the context tells.)
	status, done, ran := c.GDStatus, c.Steps, ""
	stopped := c.Interrupted || interrupted(ctx) && lastK < c.Steps
	if stopped {
		status, done, ran = "interrupted", lastK, fmt.Sprintf(" of %d", steps)
	}
	s := nr.summary(ctx, "compare")
	s["status"] = status
	s["stats"] = map[string]any{"steps": done, "flow_evaluations": c.FlowStats.Evaluations, "modified_evaluations": c.ModifiedStats.Evaluations}
	s["max_distance_flow"], s["max_distance_modified"] = num(c.MaxFlow), num(c.MaxModified)
	// The flows' own errors: distances below them are not resolved.
	s["error_flow"], s["error_modified"] = num(c.ErrFlow), num(c.ErrModified)
	s["points"] = map[string]any{"compared": c.Points, "record": record, "max_points": budget}
	if err := writeJSON(filepath.Join(dir, "summary.json"), s); err != nil {
		return err
	}
	w := ctx.App.Writer
	fmt.Fprintf(w, "GD (λ=%g, %d%s steps, %s) of widths %v against the flows at t = k·λ: max ‖GD − flow‖ %.3e, max ‖GD − modified‖ %.3e; the flows' errors %.1e and %.1e (%d and %d evaluations)\n",
		lr, done, ran, status, nr.widths, c.MaxFlow, c.MaxModified, c.ErrFlow, c.ErrModified, c.FlowStats.Evaluations, c.ModifiedStats.Evaluations)
	fmt.Fprintf(w, "wrote %s (%d rows)\n", csvPath, rows)
	printWrote(w, filepath.Join(dir, "summary.json"))
	if stopped {
		return &exitError{code: 130, msg: "interrupted; the outputs hold the comparison up to the stop"}
	}
	return nil
}
