package sweep

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/layerflow/layerflow/analysis/budget"
)

// runSet is a set of run indices read from the rows of result files. Rows are taken as they
// come, in spans of consecutive indices (a file written by a sweep is nearly in order), and the
// spans are sorted and joined whenever the unsorted ones outnumber the sorted ones, and at the
// end (seal): time O(r log r) and memory O(r) for r rows in any order, and nothing sized by a
// run count read from a file (merge once made a bitset of the runs column: 10¹⁵ runs asked
// for 125 TB).
type runSet struct {
	spans  []span // spans[:sorted] sorted, disjoint and joined; the rest as they came
	sorted int
}

// span holds the runs lo..hi−1, from line line of input file file onwards (file −1: joined
// from several rows, where the line is not known).
type span struct {
	lo, hi     int
	file, line int
}

// dupError says that run Index was found twice, the second time at line Line of input File.
type dupError struct{ Index, File, Line int }

func (e *dupError) Error() string {
	return fmt.Sprintf("line %d: run %d is there twice", e.Line, e.Index)
}

// add adds run i, read at line line of input file file; it returns a *dupError when the sort
// it may do finds a run twice.
func (r *runSet) add(i, file, line int) error {
	if k := len(r.spans) - 1; k >= r.sorted {
		if l := &r.spans[k]; l.hi == i && l.file == file && l.line+(l.hi-l.lo) == line {
			l.hi++
			return nil
		}
	}
	r.spans = append(r.spans, span{i, i + 1, file, line})
	if len(r.spans)-r.sorted > max(r.sorted, 1024) {
		return r.seal()
	}
	return nil
}

// seal sorts and joins the spans; it returns a *dupError naming a run found twice, at its later
// place (spans are taken in the order they came, so that a run's later place is always known:
// spans joined by an earlier sort came before any span added since).
func (r *runSet) seal() error {
	if r.sorted == len(r.spans) {
		return nil
	}
	slices.SortStableFunc(r.spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	// A span that starts inside an earlier one overlaps the earlier span reaching furthest.
	far := 0
	for k, c := range r.spans[1:] {
		p := r.spans[far]
		if c.lo < p.hi {
			i := c.lo
			at := func(s span) [2]int { return [2]int{s.file, s.line + i - s.lo} }
			later := at(c)
			if a := at(p); c.file < 0 || p.file >= 0 && (a[0] > later[0] || a[0] == later[0] && a[1] > later[1]) {
				later = a
			}
			r.spans, r.sorted = r.spans[:0], 0
			return &dupError{Index: i, File: later[0], Line: later[1]}
		}
		if c.hi > p.hi {
			far = k + 1
		}
	}
	out := r.spans[:1]
	for _, c := range r.spans[1:] {
		if p := &out[len(out)-1]; c.lo == p.hi {
			p.hi, p.file = c.hi, -1
		} else {
			out = append(out, c)
		}
	}
	r.spans, r.sorted = out, len(out)
	return nil
}

// has reports whether run i is in the set (sealed).
func (r *runSet) has(i int) bool {
	k, _ := slices.BinarySearchFunc(r.spans[:r.sorted], i, func(s span, i int) int {
		if s.hi <= i {
			return -1
		}
		if s.lo > i {
			return 1
		}
		return 0
	})
	return k < r.sorted && r.spans[k].lo <= i && i < r.spans[k].hi
}

// len returns the number of runs in the set (sealed).
func (r *runSet) len() int {
	n := 0
	for _, s := range r.spans[:r.sorted] {
		n += s.hi - s.lo
	}
	return n
}

// missing describes the runs in 0..total−1 that the sealed set lacks: their count and up to
// max of them written as ranges ("5, 17, 40–49"), or as a shard when they are every k-th. It
// takes time in the number of gaps, not of runs.
func missing(set *runSet, total, max int) (int, string) {
	var parts []string
	n := 0
	first, step, prev := -1, 0, -1
	gap := func(lo, hi int) { // the runs lo..hi−1 are missing
		if lo >= hi {
			return
		}
		n += hi - lo
		if len(parts) < max {
			if hi-lo == 1 {
				parts = append(parts, strconv.Itoa(lo))
			} else {
				parts = append(parts, fmt.Sprintf("%d–%d", lo, hi-1))
			}
		} else if len(parts) == max {
			parts = append(parts, "…")
		}
		if first < 0 {
			first = lo
		} else {
			step = gcd(step, lo-prev)
		}
		if hi-lo > 1 {
			step = 1
		}
		prev = hi - 1
	}
	at := 0
	for _, s := range set.spans[:set.sorted] {
		gap(at, min(s.lo, total))
		at = s.hi
	}
	gap(at, total)
	list := strings.Join(parts, ", ")
	if n > 1 && step > 1 && first < step && n == (total-1-first)/step+1 {
		list = fmt.Sprintf("the runs i with i mod %d = %d, that is shard %d/%d: %s", step, first, first, step, list)
	}
	return n, list
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// header is the first line of a result file.
func header() string { return strings.Join(Columns, ",") + "\n" }

// NetColumns are the columns of a sweep of networks with matrix layers (layerflow sweep
// --widths); its first three, run, runs and sweep, are those of Columns, so that merge joins
// the shards of either kind.
var NetColumns = []string{
	"run", "runs", "sweep", "method", "widths", "data", "init", "init_scale", "lr", "wd", "noise", "batch",
	"steps", "t_end", "replicate", "seed", "status", "steps_taken", "evals", "t_final", "loss", "objective",
	"imbalance0", "imbalance", "sharpness", "sv1", "seconds",
}

func netHeader() string { return strings.Join(NetColumns, ",") + "\n" }

// NetHeader is the first line of a result file of a matrix-network sweep.
func NetHeader() string { return netHeader() }

// HeaderOf returns the first line of the result file at path ("" if it cannot be read).
func HeaderOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h, _ := bufio.NewReader(io.LimitReader(f, 1<<12)).ReadString('\n')
	return h
}

// Scan reads a result file of either kind, checking its header, and passes every complete
// row's fields to fn; it returns the length of the file up to its last complete line.
func Scan(path string, fn func(line int, f []string) error) (int64, error) { return scan(path, fn) }

// results is an open result file that rows are appended to.
type results struct {
	f   *os.File
	buf []byte
}

// flush writes the buffered rows with one write, so that only whole rows reach the file
// unless the write itself is cut short (which openResults repairs).
func (o *results) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.f.Write(o.buf)
	o.buf = o.buf[:0]
	return err
}

