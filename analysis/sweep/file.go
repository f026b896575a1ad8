package sweep

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ranges is a set of run indices kept as sorted disjoint half-open intervals, so that the
// memory it takes grows with the number of gaps, not with the number of runs: rows arrive
// nearly in index order.
type ranges struct {
	iv [][2]int
	n  int
}

// add inserts i and reports whether it was new.
func (r *ranges) add(i int) bool {
	k := sort.Search(len(r.iv), func(k int) bool { return r.iv[k][1] >= i })
	// r.iv[k] is the first interval ending at or after i.
	if k < len(r.iv) && r.iv[k][0] <= i && i < r.iv[k][1] {
		return false
	}
	r.n++
	switch {
	case k < len(r.iv) && r.iv[k][1] == i: // extend interval k at its end
		r.iv[k][1]++
		if k+1 < len(r.iv) && r.iv[k+1][0] == i+1 {
			r.iv[k][1] = r.iv[k+1][1]
			r.iv = append(r.iv[:k+1], r.iv[k+2:]...)
		}
	case k < len(r.iv) && r.iv[k][0] == i+1: // extend interval k at its start
		r.iv[k][0]--
	default:
		r.iv = append(r.iv, [2]int{})
		copy(r.iv[k+1:], r.iv[k:])
		r.iv[k] = [2]int{i, i + 1}
	}
	return true
}

func (r *ranges) has(i int) bool {
	k := sort.Search(len(r.iv), func(k int) bool { return r.iv[k][1] > i })
	return k < len(r.iv) && r.iv[k][0] <= i
}

func (r *ranges) len() int { return r.n }

// missing describes the indices in 0..total−1 for which has is false: their count and up to
// max of them written as ranges ("5, 17, 40–49"), or as a shard when they are every k-th.
func missing(has func(int) bool, total, max int) (int, string) {
	var parts []string
	n := 0
	lo, hi := -1, -1
	flushRun := func() {
		if lo < 0 {
			return
		}
		if len(parts) < max {
			if lo == hi {
				parts = append(parts, strconv.Itoa(lo))
			} else {
				parts = append(parts, fmt.Sprintf("%d–%d", lo, hi))
			}
		} else if len(parts) == max {
			parts = append(parts, "…")
		}
		lo = -1
	}
	first, step := -1, 0
	for i := 0; i < total; i++ {
		if has(i) {
			flushRun()
			continue
		}
		n++
		if first < 0 {
			first = i
		} else {
			step = gcd(step, i-first)
		}
		if lo >= 0 && i == hi+1 {
			hi = i
			continue
		}
		flushRun()
		lo, hi = i, i
	}
	flushRun()
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

// bitset is a set of run indices 0..n−1, one bit each (merge checks every run once).
type bitset struct{ words []uint64 }

func newBitset(n int) bitset { return bitset{words: make([]uint64, (n+63)/64)} }

func (b *bitset) add(i int) bool {
	w, m := i/64, uint64(1)<<(i%64)
	if b.words[w]&m != 0 {
		return false
	}
	b.words[w] |= m
	return true
}

func (b *bitset) has(i int) bool { return b.words[i/64]&(1<<(i%64)) != 0 }

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
func openResults(path string, s *Spec, shard, shards int) (*results, *ranges, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("sweep: %v", err)
	}
	fail := func(err error) (*results, *ranges, error) {
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
	done := &ranges{}
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
		good, err := scan(path, checkRow(s, shard, shards, done))
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

// scan reads a result file, checks its header and passes every complete row, split into its
// fields, to fn (with its line number). It returns the length of the file up to the end of
// the last complete line. A complete row with the wrong number of fields is an error.
func scan(path string, fn func(line int, f []string) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	h, err := br.ReadString('\n')
	cols := Columns
	if err == nil && h == netHeader() {
		cols = NetColumns // a sweep of networks with matrix layers
	} else if err != nil || h != header() {
		return 0, fmt.Errorf("not a layerflow sweep result file (its first line is not the header %q)", strings.TrimSpace(header()))
	}
	good := int64(len(h))
	fields := make([]string, 0, len(cols))
	for line := 2; ; line++ {
		s, err := br.ReadString('\n')
		if err == io.EOF {
			return good, nil // s, if any, is a row cut short
		}
		if err != nil {
			return 0, err
		}
		fields = splitInto(fields[:0], s[:len(s)-1])
		if len(fields) != len(cols) {
			return 0, fmt.Errorf("line %d has %d fields, want %d", line, len(fields), len(cols))
		}
		if err := fn(line, fields); err != nil {
			return 0, err
		}
		good += int64(len(s))
	}
}

func splitInto(dst []string, s string) []string {
	for {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
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
// unless partial is true.
func Merge(out string, inputs []string, partial bool) (*MergeReport, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("sweep: merge: no input files")
	}
	if st, err := os.Stat(out); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("sweep: merge: %s is not a regular file", out)
	}
	for _, in := range inputs {
		if a, b := absPath(in), absPath(out); a == b {
			return nil, fmt.Errorf("sweep: merge: %s is both an input and the output", in)
		}
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
	var done bitset
	seenIn := map[string]string{}
	for _, in := range inputs {
		if prev, dup := seenIn[in]; dup {
			return nil, fmt.Errorf("sweep: merge: %s is given twice (%s)", in, prev)
		}
		seenIn[in] = in
		if h := HeaderOf(in); h != head && (h == header() || h == netHeader()) {
			return nil, fmt.Errorf("sweep: merge: %s holds a sweep of another kind than %s", in, inputs[0])
		}
		good, err := scan(in, func(line int, f []string) error {
			runs, err := strconv.Atoi(f[1])
			if err != nil || runs < 1 {
				return fmt.Errorf("line %d: run count %q", line, f[1])
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
			if done.words == nil {
				done = newBitset(runs)
			}
			if !done.add(i) {
				return fmt.Errorf("line %d: run %d is already in this or an earlier file", line, i)
			}
			bw.WriteString(strings.Join(f, ","))
			bw.WriteByte('\n')
			rep.Rows++
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("sweep: merge: %s: %v", in, err)
		}
		if st, err := os.Stat(in); err == nil && good < st.Size() {
			return nil, fmt.Errorf("sweep: merge: %s: its last line is cut short (rerun its sweep command to repair and finish it)", in)
		}
	}
	if rep.Runs < 0 {
		return nil, fmt.Errorf("sweep: merge: the inputs hold no runs")
	}
	rep.Missing, rep.MissingList = missing(done.has, rep.Runs, 10)
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
