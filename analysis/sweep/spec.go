package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/layerflow/layerflow/analysis/budget"
	"github.com/layerflow/layerflow/analysis/config"
	"github.com/layerflow/layerflow/flow"
	"github.com/layerflow/layerflow/flow/ode"
)

// Methods are the method names a sweep accepts.
var Methods = []string{"flow", "modified", "gd", "noisy-gd", "sgd"}

// Limits that keep a mistyped sweep from exhausting time or memory: a grid value list may
// hold at most MaxValues values, and the run set at most MaxRuns runs: 2^40, or 2^30 where an
// int has 32 bits, so that a run index, and a count of starting points above MaxRuns plus the
// listed and random ones (at most 2·MaxValues), still fit in an int.
const (
	MaxValues = 1 << 20
	MaxRuns   = min(1<<40, math.MaxInt>>1+1)
	// MaxDepth bounds the depth: the Hessian of a run costs O(d³).
	MaxDepth = 256
	// maxWhole bounds a whole number of a list (steps, batch, labels) and a horizon in steps:
	// 2^50, or the largest int where an int has 32 bits.
	maxWhole = min(1<<50, math.MaxInt)
)

// limitText writes a limit as the messages give it: a power of two as 2^k, else in digits.
func limitText(n int64) string {
	if n > 0 && n&(n-1) == 0 {
		return "2^" + strconv.Itoa(bits.TrailingZeros64(uint64(n)))
	}
	return strconv.FormatInt(n, 10)
}

// Spec is a parsed sweep: the value lists whose product is the run set, and the settings
// shared by every run. Make one with ReadFile or FromMap; the zero Spec is not usable.
type Spec struct {
	Seed   uint64    `json:"seed"`
	Method []string  `json:"method"`
	LR     []float64 `json:"lr"`
	WD     []float64 `json:"wd"`
	Noise  []float64 `json:"noise"`
	Batch  []int     `json:"batch"`
	Depth  []int     `json:"depth"`
	Steps  []int     `json:"steps,omitempty"`
	TEnd   []float64 `json:"t_end,omitempty"`
	Start  Starts    `json:"start"`
	// Seeds are the replicate labels of the random runs: seeds: N gives 0..N−1.
	Seeds []int `json:"seeds"`
	Data  Data  `json:"data"`
	// Integrator settings of the flows.
	Integrator string  `json:"integrator"`
	RTol       float64 `json:"rtol"`
	ATol       float64 `json:"atol"`
	// Balanced is the fraction of the initial imbalance ‖D(0)‖ below which a run counts as
	// balanced (column t_balanced).
	Balanced float64 `json:"balanced"`
	// Record is the largest number of points a run keeps for its phase analysis.
	Record int `json:"record"`
	// Bound is the divergence bound on |w_i| of the discrete methods.
	Bound float64 `json:"bound"`
	// MaxSteps bounds the steps of a flow's integration.
	MaxSteps int `json:"max_steps"`

	data   *flow.Dataset
	blocks []block
	total  int
	print  string
}

// Starts are the starting points: the listed points, then for every depth a grid over a
// box, then random points drawn uniformly from a box.
type Starts struct {
	Points [][]float64 `json:"points,omitempty"`
	Grid   *Box        `json:"grid,omitempty"`
	Random *Box        `json:"random,omitempty"`

	byDepth map[int][][]float64 // the points of each depth (index)
}

// Box is a box [Min, Max] per weight (one value for all weights, or one per weight) with Num
// grid points per weight (grid) or Count random points (random).
type Box struct {
	Min   []float64 `json:"min"`
	Max   []float64 `json:"max"`
	Num   []int     `json:"num,omitempty"`
	Count int       `json:"count,omitempty"`
	// Seed draws the random points; 0 means the sweep seed.
	Seed uint64 `json:"seed,omitempty"`
}

// Data is the dataset of the sampled methods (noisy GD, SGD): Samples samples with label
// noise LabelNoise drawn with the sweep seed, or the CSV file File. Every method uses its
// loss floor C.
type Data struct {
	Samples    int     `json:"samples"`
	LabelNoise float64 `json:"label_noise"`
	File       string  `json:"-"` // identified by its SHA256, not by how its path is spelled
	SHA256     string  `json:"sha256,omitempty"`
}

