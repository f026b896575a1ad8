package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// LoadCSV reads the CSV file at path (see ReadCSV).
func LoadCSV(path string, o Options) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	defer f.Close()
	// A regular file's lines bound its rows: counted first (a pass over the bytes, no
	// parsing), they let the arrays be made once at their final capacity, so that the read
	// takes the rows' numbers and nothing more, instead of the copies of growing arrays.
	lines := 0
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if lines, err = countLines(f); err != nil {
			return nil, fmt.Errorf("dataset: %s: %v", path, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("dataset: %s: %v", path, err)
		}
	}
	s, err := readCSV(bufio.NewReaderSize(f, 1<<16), path, o, lines)
	if err != nil {
		return nil, err
	}
	s.Info.Path = path
	return s, nil
}

// countLines returns the number of lines of r that hold more than a carriage return:
// encoding/csv skips the others, so that a file of blank lines reserves nothing.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 1<<16)
	n, full := 0, false
	for {
		k, err := r.Read(buf)
		for _, c := range buf[:k] {
			switch c {
			case '\n':
				if full {
					n++
				}
				full = false
			case '\r':
			default:
				full = true
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if full {
		n++
	}
	return n, nil
}

// ReadCSV reads numbers from CSV: every row one sample, the last o.Outputs columns (default
// 1) the target y, the others the input x. A first row that is not all numbers is a header.
// Blank lines are skipped. Ragged rows, fields that are not finite numbers, an empty input
// and an output count out of range are errors that name the line; name names the input in
// errors. With o.OneHot the single output column holds integer labels, expanded to one-hot
// rows. o.Samples keeps the first Samples rows. Time and memory are linear in the input.
func ReadCSV(r io.Reader, name string, o Options) (*Set, error) {
	return readCSV(r, name, o, 0)
}

// readCSV is ReadCSV; lines > 0 bounds the records of r (the lines of a file), and the
// arrays are then made once, for at most that many rows within the budget.
func readCSV(r io.Reader, name string, o Options, lines int) (*Set, error) {
	// encoding/csv makes a string of every record, garbage at once: as many bytes as the
	// numbers kept. With the collector's default (GOGC 100) the heap grows to twice what
	// is live before that garbage is collected, so the load would take up to twice its
	// arrays; a tenth keeps the garbage to a tenth of them. Restored when done.
	defer lowGC()()
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, to name the line and the counts
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	budget := o.maxBytes()
	k := o.outputs()
	info := Info{Source: "csv"}
	var x, y []float64
	ncols, n := 0, 0
	for {
		if o.Samples > 0 && n == o.Samples {
			break
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("dataset: %s line %d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("dataset: %s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		if ncols == 0 {
			ncols = len(rec)
			if k < 1 || k >= ncols {
				return nil, fmt.Errorf("dataset: %s line %d: %d output columns out of range 1…%d for %d columns", name, line, k, ncols-1, ncols)
			}
			if lines > 0 {
				// Rows beyond the budget are refused by checkAlloc before an append could
				// grow the arrays.
				rows := min(lines, int(min(budget/int64(8*ncols), MaxElements/int64(ncols))))
				x, y = make([]float64, 0, rows*(ncols-k)), make([]float64, 0, rows*k)
			}
			if !allNumbers(rec) {
				info.Header = true
				continue
			}
		}
		if len(rec) != ncols {
			return nil, fmt.Errorf("dataset: %s line %d: %d fields, want %d as on the first line", name, line, len(rec), ncols)
		}
		if err := checkAlloc(name, n+1, ncols, budget); err != nil {
			return nil, err
		}
		for j, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				l, c := cr.FieldPos(j)
				return nil, fmt.Errorf("dataset: %s line %d column %d: %q is not a finite number", name, l, c, truncate(f))
			}
			if j < ncols-k {
				x = append(x, v)
			} else {
				y = append(y, v)
			}
		}
		n++
	}
	if ncols == 0 {
		return nil, fmt.Errorf("dataset: %s: empty CSV", name)
	}
	if n == 0 {
		return nil, fmt.Errorf("dataset: %s: CSV has a header but no data rows", name)
	}
	if o.Samples > 0 {
		if n < o.Samples {
			return nil, fmt.Errorf("dataset: %s: %d samples asked, the file holds %d", name, o.Samples, n)
		}
		info.Subset = o.Samples
	}
	n0 := ncols - k
	if o.OneHot {
		if k != 1 {
			return nil, fmt.Errorf("dataset: %s: one-hot needs one output column, have %d", name, k)
		}
		oh, c, err := oneHotMax(name, y, o.Classes, o.MaxClasses, budget-int64(8*(cap(x)+cap(y))))
		if err != nil {
			return nil, err
		}
		y, k = oh, c
		info.OneHot, info.Classes = true, c
	}
	return newSet(x, y, n, n0, k, info), nil
}

// csvGCPercent is the collector's GOGC while a CSV is read (readCSV).
const csvGCPercent = 10

var lowGCState struct {
	sync.Mutex
	n    int // reads in progress
	prev int // GOGC before the first of them
}

// lowGC sets GOGC to csvGCPercent unless it is lower already, and returns the function
// that restores it when the last of the reads in progress ends.
func lowGC() func() {
	s := &lowGCState
	s.Lock()
	defer s.Unlock()
	if s.n == 0 {
		s.prev = debug.SetGCPercent(csvGCPercent)
		if s.prev >= 0 && s.prev < csvGCPercent {
			debug.SetGCPercent(s.prev)
		}
	}
	s.n++
	return func() {
		s.Lock()
		defer s.Unlock()
		if s.n--; s.n == 0 {
			debug.SetGCPercent(s.prev)
		}
	}
}

// allNumbers reports whether every field parses as a number (NaN and Inf included, so
// that a data row holding them is reported as bad data, not taken for a header).
func allNumbers(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil {
			return false
		}
	}
	return true
}

// truncate shortens a field for an error message.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
