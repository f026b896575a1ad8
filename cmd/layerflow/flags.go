package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis/budget"
	"github.com/layerflow/layerflow/analysis/config"
	"github.com/layerflow/layerflow/flow"
)

// Flag categories shown by --help.
const (
	catModel  = "Model"
	catData   = "Data"
	catSolver = "Integrator"
	catSteps  = "Discrete steps"
	catOutput = "Output"
)

// Flags that every command reading a configuration file shares. Each constructor returns
// fresh flags: urfave/cli flags keep state, and tests build many apps in one process.

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Usage: "read flag values from a YAML (.yaml, .yml) or TOML (.toml) `FILE`; flags on the command line win", Category: catOutput}
}

func modelFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewIntFlag(&cli.IntFlag{Name: "depth", Value: 2, Usage: "number of layers d ≥ 2", Category: catModel}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "init", Value: "2,0.25", Usage: "initial weights `w1,w2,…` (d values)", Category: catModel}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "init-random", Usage: "draw the initial weights from N(0, 1) with --seed instead of --init", Category: catModel}),
		altsrc.NewUint64Flag(&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of every random choice (recorded in summary.json)", Category: catModel}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "wd", Value: 0, Usage: "weight decay μ ≥ 0", Category: catModel}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "noise", Value: 0, Usage: "input noise σ ≥ 0 (expected loss in the flow, fresh noise per step in GD/SGD)", Category: catModel}),
	}
}

func dataFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "data", Usage: "read the dataset from a CSV `FILE` with a header and columns x,y (normalized as the paper does)", Category: catData}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "samples", Value: 64, Usage: "size N of the dataset generated with --seed when there is no --data: x ~ N(0,1), y = x + label-noise·N(0,1)", Category: catData}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "label-noise", Value: 0.5, Usage: "label noise of the generated dataset (0: data fitted exactly)", Category: catData}),
	}
}

func solverFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "method", Value: "dopri5", Usage: "integrator: dopri5, dop853 or gauss", Category: catSolver}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "rtol", Value: 1e-8, Usage: "relative tolerance", Category: catSolver}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "atol", Value: 1e-10, Usage: "absolute tolerance", Category: catSolver}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "max-steps", Value: 1000000, Usage: "step limit of the integrator", Category: catSolver}),
	}
}

func outFlags(def string) []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "out", Value: def, Usage: "output `DIR` (created if missing)", Category: catOutput}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "plot", Usage: "also draw the run's time series and portrait to `FILE` (.png, .svg or .pdf)", Category: catOutput}),
	}
}

func maxMemoryFlag() cli.Flag {
	return altsrc.NewStringFlag(&cli.StringFlag{Name: "max-memory", EnvVars: []string{"LAYERFLOW_MAX_MEMORY"}, Category: catOutput,
		Usage: "memory `BUDGET` (512MiB, 2GiB or bytes): an input that would need more is refused with one line naming it; default half the memory available, at most 32 GiB (4 GiB where unknown)"})
}

// withConfig appends --config and --max-memory and makes the command read the config and
// set the memory budget before its action.
func withConfig(c *cli.Command) *cli.Command {
	c.Flags = append(c.Flags, configFlag(), maxMemoryFlag())
	flags := c.Flags
	c.Before = func(ctx *cli.Context) error {
		if path := ctx.String("config"); path != "" {
			readsFile(path)
			src, err := configSource(path, flags)
			if err != nil {
				return err
			}
			if err := altsrc.ApplyInputSourceValues(ctx, src, flags); err != nil {
				return fmt.Errorf("config %q: %v", path, err)
			}
		}
		if err := widthsOnly(ctx, flags); err != nil {
			return err
		}
		declareInputs(ctx)
		return setBudget(ctx)
	}
	return c
}

