package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
)

// prepareDir creates dir (and parents) and checks that it can be written, before any work
// is done, so that a bad --out fails at once.
func prepareDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("--out: empty path")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %v", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".layerflow-probe-*")
	if err != nil {
		return fmt.Errorf("--out %s: cannot write: %v", dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// writeAtomic writes a file through a temporary file in the same directory, renamed into
// place with the rest of the command's output set (or at once outside a command), so that
// no half-written file is ever left at path.
func writeAtomic(path string, write func(w io.Writer) error) error {
	return writeVia(createOutput, path, write)
}

// writeVia writes path through a file that open creates and its finish renames.
func writeVia(open func(string) (*os.File, func(bool) error, error), path string, write func(w io.Writer) error) error {
	f, finish, err := open(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		finish(false)
		return fmt.Errorf("write %s: %v", path, unwrapPath(err))
	}
	return finish(true)
}

// dropStaged removes from the command's output set the files staged for paths (the figures
// of a drawing stopped by a signal), with their temporary files, so that the set is
// committed without them. Outside a command each file was renamed into place when written.
func dropStaged(paths ...string) {
	s := activeOutputs()
	if s == nil || len(paths) == 0 {
		return
	}
	s.mu.Lock()
	var tmps []string
	for _, f := range s.files {
		for _, p := range paths {
			if f.path == p {
				tmps = append(tmps, f.tmp)
			}
		}
	}
	s.mu.Unlock()
	for _, t := range tmps {
		s.forget(t)
	}
}

// ftoa formats a number for CSV in the shortest form that reads back as the same float64
// (0.26, not 0.26000000000000001); a non-finite value (a loss that overflows, a sharpness of
// an overflowing Hessian) is an empty cell, which CSV readers take as missing.
func ftoa(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// writeTrajectoryCSV writes t, w1..wd, loss, D12, D23, …, sharpness for every point.
func writeTrajectoryCSV(path string, tr *flow.Trajectory, c float64) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		d := tr.Depth
		head := []string{"t"}
		for i := 1; i <= d; i++ {
			head = append(head, fmt.Sprintf("w%d", i))
		}
		head = append(head, "loss")
		for i := 1; i < d; i++ {
			head = append(head, fmt.Sprintf("D%d%d", i, i+1))
		}
		head = append(head, "sharpness")
		if err := cw.Write(head); err != nil {
			return err
		}
		for _, p := range analysis.Series(tr, c) {
			rec := []string{ftoa(p.T)}
			for _, v := range p.W {
				rec = append(rec, ftoa(v))
			}
			rec = append(rec, ftoa(p.Loss))
			for _, v := range p.Imbalance {
				rec = append(rec, ftoa(v))
			}
			rec = append(rec, ftoa(p.Sharpness))
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// writeCSV writes a header and rows of numbers.
func writeCSV(path string, head []string, rows [][]float64) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(head); err != nil {
			return err
		}
		rec := make([]string, len(head))
		for _, r := range rows {
			for i, v := range r {
				rec[i] = ftoa(v)
			}
			if err := cw.Write(rec[:len(r)]); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// writeJSON writes v indented; non-finite numbers must have been replaced by num before.
func writeJSON(path string, v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// encodeJSON encodes v, indented, with every non-finite float (a diverged state, an
// undefined eigenvalue) written as null, which encoding/json would refuse.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		return append(b, '\n'), nil
	}
	// Encode through a generic form (JSON with NaN written as null), then decode and encode.
	var buf []byte
	if buf, err = json.Marshal(finite(reflect.ValueOf(v))); err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(buf, &generic); err != nil {
		return nil, err
	}
	b, err = json.MarshalIndent(generic, "", "  ")
	return append(b, '\n'), err
}

// finite returns v with its non-finite floats replaced by nil, structs turned into maps by
// their JSON field names (exported fields, "-" skipped, omitempty honoured for empty values).
func finite(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if m, ok := v.Interface().(json.Marshaler); ok && v.Kind() != reflect.Pointer {
		return m
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return num(v.Float())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return finite(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = finite(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[fmt.Sprint(k.Interface())] = finite(v.MapIndex(k))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opts, "omitempty") && v.Field(i).IsZero() {
				continue
			}
			out[name] = finite(v.Field(i))
		}
		return out
	}
	return v.Interface()
}

// num makes a float JSON-safe: NaN and ±Inf become null.
func num(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

func nums(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = num(x)
	}
	return out
}

// recordSettings is what a record says was run: the value of every flag of the command
// (settingsOf) under its name in snake_case ("t-end" is "t_end"), with the values actually
// used in place of the flags' where they differ (used: the drawn initial weights for "init",
// every start of a portrait for "from"), so that the run can be repeated from the record.
func recordSettings(ctx *cli.Context, used map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range settingsOf(ctx) {
		if s, ok := v.(interface{ Value() []string }); ok {
			v = s.Value() // a repeatable flag (portrait --from)
		}
		out[strings.ReplaceAll(k, "-", "_")] = v
	}
	for k, v := range used {
		out[k] = v
	}
	return out
}

// startList writes weights as "w1,w2,…" in the shortest form that reads back exactly: the
// form --init and --from take.
func startList(w []float64) string {
	parts := make([]string, len(w))
	for i, v := range w {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// formatFlag is --format of the scalar runs (flow, gd, sgd).
func formatFlag() cli.Flag {
	return altsrc.NewStringFlag(&cli.StringFlag{Name: "format", Value: "csv",
		Usage:    "trajectory file: csv (trajectory.csv: t, w1..wd, loss, D12…, sharpness), npy (trajectory.npy: a float64 array, one row t, w1..wd per point, for numpy.load) or csv,npy",
		Category: catOutput})
}

// trajectoryFormats reads --format: which trajectory files to write.
func trajectoryFormats(ctx *cli.Context) (csv, npy bool, err error) {
	for _, f := range strings.Split(ctx.String("format"), ",") {
		switch strings.TrimSpace(f) {
		case "csv":
			csv = true
		case "npy":
			npy = true
		default:
			return false, false, fmt.Errorf("--format %q: want csv, npy or csv,npy", ctx.String("format"))
		}
	}
	if npy && ctx.IsSet("widths") {
		return false, false, fmt.Errorf("--format %q: a network with matrix layers writes records.csv and checkpoints (.npz), not trajectory.npy", ctx.String("format"))
	}
	return csv, npy, nil
}

// printWrote lists the files a command wrote, one "wrote PATH" line each.
func printWrote(w io.Writer, paths ...string) {
	for _, p := range paths {
		fmt.Fprintf(w, "wrote %s\n", p)
	}
}

// maxRecordPoints is the most points of one trajectory a JSON record holds: enough to draw it
// again at any size a figure has.
const maxRecordPoints = 2000

// trajectoryPoints records each trajectory: its method, status, start, and its times and
// weights (w[k] the weights at t[k]), thinned evenly to at most maxRecordPoints points with
// the first and the last kept.
func trajectoryPoints(trs []*flow.Trajectory) []map[string]any {
	out := make([]map[string]any, len(trs))
	for i, tr := range trs {
		idx := sampleIndices(tr.Len(), maxRecordPoints-1)
		t := make([]any, len(idx))
		w := make([]any, len(idx))
		for j, k := range idx {
			t[j], w[j] = num(tr.T[k]), nums(tr.At(k))
		}
		out[i] = map[string]any{"method": tr.Label, "status": tr.Status, "start": nums(tr.At(0)),
			"points": tr.Len(), "recorded_points": len(idx), "t": t, "w": w}
	}
	return out
}

// finalOf describes the last point of a trajectory for summary.json.
func finalOf(tr *flow.Trajectory, c float64) map[string]any {
	w := tr.Last()
	D := make([]float64, tr.Depth-1)
	norm := flow.Imbalance(D, w)
	return map[string]any{
		"t":         num(tr.T[tr.Len()-1]),
		"w":         nums(w),
		"loss":      num(flow.Objective{Depth: tr.Depth, C: c}.Loss(w)),
		"imbalance": nums(D),
		"max_abs_d": num(norm),
		"sharpness": num(flow.Sharpness(w)),
	}
}

func phaseOf(ph analysis.Phase) map[string]any {
	if !ph.Found {
		return nil
	}
	return map[string]any{
		"t": num(ph.T), "index": ph.Index, "loss": num(ph.Loss), "imbalance": num(ph.Imbalance),
		"regularization_rate": num(ph.RegRate),
	}
}