// Keys documents every key of a sweep file (the README's table is made from the same text).
var Keys = [][2]string{
	{"seed", "sweep seed (default 1); every run's seed derives from it and the run's parameters"},
	{"method", "flow, modified, gd, noisy-gd, sgd (required)"},
	{"lr", "learning rates λ > 0 (required unless only flow runs with t_end)"},
	{"wd", "weight decays μ ≥ 0 (default 0)"},
	{"noise", "input noise σ ≥ 0 (default 0); used by flow, modified, noisy-gd, sgd"},
	{"batch", "mini-batch sizes 1..samples (default 8); used by sgd"},
	{"depth", "depths d ≥ 2 (default 2)"},
	{"steps", "numbers of steps (the horizon t = steps·λ); or t_end"},
	{"t_end", "end times > 0 (discrete runs take round(t_end/λ) steps); or steps"},
	{"start", "starting points: points: [[w1, …], …] (or the string \"w1,w2; w1,w2\", lighter for very many); grid: {min, max, num}; random: {min, max, count, seed} (seed default: the sweep seed)"},
	{"seeds", "replicates of every random run (noisy-gd, sgd): a count N (labels 0..N−1, default 1) or a list of labels; each run's seed derives from the sweep seed, its label and its parameters"},
	{"data", "dataset of noisy-gd and sgd: {samples: 64, label_noise: 0.5} or {file: data.csv}"},
	{"integrator", "dopri5, dop853 or gauss, for flow and modified (default dopri5)"},
	{"rtol, atol", "tolerances of the integrator (default 1e-8, 1e-10)"},
	{"balanced", "fraction of ‖D(0)‖ that counts as balanced, for t_balanced (default 0.01)"},
	{"record", "points kept per run for the phase analysis (default 2000)"},
	{"bound", "divergence bound on |w_i| of the discrete methods (default 1e8)"},
	{"max_steps", "most integrator steps of a flow run (default 100000; a flow resting at a minimum still takes steps of about 3/S)"},
}

// ReadFile reads a sweep file, YAML (.yaml, .yml) or TOML (.toml), and applies set, values
// that replace the file's keys (a nil map changes nothing). Relative data file names are
// resolved against the sweep file's directory.
func ReadFile(path string, set map[string]any) (*Spec, error) {
	m, err := config.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: %v", path, err)
	}
	for k, v := range set {
		m[k] = v
	}
	s, err := fromMap(m, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: %v", path, err)
	}
	return s, nil
}

// FromMap makes a Spec from decoded keys (as YAML or TOML decode them, or strings as flags
// give them). dir resolves a relative data file name.
func FromMap(m map[string]any, dir string) (*Spec, error) {
	s, err := fromMap(m, dir)
	if err != nil {
		return nil, fmt.Errorf("sweep: %v", err)
	}
	return s, nil
}

// fromMap is FromMap with errors that do not name the package (ReadFile names it and the file).
func fromMap(m map[string]any, dir string) (*Spec, error) {
	s := &Spec{Seed: 1, Seeds: []int{0}, MaxSteps: 100000, Integrator: "dopri5", RTol: 1e-8, ATol: 1e-10, Balanced: 0.01, Record: 2000, Bound: 1e8,
		Data: Data{Samples: 64, LabelNoise: 0.5}}
	// Keys may be spelled as the flags are (t-end, max-steps) or as summary.json writes them
	// (t_end, max_steps): one spelling, snake_case, from here on.
	norm := make(map[string]any, len(m))
	for k, v := range m {
		n := strings.ReplaceAll(k, "-", "_")
		if _, dup := norm[n]; dup {
			return nil, fmt.Errorf("key %q is given twice (as %s and %s)", n, n, strings.ReplaceAll(n, "_", "-"))
		}
		norm[n] = v
	}
	p := parser{m: norm}
	s.Seed = uint64(p.int64("seed", 1, 0, 1<<53))
	s.Method = p.methods()
	s.LR = p.floats("lr", nil, 0, false)
	s.WD = p.floats("wd", []float64{0}, 0, true)
	s.Noise = p.floats("noise", []float64{0}, 0, true)
	s.Batch = p.ints("batch", []int{8}, 1)
	s.Depth = p.ints("depth", []int{2}, 2)
	s.Steps = p.ints("steps", nil, 0)
	s.TEnd = p.floats("t_end", nil, 0, false)
	s.Seeds = p.seeds()
	s.MaxSteps = p.int("max_steps", 100000, 1, min(1<<40, math.MaxInt))
	s.Integrator = p.str("integrator", "dopri5")
	s.RTol = p.float("rtol", 1e-8, 0, false)
	s.ATol = p.float("atol", 1e-10, 0, false)
	s.Balanced = p.float("balanced", 0.01, 0, false)
	s.Record = p.int("record", 2000, 2, 1<<20)
	s.Bound = p.float("bound", 1e8, 0, false)
	p.data(&s.Data, dir)
	p.starts(&s.Start)
	for k := range m {
		if !p.seen[strings.ReplaceAll(k, "-", "_")] {
			p.fail("unknown key %q (the keys: %s)", k, keyNames())
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	if err := s.finish(); err != nil {
		return nil, err
	}
	return s, nil
}

func keyNames() string {
	var ks []string
	for _, k := range Keys {
		ks = append(ks, k[0])
	}
	return strings.Join(ks, ", ")
}

// parser reads keys of a decoded map, keeping the first error.
type parser struct {
	m    map[string]any
	seen map[string]bool
	err  error
}

func (p *parser) fail(format string, a ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, a...)
	}
}