// flagDefault returns the default value of f as ctx.Value returns values (nil for a kind of
// flag it does not know, which then never equals a value).
func flagDefault(f cli.Flag) any {
	switch g := f.(type) {
	case *altsrc.StringFlag:
		return g.Value
	case *altsrc.IntFlag:
		return g.Value
	case *altsrc.Float64Flag:
		return g.Value
	case *altsrc.BoolFlag:
		return g.Value
	case *altsrc.Uint64Flag:
		return g.Value
	case *cli.StringFlag:
		return g.Value
	}
	return nil
}

// widthsOnly refuses a flag of networks with matrix layers (its help begins "with --widths")
// that was set to another value than its default, on the command line or in the config
// file, without --widths: the command would ignore it and run something else than asked.
func widthsOnly(ctx *cli.Context, flags []cli.Flag) error {
	if ctx.IsSet("widths") || !slices.ContainsFunc(flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), "widths") }) {
		return nil
	}
	var set []string
	for _, f := range flags {
		u, ok := f.(cli.DocGenerationFlag)
		if !ok || !strings.HasPrefix(u.GetUsage(), "with --widths") {
			continue
		}
		name := f.Names()[0]
		// A flag given at its default changes nothing: the settings a summary.json records
		// (every flag) can be given back as they are.
		if !ctx.IsSet(name) || ctx.Value(name) == flagDefault(f) {
			continue
		}
		shown := "--" + name
		switch v := ctx.Value(name).(type) {
		case bool:
		case string:
			shown += " " + strconv.Quote(v)
		default:
			shown += fmt.Sprintf(" %v", v)
		}
		set = append(set, shown)
	}
	if len(set) > 0 {
		return fmt.Errorf("%s: only with --widths (a network with matrix layers), ignored without it", strings.Join(set, ", "))
	}
	return nil
}

// declareInputs declares the files that --data and --init name (a CSV, NPY or NPZ file, the
// X.npy,Y.npy pair, a checkpoint .npz, an MNIST directory) as inputs of the command, so that
// no output of it is one of them, whatever name or link it is given by. Values that name no
// file (a kind, a list of weights) are ignored.
func declareInputs(ctx *cli.Context) {
	for _, name := range []string{"data", "init"} {
		v := ctx.String(name)
		if v == "" {
			continue
		}
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if _, dir, ok := strings.Cut(p, ":"); ok && !strings.ContainsAny(p[:len(p)-len(dir)-1], `/\.`) {
				p = dir // mnist:DIR
			}
			if p != "" {
				readsFile(p)
			}
		}
	}
}

// setBudget makes --max-memory (or the default) the memory budget of the command.
func setBudget(ctx *cli.Context) error {
	n := budget.Default()
	if s := ctx.String("max-memory"); s != "" {
		var err error
		if n, err = budget.Parse(s); err != nil {
			return fmt.Errorf("--max-memory %q: not a size such as 512MiB, 2GiB or a number of bytes", s)
		}
		if n < budget.Floor {
			return fmt.Errorf("--max-memory %q: below %s, the least a command needs", s, budget.Format(budget.Floor))
		}
	}
	return budget.Set(n)
}

