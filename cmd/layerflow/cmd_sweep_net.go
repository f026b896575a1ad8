package main

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/analysis/sweep"
	"github.com/layerflow/layerflow/flow"
	datasets "github.com/layerflow/layerflow/flow/dataset"
	"github.com/layerflow/layerflow/flow/ode"
)

// netSweepFlags are the sweep flags of networks with matrix layers.
func netSweepFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "widths", Usage: "a sweep of networks with matrix layers: widths lists `n0,…,nd;n0,…,nd` (all with the n0 and nd of --data)", Category: catGrid},
		&cli.StringFlag{Name: "init", Usage: "with --widths: initializations gaussian, orthogonal, balanced, imbalanced (default gaussian)", Category: catGrid},
		&cli.StringFlag{Name: "init-scale", Usage: "with --widths: gains of the initial layers (default 1)", Category: catGrid},
		&cli.StringFlag{Name: "init-imbalance", Usage: "with --widths --init imbalanced: ‖D_i‖₂ (default 0.5)", Category: catGrid},
		&cli.StringFlag{Name: "prep", Usage: "with --widths: preprocessing of --data: none, center, whiten (default none)", Category: catGrid},
	}
}

// gridValues reads a list "a,b,c" or a range "from:to:num[:log]".
func gridValues(flag, s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	if strings.Contains(s, ":") {
		p := strings.Split(s, ":")
		if len(p) < 3 || len(p) > 4 || (len(p) == 4 && p[3] != "log") {
			return nil, fmt.Errorf("--%s %q: want from:to:num or from:to:num:log", flag, s)
		}
		a, e1 := strconv.ParseFloat(p[0], 64)
		b, e2 := strconv.ParseFloat(p[1], 64)
		n, e3 := strconv.Atoi(p[2])
		if e1 != nil || e2 != nil || e3 != nil || n < 1 || n > 1_000_000 || math.IsInf(a, 0) || math.IsInf(b, 0) {
			return nil, fmt.Errorf("--%s %q: want from:to:num with finite ends and 1 ≤ num ≤ 10⁶", flag, s)
		}
		log := len(p) == 4
		if log && !(a > 0 && b > 0) {
			return nil, fmt.Errorf("--%s %q: a log range needs ends > 0", flag, s)
		}
		out := make([]float64, n)
		for k := range out {
			f := 0.0
			if n > 1 {
				f = float64(k) / float64(n-1)
			}
			if log {
				out[k] = math.Exp(math.Log(a) + f*(math.Log(b)-math.Log(a)))
			} else {
				out[k] = a + f*(b-a)
			}
		}
		return out, nil
	}
	return parseList(flag, s)
}

// netSweepRun is one run of a matrix-network sweep.
type netSweepRun struct {
	index                int
	method               analysis.Method
	widths               []int
	init                 flow.InitKind
	scale, lr, wd, noise float64
	batch, steps         int
	tEnd                 float64
	replicate            int
	seed                 uint64
}