func (p *parser) get(key string) (any, bool) {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[key] = true
	v, ok := p.m[key]
	if ok && v == nil {
		if _, unset := p.m[key].(unsetValue); !unset {
			p.fail("%s: no value (remove the key for its default)", key)
		}
		return nil, false
	}
	if _, unset := v.(unsetValue); unset {
		return nil, false
	}
	return v, ok
}

// unsetValue removes a key of the file (a flag that replaces steps removes t_end).
type unsetValue struct{}

// Unset is the value that removes a key when passed in ReadFile's set.
var Unset any = unsetValue{}

// number converts a decoded scalar (or a string) to a float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// values expands a value list: a scalar, a list, a range {from, to, num, scale: linear|log},
// or a string "a,b,c" or "from:to:num[:log]".
func (p *parser) values(key string, v any) []float64 {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			p.fail("%s: empty list", key)
			return nil
		}
		out := make([]float64, 0, len(x))
		for _, e := range x {
			f, ok := number(e)
			if !ok {
				p.fail("%s: %v is not a number", key, e)
				return nil
			}
			out = append(out, f)
		}
		return out
	case map[string]any:
		for k := range x {
			if k != "from" && k != "to" && k != "num" && k != "scale" {
				p.fail("%s: unknown range key %q (want from, to, num, scale)", key, k)
				return nil
			}
		}
		var f [3]float64
		var missing []string
		for i, k := range []string{"from", "to", "num"} {
			v, ok := x[k]
			if !ok {
				missing = append(missing, k)
				continue
			}
			if f[i], ok = number(v); !ok {
				p.fail("%s: range %s %v is not a number", key, k, v)
				return nil
			}
			if math.IsNaN(f[i]) || math.IsInf(f[i], 0) {
				p.fail("%s: range %s %v is not finite", key, k, f[i])
				return nil
			}
		}
		if missing != nil {
			p.fail("%s: a range needs numbers from, to and num (%s missing)", key, strings.Join(missing, " and "))
			return nil
		}
		from, to, num := f[0], f[1], f[2]
		scale := ""
		if sv, ok := x["scale"]; ok {
			if scale, ok = sv.(string); !ok {
				p.fail("%s: range scale %v (want linear or log)", key, sv)
				return nil
			}
		}
		return p.rng(key, from, to, num, scale)
	case string:
		if strings.Contains(x, ":") {
			parts := strings.Split(x, ":")
			if len(parts) < 3 || len(parts) > 4 {
				p.fail("%s %q: a range is from:to:num or from:to:num:log", key, x)
				return nil
			}
			var f [3]float64
			for i := range f {
				var err error
				if f[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i]), 64); err != nil {
					p.fail("%s %q: %q is not a number", key, x, parts[i])
					return nil
				}
			}
			scale := ""
			if len(parts) == 4 {
				scale = strings.TrimSpace(parts[3])
			}
			return p.rng(key, f[0], f[1], f[2], scale)
		}
		// "a,b,c": the same as the list [a, b, c], read without making the list.
		out := make([]float64, 0, strings.Count(x, ",")+1)
		for rest, more := x, true; more; {
			var e string
			e, rest, more = strings.Cut(rest, ",")
			f, ok := number(e)
			if !ok {
				p.fail("%s: %v is not a number", key, e)
				return nil
			}
			out = append(out, f)
		}
		return out
	default:
		f, ok := number(v)
		if !ok {
			p.fail("%s: %v is not a number, a list or a range", key, v)
			return nil
		}
		return []float64{f}
	}
}