// configSource reads a YAML or TOML file into an input source for the flags, with the
// values in the types the flags want: "lr: 1" or "wd = 0" are numbers for float flags, and
// "init: [2, 0.25]" is the list "2,0.25". A key that is no flag of the command is an error: a
// misspelt key would otherwise fall back to the default in silence.
func configSource(path string, flags []cli.Flag) (altsrc.InputSourceContext, error) {
	fail := func(err error) (altsrc.InputSourceContext, error) {
		return nil, fmt.Errorf("config %q: %v", path, err)
	}
	m, err := config.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	kinds := map[string]cli.Flag{}
	for _, f := range flags {
		for _, n := range f.Names() {
			kinds[n] = f
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[any]any, len(m))
	for _, k := range keys {
		// Keys are spelled as the flags (t-end) or as summary.json and sweep files write them
		// (t_end); both name the same flag, once.
		name := k
		f, ok := kinds[name]
		if !ok {
			name = strings.ReplaceAll(k, "_", "-")
			f, ok = kinds[name]
		}
		if !ok {
			return fail(fmt.Errorf("unknown key %q (not a flag of this command)", k))
		}
		if _, dup := out[name]; dup {
			return fail(fmt.Errorf("key %q is given twice (as %s and %s)", k, name, strings.ReplaceAll(name, "-", "_")))
		}
		v, err := configValue(f, m[k])
		if err != nil {
			return fail(fmt.Errorf("key %q: %v", k, err))
		}
		out[name] = v
	}
	return altsrc.NewMapInputSource(path, out), nil
}

// shownValue is a decoded YAML/TOML value as an error message shows it, on one line: a string
// quoted, and any value whose text has a line break quoted (a multi-line YAML scalar).
func shownValue(v any) string {
	s := fmt.Sprint(v)
	if _, ok := v.(string); ok || strings.ContainsAny(s, "\n\r") {
		return strconv.Quote(s)
	}
	return s
}

// configValue converts a decoded YAML/TOML value to the type of flag f.
func configValue(f cli.Flag, v any) (any, error) {
	num := func() (float64, bool) {
		switch x := v.(type) {
		case int:
			return float64(x), true
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	if v == nil {
		return nil, fmt.Errorf("no value (remove the key for the flag's default)")
	}
	switch f.(type) {
	case *altsrc.BoolFlag:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s is not true or false", shownValue(v))
	case *altsrc.Float64Flag:
		if x, ok := num(); ok {
			return x, nil
		}
		switch v.(type) {
		case map[string]any:
			return nil, fmt.Errorf("a table %v, where a number is wanted", v)
		case []any:
			return nil, fmt.Errorf("a list %v, where a number is wanted", v)
		}
		return nil, fmt.Errorf("%s is not a number", shownValue(v))
	case *altsrc.IntFlag, *altsrc.Uint64Flag:
		// Integers the decoder read as integers are taken exactly (a seed 2^53 + 1 stays
		// itself); only a number written with a fraction or an exponent goes through float64.
		_, unsigned := f.(*altsrc.Uint64Flag)
		var i64 int64
		var isInt bool
		switch x := v.(type) {
		case int:
			i64, isInt = int64(x), true
		case int64:
			i64, isInt = x, true
		case uint64:
			if unsigned {
				return x, nil
			}
			if x > math.MaxInt {
				return nil, fmt.Errorf("%s is too large", shownValue(v))
			}
			i64, isInt = int64(x), true
		}
		if isInt {
			if unsigned {
				if i64 < 0 {
					return nil, fmt.Errorf("%s is negative", shownValue(v))
				}
				return uint64(i64), nil
			}
			if i64 > math.MaxInt || i64 < math.MinInt {
				return nil, fmt.Errorf("%s is too large", shownValue(v))
			}
			return int(i64), nil
		}
		if x, ok := num(); ok && x == math.Trunc(x) {
			// 2^53: beyond it a float64 no longer holds every integer, and 2^63 would overflow.
			if math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("%s is too large (at most 2^53)", shownValue(v))
			}
			if _, u := f.(*altsrc.Uint64Flag); u {
				if x < 0 {
					return nil, fmt.Errorf("%s is negative", shownValue(v))
				}
				return uint64(x), nil
			}
			return int(x), nil
		}
		return nil, fmt.Errorf("%s is not an integer", shownValue(v))
	case *altsrc.StringFlag:
		switch x := v.(type) {
		case string:
			return x, nil
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				switch e.(type) {
				case []any, map[string]any:
					return nil, fmt.Errorf("%s: a list of lists or tables, where a list of values is wanted", shownValue(v))
				}
				parts[i] = fmt.Sprint(e)
			}
			return strings.Join(parts, ","), nil
		case map[string]any:
			// A range {from, to, num, scale} of a sweep's grid flag, as the flag writes it.
			var parts []string
			for _, k := range []string{"from", "to", "num", "scale"} {
				if e, ok := x[k]; ok {
					parts = append(parts, fmt.Sprint(e))
				} else if k != "scale" {
					return nil, fmt.Errorf("a table, where a value is wanted (a range is {from, to, num, scale})")
				}
			}
			if len(parts) != len(x) {
				return nil, fmt.Errorf("a table, where a value is wanted (a range is {from, to, num, scale})")
			}
			return strings.Join(parts, ":"), nil
		default:
			return fmt.Sprint(x), nil
		}
	}
	return v, nil
}

// finiteFlag returns the value of a float flag, or an error naming it when it is NaN or Inf,
// or below min (when not NaN).
func finiteFlag(ctx *cli.Context, name string, min float64, strict bool) (float64, error) {
	v := ctx.Float64(name)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("--%s %v: not a finite number", name, v)
	}
	if v < min || strict && v == min {
		op := "≥"
		if strict {
			op = ">"
		}
		return 0, fmt.Errorf("--%s %v: must be %s %v", name, v, op, min)
	}
	return v, nil
}