// runNetSweep is sweep with --widths: the product of the lists, run on all cores, one row
// per run appended to --out, resumable and shardable like the scalar sweeps (whose first
// three columns it shares, so that merge joins its shards).
func runNetSweep(ctx *cli.Context) error {
	if ctx.NArg() > 0 {
		return fmt.Errorf("sweep --widths: the grid comes from flags, not a sweep file (%s)", strings.Join(ctx.Args().Slice(), " "))
	}
	shard, shards, err := parseShard(ctx.String("shard"))
	if err != nil {
		return err
	}
	workers := ctx.Int("workers")
	if workers < 0 {
		return fmt.Errorf("--workers %d: must be ≥ 0 (0: all cores)", workers)
	}
	if workers == 0 || workers > runtime.NumCPU() {
		workers = runtime.NumCPU()
	}
	var widthsList [][]int
	for _, w := range strings.Split(ctx.String("widths"), ";") {
		ws, err := parseWidths(strings.TrimSpace(w))
		if err != nil {
			return err
		}
		widthsList = append(widthsList, ws)
	}
	list := func(flag string, def []float64) ([]float64, error) {
		v, err := gridValues(flag, ctx.String(flag))
		if v == nil && err == nil {
			v = def
		}
		return v, err
	}
	var methods []analysis.Method
	ms := ctx.String("method")
	if ms == "" {
		ms = "gd"
	}
	for _, m := range strings.Split(ms, ",") {
		mm, err := analysis.ParseMethod(strings.TrimSpace(m))
		if err != nil {
			return fmt.Errorf("--method %q: want flow, modified, gd, sgd, noisy-gd", m)
		}
		methods = append(methods, mm)
	}
	var kinds []flow.InitKind
	is := ctx.String("init")
	if is == "" {
		is = "gaussian"
	}
	for _, k := range strings.Split(is, ",") {
		kk, err := flow.ParseInitKind(strings.TrimSpace(k))
		if err != nil {
			return fmt.Errorf("--init %q: want gaussian, orthogonal, balanced or imbalanced", k)
		}
		kinds = append(kinds, kk)
	}
	lrs, err := list("lr", []float64{0.05})
	if err != nil {
		return err
	}
	wds, err := list("wd", []float64{0})
	if err != nil {
		return err
	}
	noises, err := list("noise", []float64{0})
	if err != nil {
		return err
	}
	scales, err := list("init-scale", []float64{1})
	if err != nil {
		return err
	}
	batches, err := list("batch", []float64{8})
	if err != nil {
		return err
	}
	stepsL, err := list("steps", []float64{1000})
	if err != nil {
		return err
	}
	tEnds, err := list("t-end", nil)
	if err != nil {
		return err
	}
	delta := 0.5
	if s := ctx.String("init-imbalance"); s != "" {
		if delta, err = strconv.ParseFloat(s, 64); err != nil || !(delta >= 0) || math.IsInf(delta, 0) {
			return fmt.Errorf("--init-imbalance %q: want a finite number ≥ 0", s)
		}
	}
	reps := 1
	if s := ctx.String("seeds"); s != "" {
		if reps, err = strconv.Atoi(s); err != nil || reps < 1 || reps > 1_000_000 {
			return fmt.Errorf("--seeds %q: want a count 1…10⁶", s)
		}
	}
	var sweepSeed uint64 = 1
	if s := ctx.String("seed"); s != "" {
		if sweepSeed, err = strconv.ParseUint(s, 10, 64); err != nil {
			return fmt.Errorf("--seed %q: want an integer ≥ 0", s)
		}
	}
	for _, v := range lrs {
		if !(v > 0) {
			return fmt.Errorf("--lr %v: must be > 0", v)
		}
	}
	for _, set := range []struct {
		flag string
		v    []float64
	}{{"wd", wds}, {"noise", noises}} {
		for _, v := range set.v {
			if !(v >= 0) {
				return fmt.Errorf("--%s %v: must be ≥ 0", set.flag, v)
			}
		}
	}
	for _, v := range scales {
		if !(v > 0) {
			return fmt.Errorf("--init-scale %v: must be > 0", v)
		}
	}
	// The data, loaded once and shared (read only) by the workers.
	spec := ctx.String("data")
	if spec == "" {
		spec = "teacher"
	}
	prep := datasets.PrepNone
	if s := ctx.String("prep"); s != "" {
		if prep, err = datasets.ParsePrep(s); err != nil {
			return fmt.Errorf("--prep %q: want none, center, whiten or scalar", s)
		}
	}
	o := datasets.Options{Seed: sweepSeed, Inputs: widthsList[0][0], OutputsDim: widthsList[0][len(widthsList[0])-1], Prep: prep, Noise: 0.5,
		MaxBytes: dataBudget(ctx)}
	if s := ctx.String("samples"); s != "" {
		if o.Samples, err = strconv.Atoi(s); err != nil || o.Samples < 1 {
			return fmt.Errorf("--samples %q: want an integer ≥ 1", s)
		}
	}
	if s := ctx.String("label-noise"); s != "" {
		if o.Noise, err = strconv.ParseFloat(s, 64); err != nil || !(o.Noise >= 0) || math.IsInf(o.Noise, 0) {
			return fmt.Errorf("--label-noise %q: want a finite number ≥ 0", s)
		}
	}
	set, err := datasets.Open(spec, o)
	if err != nil {
		return fmt.Errorf("--data %s: %v", spec, err)
	}
	nSamples, n0, nd := set.Dims()
	for _, w := range widthsList {
		if w[0] != n0 || w[len(w)-1] != nd {
			return fmt.Errorf("--widths %v: the data %s has %d inputs and %d outputs", w, spec, n0, nd)
		}
	}
	mom, err := set.FiniteMoments()
	if err != nil {
		return fmt.Errorf("--data %s: %v", spec, err)
	}
	st := flow.Stats{Sxx: mom.Sxx, Syx: mom.Syx, Syy: mom.Syy}

	// The run set, in a fixed order whatever the workers and shards.
	var runs []netSweepRun
	horizons := len(stepsL)
	if tEnds != nil {
		horizons = len(tEnds)
	}
	for _, ws := range widthsList {
		for _, m := range methods {
			for _, lr := range lrs {
				for _, wd := range wds {
					ns := noises
					if m == analysis.MethodGD {
						ns = []float64{math.NaN()} // plain GD has no noise
					}
					for _, noise := range ns {
						bs := []float64{0}
						if m == analysis.MethodSGD {
							bs = batches
						}
						for _, b := range bs {
							for h := 0; h < horizons; h++ {
								for _, k := range kinds {
									for _, sc := range scales {
										for r := 0; r < reps; r++ {
											if len(runs) >= 10_000_000 {
												return fmt.Errorf("sweep --widths: more than 10⁷ runs")
											}
											run := netSweepRun{index: len(runs), method: m, widths: ws, init: k, scale: sc, lr: lr, wd: wd, noise: noise, batch: int(b), replicate: r}
											var steps float64
											if tEnds != nil {
												steps = math.Round(tEnds[h] / lr)
											} else {
												steps = stepsL[h]
											}
											if math.MaxInt < 1e12 && !(steps <= 1e12 && steps < math.MaxInt) {
												// An int of 32 bits holds fewer than 10¹² steps.
												return fmt.Errorf("--steps %.0f: want 0…%d (an int has 32 bits here)", steps, math.MaxInt)
											}
											if tEnds != nil {
												run.tEnd = tEnds[h]
												run.steps = int(steps)
											} else {
												run.steps = int(steps)
												run.tEnd = float64(run.steps) * lr
											}
											if m == analysis.MethodSGD && (run.batch < 1 || run.batch > nSamples || math.Trunc(b) != b) {
												return fmt.Errorf("--batch %v: want an integer 1…%d", b, nSamples)
											}
											if run.steps < 0 || int64(run.steps) > 1e12 {
												return fmt.Errorf("--steps %d: want 0…10¹²", run.steps)
											}
											runs = append(runs, run)
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	// The fingerprint: every setting that changes a row, hashed.
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%v|%s|%v|%v|%v|%v|%v|%v|%v|%v|%v|%g|%d|%d|%v|%s", ctx.String("widths"), methods, is, lrs, wds, noises, scales, batches, stepsL, tEnds, delta, reps, o.Noise, o.Samples, sweepSeed, prep, spec)
	fingerprint := fmt.Sprintf("%012x", h.Sum64()&0xffffffffffff)
	for k := range runs {
		r := &runs[k]
		hh := fnv.New64a()
		fmt.Fprintf(hh, "%d|%v|%v|%v|%g|%g|%g|%g|%d|%d|%d", sweepSeed, r.method, r.widths, r.init, r.scale, r.lr, r.wd, r.noise, r.batch, r.steps, r.replicate)
		r.seed = hh.Sum64()
	}

	out := ctx.String("out")
	done := map[int]bool{}
	if _, err := os.Stat(out); err == nil {
		if sweep.HeaderOf(out) != sweep.NetHeader() {
			return fmt.Errorf("--out %s: holds results of another kind of sweep; choose another file", out)
		}
		good, err := sweep.Scan(out, func(line int, f []string) error {
			if f[2] != fingerprint || f[1] != strconv.Itoa(len(runs)) {
				return fmt.Errorf("line %d: a run of sweep %s (%s runs), not of this sweep %s (%d runs)", line, f[2], f[1], fingerprint, len(runs))
			}
			i, err := strconv.Atoi(f[0])
			if err != nil || i < 0 || i >= len(runs) {
				return fmt.Errorf("line %d: run %q", line, f[0])
			}
			done[i] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("--out %s: %v", out, err)
		}
		// A row cut short by a kill is cut off before appending.
		if err := os.Truncate(out, good); err != nil {
			return fmt.Errorf("--out %s: %v", out, err)
		}
	} else {
		// The result file exists while the sweep runs (it is resumable), not as part of a set.
		if err := writeVia(createNow, out, func(w io.Writer) error { _, err := io.WriteString(w, sweep.NetHeader()); return err }); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("--out %s: %v", out, unwrapPath(err))
	}
	defer f.Close()
	var todo []int
	for k := range runs {
		if k%shards == shard && !done[k] {
			todo = append(todo, k)
		}
	}
	sigctx, cancel := signal.NotifyContext(ctx.Context, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	start := time.Now()
	var mu sync.Mutex
	bw := bufio.NewWriter(f)
	var written, diverged, failed int
	var werr error
	jobs := make(chan int)
	var wg sync.WaitGroup
	dataName := strings.ReplaceAll(spec, ",", "+")
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				r := runs[k]
				row, status := netSweepOne(r, st, set, delta, fingerprint, len(runs), dataName)
				mu.Lock()
				if werr == nil {
					if _, werr = bw.WriteString(row); werr == nil {
						werr = bw.Flush()
					}
				}
				written++
				switch status {
				case flow.Diverged:
					diverged++
				case flow.Completed:
				default:
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	interrupted := false
feed:
	for _, k := range todo {
		select {
		case jobs <- k:
		case <-sigctx.Done():
			interrupted = true
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if werr != nil {
		return fmt.Errorf("--out %s: %v", out, werr)
	}
	el := time.Since(start).Seconds()
	fmt.Fprintf(ctx.App.Writer, "sweep %s of widths %s: %d runs (shard %d/%d); %d already in %s, %d written (%d diverged, %d integrations did not reach the end) in %.3g s (%.4g runs/s)\n",
		fingerprint, ctx.String("widths"), len(runs), shard, shards, len(done), out, written, diverged, failed, el, float64(written)/el)
	if interrupted {
		return &exitError{code: 130, msg: fmt.Sprintf("interrupted: run the same command again to finish the %d runs not in %s", len(todo)-written, out)}
	}
	return nil
}

// netSweepOne does one run and formats its row; it returns how the run ended beside.
func netSweepOne(r netSweepRun, st flow.Stats, set *datasets.Set, delta float64, fingerprint string, total int, dataName string) (string, flow.End) {
	t0 := time.Now()
	sigma := 0.0
	if r.method.Continuous() {
		sigma = r.noise
	}
	noiseS := rtoa(r.noise)
	if math.IsNaN(r.noise) {
		noiseS, r.noise = "", 0
	}
	net, err := flow.NewNet(r.widths, st, r.wd, sigma)
	status, end := "success", flow.Completed
	var loss, obj, imb0, imb, sharp, sv1, tFinal = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	stepsTaken, evals := 0, 0
	var w0 []float64
	if err == nil {
		w0, err = flow.Init{Kind: r.init, Scale: r.scale, Delta: delta, Seed: r.seed}.Draw(r.widths)
	}
	var last []float64
	if err == nil {
		pairs := make([]float64, net.Depth()-1)
		imb0 = net.PairImbalance(pairs, w0)
		// One run through the dispatcher, keeping nothing but its end.
		spec := analysis.RunSpec{Method: r.method, Model: net, Start: w0, LR: r.lr, Steps: r.steps, Seed: r.seed, Record: max(r.steps, 1)}
		switch r.method {
		case analysis.MethodFlow, analysis.MethodModified:
			spec.T, spec.Solver = r.tEnd, &ode.DOPRI5{}
			spec.Settings = &ode.Settings{Rtol: 1e-8, Atol: 1e-10, MaxSteps: 1_000_000}
		case analysis.MethodSGD:
			spec.X, spec.Y, spec.Noise, spec.Batch = set.X, set.Y, r.noise, r.batch
		case analysis.MethodNoisyGD:
			spec.X, spec.Y, spec.Noise = set.X, set.Y, r.noise
		}
		run, rerr := analysis.Stream(spec, analysis.StreamOptions{})
		switch {
		case rerr != nil:
			status, end = "error", flow.Failed
		case r.method.Continuous():
			res := run.Result
			stepsTaken, evals, tFinal, last = res.Stats.Accepted, res.Stats.Evaluations, res.T, res.Y
			if res.Err() != nil {
				status, end = res.Status.String(), flow.EndOf(res.Status)
			}
		default:
			stepsTaken, last, tFinal = run.Discrete.Steps, run.W, run.T
			if run.End == flow.Diverged {
				status, end = "diverged", flow.Diverged
			}
		}
		if last != nil {
			p := analysis.MeasureNet(net, last, 1, net.Dim() <= 200_000, false)
			loss, obj, sharp = p.Loss, p.Value, p.Sharpness
			imb = net.PairImbalance(pairs, last)
			if len(p.SV) > 0 {
				sv1 = p.SV[0]
			}
		}
	} else {
		status, end = "error", flow.Failed
	}
	ws := make([]string, len(r.widths))
	for i, n := range r.widths {
		ws[i] = strconv.Itoa(n)
	}
	batch, steps := "", strconv.Itoa(r.steps)
	if r.method == analysis.MethodSGD {
		batch = strconv.Itoa(r.batch)
	}
	seed := strconv.FormatUint(r.seed, 10) // every run draws its start
	evalS := ""
	if r.method.Continuous() {
		evalS = strconv.Itoa(evals)
	}
	f := []string{strconv.Itoa(r.index), strconv.Itoa(total), fingerprint, r.method.String(), strings.Join(ws, "-"), dataName,
		r.init.String(), rtoa(r.scale), rtoa(r.lr), rtoa(r.wd), noiseS, batch, steps, rtoa(r.tEnd), strconv.Itoa(r.replicate), seed,
		status, strconv.Itoa(stepsTaken), evalS, rtoa(tFinal), rtoa(loss), rtoa(obj), rtoa(imb0), rtoa(imb), rtoa(sharp), rtoa(sv1),
		strconv.FormatFloat(time.Since(t0).Seconds(), 'g', 4, 64)}
	return strings.Join(f, ",") + "\n", end
}