func (o *results) sync() error  { return o.f.Sync() }
func (o *results) close() error { return o.f.Close() }

// openResults opens path for appending rows of sweep s, shard of shards, and returns the set
// of runs it already holds (as shard-local indices i/shards, which run consecutively). A
// missing or empty file gets the header. The file is locked (flock) while the sweep runs, so
// that a second sweep on the same file fails at once instead of doing every run twice; the
// lock goes with the process, so a killed sweep leaves none behind.
func openResults(path string, s *Spec, shard, shards int) (*results, *runSet, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("sweep: %v", err)
	}
	fail := func(err error) (*results, *runSet, error) {
		f.Close()
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("sweep: %v", err))
	}
	if !st.Mode().IsRegular() {
		return fail(fmt.Errorf("sweep: %s is not a regular file (%v)", path, st.Mode().Type()))
	}
	if err := lock(f); err != nil {
		return fail(fmt.Errorf("sweep: %s is being written by another sweep (%v)", path, err))
	}
	done := &runSet{}
	// An empty file, or a header cut short by a kill, gets the header.
	head := make([]byte, len(header()))
	n, _ := f.ReadAt(head, 0)
	if int64(n) == st.Size() && n < len(head) && string(head[:n]) == header()[:n] {
		if err := f.Truncate(0); err != nil {
			return fail(fmt.Errorf("sweep: %v", err))
		}
		if _, err := f.WriteAt([]byte(header()), 0); err != nil {
			return fail(fmt.Errorf("sweep: %v", err))
		}
	} else {
		var good int64
		done, good, err = scanRuns(path, s, shard, shards)
		if err != nil {
			return fail(fmt.Errorf("sweep: %s: %v", path, err))
		}
		if good < st.Size() {
			// The last row was cut short: drop it, its run is done again.
			if err := f.Truncate(good); err != nil {
				return fail(fmt.Errorf("sweep: %v", err))
			}
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return fail(fmt.Errorf("sweep: %v", err))
	}
	return &results{f: f}, done, nil
}

// MaxLine is the longest line of a result file: a row is at most some 7 KB (a starting point
// of depth 256 in w0), and a longer line (a file that is not a result file, a device) is an
// error rather than a line read into memory whole.
const MaxLine = 1 << 16

// scan reads a result file, checks its header and passes every complete row, split into its
// fields, to fn (with its line number). It returns the length of the file up to the end of
// the last complete line. A complete row with the wrong number of fields, or a line longer
// than MaxLine, is an error.
func scan(path string, fn func(line int, f []string) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// What is kept of a row (a run index, a point of a figure, a cell's value) is smaller
	// than the row: the file's size bounds the memory of reading it.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if err := budget.Check(fmt.Sprintf("a result file of %d bytes", st.Size()), st.Size()); err != nil {
			return 0, err
		}
	}
	br := bufio.NewReaderSize(f, MaxLine)
	h, err := br.ReadSlice('\n')
	cols := Columns
	if err == nil && string(h) == netHeader() {
		cols = NetColumns // a sweep of networks with matrix layers
	} else if err != nil || string(h) != header() {
		return 0, fmt.Errorf("not a layerflow sweep result file (its first line is not the header %q)", strings.TrimSpace(header()))
	}
	good := int64(len(h))
	fields := make([]string, 0, len(cols))
	for line := 2; ; line++ {
		b, err := br.ReadSlice('\n')
		if err == io.EOF {
			return good, nil // b, if any, is a row cut short
		}
		if err == bufio.ErrBufferFull {
			return 0, fmt.Errorf("line %d is longer than %d bytes: not a row", line, MaxLine)
		}
		if err != nil {
			return 0, err
		}
		s := string(b[:len(b)-1])
		fields = splitInto(fields[:0], s, len(cols))
		if len(fields) != len(cols) {
			return 0, fmt.Errorf("line %d has %d fields, want %d", line, strings.Count(s, ",")+1, len(cols))
		}
		if err := fn(line, fields); err != nil {
			return 0, err
		}
		good += int64(len(b))
	}
}