// parseList parses comma-separated finite numbers.
func parseList(flag, s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	out := make([]float64, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("--%s %q: %q is not a finite number", flag, s, p)
		}
		out = append(out, v)
	}
	return out, nil
}

// objective reads --depth, --wd and --noise: the objective without the data's loss floor.
func objective(ctx *cli.Context) (flow.Objective, error) {
	d := ctx.Int("depth")
	if d < 2 {
		return flow.Objective{}, fmt.Errorf("--depth %d: must be ≥ 2", d)
	}
	if d > 1000 {
		return flow.Objective{}, fmt.Errorf("--depth %d: at most 1000 layers", d)
	}
	mu, err := finiteFlag(ctx, "wd", 0, false)
	if err != nil {
		return flow.Objective{}, err
	}
	sigma, err := finiteFlag(ctx, "noise", 0, false)
	if err != nil {
		return flow.Objective{}, err
	}
	return flow.Objective{Depth: d, WeightDecay: mu, Noise: sigma}, nil
}

// lrSteps reads --lr (> 0) and --steps (≥ minSteps), and checks the iterates the run keeps
// (every --record-th, of --depth weights and a time each) against the memory budget.
func lrSteps(ctx *cli.Context, minSteps int) (float64, int, error) {
	lr, steps, err := lrStepsStreamed(ctx, minSteps)
	if err != nil {
		return 0, 0, err
	}
	rec := max(ctx.Int("record"), 1)
	points := int64(steps/rec) + 1
	d := int64(max(ctx.Int("depth"), 2))
	// A kept iterate costs 8·(20 + 5d) bytes: its time and weights, the measures drawn from
	// it and the text written of it (measured: gd --steps 10⁶ takes 246 MB at depth 2, 881 MB
	// at depth 20, some 160 + 36d bytes an iterate).
	per := budget.Mul(8, 20+5*d)
	if ctx.Command.Name == "compare" {
		per *= 2 // the GD run and the flow's points at the same times
	}
	if err := budget.Check(fmt.Sprintf("--steps %d (%d kept iterates of %d weights)", steps, points, d), budget.Mul(points, per)); err != nil {
		if ctx.Int("record") > 0 {
			// The least --record whose kept iterates fit.
			if fit := budget.Limit() / per; fit > 1 {
				err = fmt.Errorf("%v; keep fewer with --record %d", err, (int64(steps)+fit-2)/(fit-1))
			}
		}
		return 0, 0, err
	}
	return lr, steps, nil
}

// lrStepsStreamed reads --lr and --steps as lrSteps does, without its bound on the kept
// iterates: for the runs that stream them (within --max-points).
func lrStepsStreamed(ctx *cli.Context, minSteps int) (float64, int, error) {
	lr, err := finiteFlag(ctx, "lr", 0, true)
	if err != nil {
		return 0, 0, err
	}
	steps := ctx.Int("steps")
	if steps < minSteps {
		return 0, 0, fmt.Errorf("--steps %d: must be ≥ %d", steps, minSteps)
	}
	return lr, steps, nil
}