func (p *parser) rng(key string, from, to, num float64, scale string) []float64 {
	if num != math.Trunc(num) || num < 1 || num > MaxValues {
		p.fail("%s: range num %v must be a whole number 1..%d", key, num, MaxValues)
		return nil
	}
	for _, b := range []struct {
		name string
		v    float64
	}{{"from", from}, {"to", to}} {
		if math.IsNaN(b.v) || math.IsInf(b.v, 0) {
			p.fail("%s: range %s %v is not finite", key, b.name, b.v)
			return nil
		}
	}
	n := int(num)
	if n == 1 && from != to {
		p.fail("%s: a range of num 1 needs from = to (have %v, %v)", key, from, to)
		return nil
	}
	out := make([]float64, n)
	switch scale {
	case "", "linear":
		for i := range out {
			out[i] = from
			if n > 1 {
				out[i] = gridPoint(from, to, i, n)
			}
		}
	case "log":
		if !(from > 0) || !(to > 0) {
			p.fail("%s: a log range needs from > 0 and to > 0 (have %v, %v)", key, from, to)
			return nil
		}
		// The conversions round the logarithms: math.Log10 is Log(x)·(1/ln 10), and where
		// multiply-adds fuse (GOAMD64=v3, arm64) the compiler would otherwise fuse that product
		// with the sum below, and the values (and the sweep's id) would depend on the build.
		lf, lt := float64(math.Log10(from)), float64(math.Log10(to))
		for i := range out {
			out[i] = math.Pow(10, lf+(lt-lf)*float64(i)/math.Max(float64(n-1), 1))
		}
		out[0], out[n-1] = from, to
	default:
		p.fail("%s: range scale %q (want linear or log)", key, scale)
		return nil
	}
	if n > 1 {
		out[n-1] = to
	}
	return out
}

// floats reads a list of finite values > 0, or ≥ 0 when zero is allowed; def when absent.
func (p *parser) floats(key string, def []float64, _ float64, zero bool) []float64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	vs := p.values(key, v)
	if len(vs) > MaxValues {
		p.fail("%s: %d values, at most %d", key, len(vs), MaxValues)
		return nil
	}
	for _, f := range vs {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || (f == 0 && !zero) {
			want := "> 0"
			if zero {
				want = "≥ 0"
			}
			p.fail("%s: %v must be finite and %s", key, f, want)
			return nil
		}
	}
	return dedupe(vs)
}

// ints reads a list of whole numbers ≥ least.
func (p *parser) ints(key string, def []int, least int) []int {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	fs := p.values(key, v)
	out := make([]int, 0, len(fs))
	for _, f := range fs {
		if f != math.Trunc(f) || f < float64(least) || f > maxWhole {
			p.fail("%s: %s must be a whole number %d..%s", key, strconv.FormatFloat(f, 'f', -1, 64), least, limitText(maxWhole))
			return nil
		}
		out = append(out, int(f))
	}
	return dedupe(out)
}

func (p *parser) int(key string, def, least, most int) int {
	return int(p.int64(key, int64(def), int64(least), int64(most)))
}

// int64 reads a whole number in least..most, def when absent.
func (p *parser) int64(key string, def, least, most int64) int64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	// Integers as decoded, compared exactly (a float64 would round 2^53 + 1).
	var i int64
	exact := true
	switch x := v.(type) {
	case int:
		i = int64(x)
	case int64:
		i = x
	case uint64:
		if x > math.MaxInt64 {
			p.fail("%s: %v must be a whole number %d..%d", key, v, least, most)
			return def
		}
		i = int64(x)
	case string:
		var err error
		i, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		exact = err == nil
	default:
		exact = false
	}
	if exact {
		if i < least || i > most {
			p.fail("%s: %v must be a whole number %d..%d", key, v, least, most)
			return def
		}
		return i
	}
	f, ok := number(v)
	if !ok || f != math.Trunc(f) || f < float64(least) || f > float64(most) {
		p.fail("%s: %v must be a whole number %d..%d", key, v, least, most)
		return def
	}
	return int64(f)
}