// splitInto splits s at its commas into dst, stopping after more than most fields.
func splitInto(dst []string, s string, most int) []string {
	for len(dst) <= most {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
	return dst
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// MergeReport says what Merge found.
type MergeReport struct {
	// Runs is the sweep's run count, Rows the rows written, Missing the runs absent from
	// every input, listed in MissingList (the first few, as ranges).
	Runs, Rows, Missing int
	MissingList         string
	Sweep               string
}

// Merge joins result files of one sweep (its shards, or pieces of one shard) into out,
// written atomically. Every input must carry the same sweep fingerprint and no run may
// appear twice. When runs are missing, Merge returns an error naming them and writes nothing,
// unless partial is true. Its memory grows with the rows read, never with the run count the
// files state (which is checked against MaxRuns).
func Merge(out string, inputs []string, partial bool) (*MergeReport, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("sweep: merge: no input files")
	}
	so, err := os.Stat(out)
	if err == nil && !so.Mode().IsRegular() {
		return nil, fmt.Errorf("sweep: merge: %s is not a regular file", out)
	}
	stats := make([]os.FileInfo, len(inputs))
	for k, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("sweep: merge: %s: %v", in, errors.Unwrap(err))
		}
		// By file identity: another name or a link for the same file counts.
		if so != nil && os.SameFile(st, so) || absPath(in) == absPath(out) {
			return nil, fmt.Errorf("sweep: merge: %s is both an input and the output", in)
		}
		for j := range k {
			if os.SameFile(st, stats[j]) {
				return nil, fmt.Errorf("sweep: merge: %s is given twice (%s)", in, inputs[j])
			}
		}
		stats[k] = st
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("sweep: merge: cannot write %s: %v", out, errors.Unwrap(err))
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	// The header of the first input, which every other input must share.
	head := HeaderOf(inputs[0])
	if head != netHeader() {
		head = header()
	}
	bw.WriteString(head)
	rep := &MergeReport{Runs: -1}
	done := &runSet{}
	dup := func(err error) error {
		var d *dupError
		if errors.As(err, &d) {
			return fmt.Errorf("sweep: merge: %s: line %d: run %d is already in this or an earlier file", inputs[d.File], d.Line, d.Index)
		}
		return err
	}
	for k, in := range inputs {
		if h := HeaderOf(in); h != head && (h == header() || h == netHeader()) {
			return nil, fmt.Errorf("sweep: merge: %s holds a sweep of another kind than %s", in, inputs[0])
		}
		good, err := scan(in, func(line int, f []string) error {
			runs, err := strconv.Atoi(f[1])
			if err != nil || runs < 1 {
				return fmt.Errorf("line %d: run count %q", line, f[1])
			}
			if runs > MaxRuns {
				return fmt.Errorf("line %d: run count %d is more than %s, the most a sweep has", line, runs, limitText(MaxRuns))
			}
			if rep.Runs < 0 {
				rep.Runs, rep.Sweep = runs, f[2]
			}
			if f[2] != rep.Sweep || runs != rep.Runs {
				return fmt.Errorf("line %d: a run of sweep %s (%d runs), not of sweep %s (%d runs) as in the files before", line, f[2], runs, rep.Sweep, rep.Runs)
			}
			i, err := strconv.Atoi(f[0])
			if err != nil || i < 0 || i >= runs {
				return fmt.Errorf("line %d: run %q is not in 0..%d", line, f[0], runs-1)
			}
			if err := done.add(i, k, line); err != nil {
				return err
			}
			bw.WriteString(strings.Join(f, ","))
			bw.WriteByte('\n')
			rep.Rows++
			return nil
		})
		if err != nil {
			if e := dup(err); e != err {
				return nil, e
			}
			return nil, fmt.Errorf("sweep: merge: %s: %v", in, err)
		}
		if st, err := os.Stat(in); err == nil && good < st.Size() {
			return nil, fmt.Errorf("sweep: merge: %s: its last line is cut short (rerun its sweep command to repair and finish it)", in)
		}
	}
	if rep.Runs < 0 {
		return nil, fmt.Errorf("sweep: merge: the inputs hold no runs")
	}
	if err := done.seal(); err != nil {
		return nil, dup(err)
	}
	rep.Missing, rep.MissingList = missing(done, rep.Runs, 10)
	if rep.Missing > 0 && !partial {
		return rep, fmt.Errorf("sweep: merge: %d of %d runs missing: %s", rep.Missing, rep.Runs, rep.MissingList)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("sweep: %v", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("sweep: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("sweep: %v", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, fmt.Errorf("sweep: %v", err)
	}
	ok = true
	return rep, nil
}