// tolerances reads --rtol (≥ 10u, below which no step control is possible) and --atol (> 0:
// the integrators read 0 as their default, and a pure relative tolerance fails where a
// weight passes through 0).
func tolerances(ctx *cli.Context) (rtol, atol float64, err error) {
	if rtol, err = finiteFlag(ctx, "rtol", 0, true); err != nil {
		return 0, 0, err
	}
	if rtol < 2.3e-15 {
		return 0, 0, fmt.Errorf("--rtol %v: below 10·u = 2.3e-15, too small for step control", rtol)
	}
	if atol, err = finiteFlag(ctx, "atol", 0, true); err != nil {
		return 0, 0, err
	}
	return rtol, atol, nil
}

// model reads the model flags: the objective (without the data's loss floor) and the
// initial weights.
func model(ctx *cli.Context) (flow.Objective, []float64, error) {
	obj, err := objective(ctx)
	if err != nil {
		return flow.Objective{}, nil, err
	}
	d := obj.Depth
	var w0 []float64
	if ctx.Bool("init-random") {
		rng := rand.New(rand.NewPCG(ctx.Uint64("seed"), ctx.Uint64("seed")))
		w0 = make([]float64, d)
		for i := range w0 {
			w0[i] = rng.NormFloat64()
		}
	} else {
		if w0, err = parseList("init", ctx.String("init")); err != nil {
			return flow.Objective{}, nil, err
		}
		if len(w0) != d {
			return flow.Objective{}, nil, fmt.Errorf("--init %q: %d weights for --depth %d", ctx.String("init"), len(w0), d)
		}
	}
	return obj, w0, nil
}

// dataset reads --data, or generates --samples samples with --seed when gen is true and there
// is no --data; it returns nil when neither applies.
func dataset(ctx *cli.Context, gen bool) (*flow.Dataset, error) {
	if path := ctx.String("data"); path != "" {
		readsFile(path)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--data: %v", err)
		}
		defer f.Close()
		// A CSV holds at most one number per two bytes (a digit and a separator), 8 bytes each
		// once read.
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if err := budget.Check(fmt.Sprintf("--data %s (%d bytes of CSV)", path, st.Size()), budget.Mul(st.Size()/2+1, 8)); err != nil {
				return nil, err
			}
		}
		d, err := flow.ReadCSV(f)
		if err != nil {
			return nil, fmt.Errorf("--data %s: %v", path, err)
		}
		return d, nil
	}
	if !gen {
		return nil, nil
	}
	n := ctx.Int("samples")
	if n < 1 {
		return nil, fmt.Errorf("--samples %d: must be ≥ 1", n)
	}
	// x and y of every sample, and the normalized copies.
	if err := budget.Check(fmt.Sprintf("--samples %d (x and y of each)", n), budget.Mul(int64(n), 4, 8)); err != nil {
		return nil, err
	}
	ln, err := finiteFlag(ctx, "label-noise", 0, false)
	if err != nil {
		return nil, err
	}
	d, err := flow.Generate(n, 1, ln, ctx.Uint64("seed"))
	if err != nil {
		return nil, fmt.Errorf("--samples %d, --label-noise %v: the generated data cannot be normalized (%v)", n, ln, err)
	}
	return d, nil
}

// settingsOf records the value of every flag of the command, for summary.json.
func settingsOf(ctx *cli.Context) map[string]any {
	m := map[string]any{"version": version, "command": ctx.Command.Name, "provenance": newProvenance()}
	for _, f := range ctx.Command.Flags {
		name := f.Names()[0]
		if name == "help" {
			continue
		}
		m[name] = ctx.Value(name)
	}
	return m
}