func (p *parser) float(key string, def, _ float64, zero bool) float64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	f, ok := number(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || (f == 0 && !zero) {
		p.fail("%s: %v must be a finite number > 0", key, v)
		return def
	}
	return f
}

func (p *parser) str(key, def string) string {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		p.fail("%s: %v is not a name", key, v)
		return def
	}
	return s
}

// seeds reads a replicate count N (labels 0..N−1) or a list of labels.
func (p *parser) seeds() []int {
	v, ok := p.get("seeds")
	if !ok {
		return []int{0}
	}
	if _, list := v.([]any); list || isListString(v) {
		out := p.ints("seeds", nil, 0)
		for _, x := range out {
			if int64(x) > 1<<53 {
				p.fail("seeds: label %d is above 2^50", x)
			}
		}
		return out
	}
	n := p.int("seeds", 1, 1, MaxValues)
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func isListString(v any) bool {
	s, ok := v.(string)
	return ok && strings.ContainsAny(s, ",:")
}

func (p *parser) methods() []string {
	v, ok := p.get("method")
	if !ok {
		p.fail("method: missing (one or more of %s)", strings.Join(Methods, ", "))
		return nil
	}
	var names []string
	switch x := v.(type) {
	case string:
		names = strings.Split(x, ",")
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				p.fail("method: %v is not a name", e)
				return nil
			}
			names = append(names, s)
		}
	default:
		p.fail("method: %v is not a name or a list of names", v)
		return nil
	}
	if len(names) == 0 {
		p.fail("method: empty list")
	}
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
		if !slices.Contains(Methods, names[i]) {
			p.fail("method: unknown method %q (want %s)", n, strings.Join(Methods, ", "))
		}
	}
	return dedupe(names)
}

func (p *parser) data(d *Data, dir string) {
	v, ok := p.get("data")
	if !ok {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.fail("data: %v is not a table {samples, label_noise} or {file}", v)
		return
	}
	sub := parser{m: m}
	d.Samples = sub.int("samples", 64, 1, 1<<22)
	d.LabelNoise = sub.float("label_noise", 0.5, 0, true)
	d.File = sub.str("file", "")
	for k := range m {
		if !sub.seen[k] {
			sub.fail("unknown key %q (want samples, label_noise, file)", k)
		}
	}
	if sub.err != nil {
		p.fail("data: %v", sub.err)
		return
	}
	if d.File != "" && !filepath.IsAbs(d.File) {
		d.File = filepath.Join(dir, d.File)
	}
}

func (p *parser) starts(st *Starts) {
	v, ok := p.get("start")
	if !ok {
		p.fail("start: missing (points: [[w1, w2], …], grid: {min, max, num} or random: {min, max, count})")
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		// A bare list of points.
		m = map[string]any{"points": v}
	}
	sub := parser{m: m}
	if pv, ok := sub.get("points"); ok {
		list, ok := pv.([]any)
		n := len(list)
		str, isStr := pv.(string) // "w1,w2; w1,w2", from a flag or a file
		if isStr {
			n, ok = strings.Count(str, ";")+1, true
		}
		if !ok || n == 0 {
			sub.fail("points: %v is not a non-empty list of points", pv)
		}
		if n > MaxValues {
			sub.fail("points: %d points, at most %d", n, MaxValues)
		}
		// Points seen, by their weights (with −0 as 0, since −0 = 0): a set, so that reading
		// n points takes time n, not n².
		seen := make(map[string]bool, n)
		var key []byte
		for i := 0; i < n && sub.err == nil; i++ {
			var e any
			if isStr {
				e, str, _ = strings.Cut(str, ";")
			} else {
				e = list[i]
			}
			w := sub.values("points", e)
			if len(w) > MaxDepth {
				sub.fail("points: a point of %d weights (at most depth %d)", len(w), MaxDepth)
				break
			}
			for _, f := range w {
				if math.IsNaN(f) || math.IsInf(f, 0) {
					sub.fail("points: weight %v is not finite", f)
				}
			}
			if sub.err != nil {
				break
			}
			key = key[:0]
			for _, f := range w {
				if f == 0 {
					f = 0 // −0 and 0 are the same weight
				}
				key = binary.LittleEndian.AppendUint64(key, math.Float64bits(f))
			}
			if seen[string(key)] {
				continue // the same run twice would only weigh it double in every statistic
			}
			seen[string(key)] = true
			st.Points = append(st.Points, w)
		}
	}
	st.Grid = sub.box("grid", false)
	st.Random = sub.box("random", true)
	for k := range m {
		if !sub.seen[k] {
			sub.fail("unknown key %q (want points, grid, random)", k)
		}
	}
	if sub.err == nil && st.Points == nil && st.Grid == nil && st.Random == nil {
		sub.fail("no points, grid or random")
	}
	if sub.err != nil {
		p.fail("start: %v", sub.err)
	}
}

func (p *parser) box(key string, random bool) *Box {
	v, ok := p.get(key)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.fail("%s: %v is not a table {min, max, %s}", key, v, map[bool]string{false: "num", true: "count"}[random])
		return nil
	}
	sub := parser{m: m}
	b := &Box{}
	if mv, ok := sub.get("min"); ok {
		b.Min = sub.values(key+".min", mv)
	}
	if mv, ok := sub.get("max"); ok {
		b.Max = sub.values(key+".max", mv)
	}
	if random {
		b.Count = sub.int("count", 0, 1, MaxValues)
		b.Seed = uint64(sub.int64("seed", 0, 0, 1<<53))
	} else if nv, ok := sub.get("num"); ok {
		for _, f := range sub.values(key+".num", nv) {
			if f != math.Trunc(f) || f < 1 || f > MaxValues {
				sub.fail("%s.num: %v must be a whole number ≥ 1", key, f)
				break
			}
			b.Num = append(b.Num, int(f))
		}
	}
	for k := range m {
		if !sub.seen[k] {
			sub.fail("unknown key %q", k)
		}
	}
	switch {
	case sub.err != nil:
	case b.Min == nil || b.Max == nil:
		sub.fail("needs min and max")
	case random && b.Count == 0:
		sub.fail("needs count ≥ 1")
	case !random && b.Num == nil:
		sub.fail("needs num")
	}
	if sub.err == nil && random && b.Count > 1 {
		flat := true
		for i := range max(len(b.Min), len(b.Max)) {
			flat = flat && at(b.Min, min(i, len(b.Min)-1)) == at(b.Max, min(i, len(b.Max)-1))
		}
		if flat {
			sub.fail("min = max: the %d random points would all be the same point", b.Count)
		}
	}
	if sub.err == nil && !random {
		for i, n := range b.Num {
			lo, hi := at(b.Min, min(i, len(b.Min)-1)), at(b.Max, min(i, len(b.Max)-1))
			if n > 1 && lo == hi {
				sub.fail("min = max = %v with num %d gives the same point %d times", lo, n, n)
				break
			}
		}
	}
	if sub.err == nil {
		for _, f := range append(append([]float64{}, b.Min...), b.Max...) {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				sub.fail("bound %v is not finite", f)
				break
			}
		}
	}
	if sub.err != nil {
		p.fail("%s: %v", key, sub.err)
		return nil
	}
	return b
}

// dedupe removes repeated values, keeping the first of each, so that no run is done twice.
func dedupe[T comparable](vs []T) []T {
	seen := map[T]bool{}
	out := vs[:0:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// finish checks the combinations, loads the dataset and lays out the run set.
func (s *Spec) finish() error {
	if slices.Max(s.Depth) > MaxDepth {
		return fmt.Errorf("depth: %d is more than %d", slices.Max(s.Depth), MaxDepth)
	}
	uses := func(m string) bool { return slices.Contains(s.Method, m) }
	discrete := uses("gd") || uses("noisy-gd") || uses("sgd")
	switch {
	case s.Steps != nil && s.TEnd != nil:
		return fmt.Errorf("steps and t_end: give one horizon, not both")
	case s.Steps == nil && s.TEnd == nil:
		return fmt.Errorf("steps or t_end: missing (the horizon of every run)")
	case s.LR == nil && (discrete || uses("modified") || s.Steps != nil):
		return fmt.Errorf("lr: missing (the learning rates of %s)", strings.Join(s.Method, ", "))
	}
	if slices.Contains(s.Steps, 0) {
		return fmt.Errorf("steps: 0 steps is no run (want ≥ 1)")
	}
	if _, err := ode.NewMethod(s.Integrator); err != nil {
		return fmt.Errorf("integrator: %q (want dopri5, dop853 or gauss)", s.Integrator)
	}
	if s.RTol < 1e-14 {
		return fmt.Errorf("rtol: %v is below what float64 can deliver (want ≥ 1e-14)", s.RTol)
	}
	if s.Balanced >= 1 {
		return fmt.Errorf("balanced: %v must be < 1 (a fraction of ‖D(0)‖)", s.Balanced)
	}
	if uses("noisy-gd") || uses("sgd") || s.Data.File != "" {
		var err error
		if s.Data.File != "" {
			f, e := readData(s.Data.File)
			if e != nil {
				return fmt.Errorf("data: %v", e)
			}
			sum := sha256.Sum256(f)
			s.Data.SHA256 = hex.EncodeToString(sum[:8])
			s.data, err = flow.ReadCSV(bytes.NewReader(f))
		} else {
			s.data, err = flow.Generate(s.Data.Samples, 1, s.Data.LabelNoise, s.Seed)
		}
		if err != nil {
			return fmt.Errorf("data: %v", err)
		}
		if uses("sgd") {
			for _, b := range s.Batch {
				if b > s.data.Len() {
					return fmt.Errorf("batch: %d is more than the %d samples", b, s.data.Len())
				}
			}
		}
	}
	s.Start.index()
	if err := s.Start.check(s.Depth); err != nil {
		return fmt.Errorf("start: %v", err)
	}
	// A listed point that the grid holds too would be run twice.
	if g := s.Start.Grid; g != nil {
		s.Start.Points = slices.DeleteFunc(s.Start.Points, func(p []float64) bool { return g.fits(len(p)) && g.holds(p) })
		s.Start.index()
	}
	if discrete && len(s.LR) > 0 {
		l, m := slices.Max(s.LR), slices.Max(s.WD)
		if l*m >= 2 {
			return fmt.Errorf("lr %v with wd %v: λμ ≥ 2 makes the decay factor 1 − λμ ≤ −1 (want λμ < 2)", l, m)
		}
	}
	if discrete && s.TEnd != nil {
		// round(t_end/λ) steps must be a real horizon: at least one step, and not beyond 2^50
		// (nor beyond the largest int where an int has 32 bits).
		lo, hi := slices.Min(s.TEnd)/slices.Max(s.LR), slices.Max(s.TEnd)/slices.Min(s.LR)
		if lo < 0.5 {
			return fmt.Errorf("t_end %v with lr %v: round(t_end/λ) = 0 steps", slices.Min(s.TEnd), slices.Max(s.LR))
		}
		if !(hi <= maxWhole) {
			return fmt.Errorf("t_end %v with lr %v: %.3g steps, more than %s", slices.Max(s.TEnd), slices.Min(s.LR), hi, limitText(maxWhole))
		}
	}
	if s.Steps != nil && len(s.LR) > 0 {
		if t := float64(slices.Max(s.Steps)) * slices.Max(s.LR); math.IsInf(t, 0) {
			return fmt.Errorf("steps %d with lr %v: the horizon steps·λ overflows", slices.Max(s.Steps), slices.Max(s.LR))
		}
	}

	if err := s.layout(); err != nil {
		return err
	}
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(append([]byte(formatVersion+"\n"), b...))
	s.print = hex.EncodeToString(sum[:6])
	return nil
}

// MaxDataBytes bounds the dataset file of a sweep: 256 MiB (some 10⁷ samples).
const MaxDataBytes = 256 << 20

// readData reads a dataset file, no further than MaxDataBytes.
func readData(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooLarge := fmt.Errorf("%s: more than %d bytes (at most 256 MiB)", path, MaxDataBytes)
	// The text, and the samples read from it (at most one number per two bytes).
	st, err := f.Stat()
	if err == nil && st.Mode().IsRegular() {
		if st.Size() > MaxDataBytes {
			return nil, tooLarge
		}
		if err := budget.Check(fmt.Sprintf("the dataset %s (%d bytes)", path, st.Size()), budget.Mul(st.Size(), 5)); err != nil {
			return nil, err
		}
	}
	// A stream of unknown size (a pipe, a device) is read no further than 256 MiB and a fifth
	// of the memory budget, in pieces, so that what it holds never exceeds that bound (a
	// buffer grown by doubling would take twice it).
	limit := int64(MaxDataBytes)
	if l := budget.Limit() / 5; l < limit {
		limit = max(l, 0)
	}
	b, over, err := readBounded(f, limit)
	if err != nil {
		return nil, err
	}
	if over {
		if limit < MaxDataBytes {
			return nil, fmt.Errorf("%s: more than %d bytes, a fifth of the memory budget %s (--max-memory)", path, limit, budget.Format(budget.Limit()))
		}
		return nil, tooLarge
	}
	return b, nil
}

// readBounded reads r to its end in pieces of 1 MiB joined at the end, or reports over when
// r holds more than limit bytes: it holds no more than limit+1 bytes while reading.
func readBounded(r io.Reader, limit int64) (b []byte, over bool, err error) {
	const piece = 1 << 20
	var parts [][]byte
	var n int64
	for n <= limit {
		p := make([]byte, min(piece, limit+1-n))
		k, err := io.ReadFull(r, p)
		parts, n = append(parts, p[:k]), n+int64(k)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	switch {
	case n > limit:
		return nil, true, nil
	case len(parts) == 1:
		return parts[0], false, nil
	}
	return bytes.Join(parts, nil), false, nil
}

// formatVersion changes when the meaning of a row changes, so that old result files are not
// resumed by a newer layerflow.
const formatVersion = "layerflow-sweep-2"

func (st *Starts) check(depths []int) error {
	for _, b := range []*Box{st.Grid, st.Random} {
		if b == nil {
			continue
		}
		fits := false
		for _, d := range depths {
			fits = fits || b.fits(d)
		}
		if !fits {
			return fmt.Errorf("box min %v, max %v, num %v: give one value, or one per weight of a swept depth %v", b.Min, b.Max, b.Num, depths)
		}
		for i := range max(len(b.Min), len(b.Max)) {
			if at(b.Min, i%len(b.Min)) > at(b.Max, i%len(b.Max)) {
				return fmt.Errorf("box min %v > max %v", at(b.Min, i%len(b.Min)), at(b.Max, i%len(b.Max)))
			}
		}
	}
	for _, d := range depths {
		if st.count(d) == 0 {
			return fmt.Errorf("no starting point has %d weights (depth %d is swept)", d, d)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(st.byDepth)) {
		if !slices.Contains(depths, d) {
			p := st.byDepth[d][0]
			return fmt.Errorf("point %v has %d weights, but no depth %d is swept", p, len(p), len(p))
		}
	}
	return nil
}

// holds reports whether the grid of b has the point p exactly (p of a depth b fits).
func (b *Box) holds(p []float64) bool {
	for i, v := range p {
		n, lo, hi := at(b.Num, min(i, len(b.Num)-1)), at(b.Min, min(i, len(b.Min)-1)), at(b.Max, min(i, len(b.Max)-1))
		if n == 1 {
			if v != 0.5*(lo+hi) {
				return false
			}
			continue
		}
		j := math.Round((v - lo) / (hi - lo) * float64(n-1))
		if math.IsInf(hi-lo, 0) {
			j = math.Round((v/2 - lo/2) / (hi/2 - lo/2) * float64(n-1))
		}
		if j < 0 || j > float64(n-1) || gridPoint(lo, hi, int(j), n) != v {
			return false
		}
	}
	return true
}

// fits reports whether the box gives bounds (and grid counts) for depth d: one value for
// all weights, or one per weight.
func (b *Box) fits(d int) bool {
	ok := func(n int) bool { return n == 1 || n == d }
	return ok(len(b.Min)) && ok(len(b.Max)) && (b.Num == nil || ok(len(b.Num)))
}

func at[T any](v []T, i int) T {
	if len(v) == 1 {
		return v[0]
	}
	return v[i]
}

// Fingerprint identifies the sweep: the same for the same run set and settings, different
// otherwise. Every row of a result file carries it.
func (s *Spec) Fingerprint() string { return s.print }

// Len returns the number of runs.
func (s *Spec) Len() int { return s.total }
