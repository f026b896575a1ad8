package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The set of runs read holds what was added, in any order, and finds a run added twice at its later
// place; missing lists the runs it lacks as a scan of every index would.
func TestRunSetOfRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 300 {
		total := 1 + rng.IntN(5000)
		var order []int
		switch trial % 4 {
		case 0: // in order, some left out
			for i := range total {
				if rng.IntN(10) > 0 {
					order = append(order, i)
				}
			}
		case 1: // shuffled
			order = rng.Perm(total)[:rng.IntN(total+1)]
		case 2: // descending every other: the order that made the sorted intervals quadratic
			for i := total - 1; i >= 0; i -= 2 {
				order = append(order, i)
			}
		case 3: // shards, one after the other
			k := 1 + rng.IntN(7)
			for s := range k {
				if s == 2 && trial%8 == 3 {
					continue // a shard missing
				}
				for i := s; i < total; i += k {
					order = append(order, i)
				}
			}
		}
		dupAt := -1
		if len(order) > 1 && trial%3 == 0 {
			dupAt = 1 + rng.IntN(len(order)-1)
			order = append(order[:dupAt], append([]int{order[rng.IntN(dupAt)]}, order[dupAt:]...)...)
		}
		var set runSet
		var err error
		for k, i := range order {
			if err = set.add(i, k/1000, k%1000+2); err != nil {
				break
			}
		}
		if err == nil {
			err = set.seal()
		}
		if dupAt >= 0 {
			d, ok := err.(*dupError)
			if !ok || d.Index != order[dupAt] || d.File != dupAt/1000 || d.Line != dupAt%1000+2 {
				t.Fatalf("trial %d: run %d twice (the second at %d, %d): %v", trial, order[dupAt], dupAt/1000, dupAt%1000+2, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		in := map[int]bool{}
		for _, i := range order {
			in[i] = true
		}
		if set.len() != len(in) {
			t.Fatalf("trial %d: len %d, want %d", trial, set.len(), len(in))
		}
		for i := range total {
			if set.has(i) != in[i] {
				t.Fatalf("trial %d: has(%d) = %v", trial, i, set.has(i))
			}
		}
		n, list := missing(&set, total, 10)
		wn, wlist := missingScan(func(i int) bool { return in[i] }, total, 10)
		if n != wn || list != wlist {
			t.Fatalf("trial %d: missing %d %q, want %d %q", trial, n, list, wn, wlist)
		}
	}
}

// missingScan is missing written as a scan of every index (as it was).
func missingScan(has func(int) bool, total, max int) (int, string) {
	var parts []string
	n, lo, hi := 0, -1, -1
	flush := func() {
		if lo < 0 {
			return
		}
		if len(parts) < max {
			if lo == hi {
				parts = append(parts, fmt.Sprint(lo))
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
			flush()
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
		flush()
		lo, hi = i, i
	}
	flush()
	list := strings.Join(parts, ", ")
	if n > 1 && step > 1 && first < step && n == (total-1-first)/step+1 {
		list = fmt.Sprintf("the runs i with i mod %d = %d, that is shard %d/%d: %s", step, first, first, step, list)
	}
	return n, list
}

// resultFile writes a result file whose rows state runs runs of sweep fp, with the given run
// indices (the other columns copied from a real row shape: empty).
func resultFile(t *testing.T, dir, name string, runs int64, idx ...int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(header())
	for _, i := range idx {
		fmt.Fprintf(&b, "%d,%d,abcdef012345,gd,2,1 2,0.1,0,,,10,1,,,success,10,,1,0,1,3,2,-2,3,,,0.001\n", i, runs)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A run count read from a file is bounded before use and sizes nothing: 10¹⁵ is refused naming
// it, 4·10⁹ with one row present lists the missing runs at once; neither leaves a file.
func TestMergeUntrustedCounts(t *testing.T) {
	if math.MaxInt < 1<<40 {
		t.Skip("the counts 10¹⁵ and 4·10⁹ do not fit in an int of 32 bits; the limit there is MaxRuns, 2^30")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "m.csv")
	big := resultFile(t, dir, "big.csv", 1_000_000_000_000_000, 0)
	if _, err := Merge(out, []string{big}, false); err == nil || !strings.Contains(err.Error(), "run count 1000000000000000 is more than 2^40") {
		t.Errorf("10^15 runs: %v", err)
	}
	mid := resultFile(t, dir, "mid.csv", 4_000_000_000, 5)
	start := time.Now()
	rep, err := Merge(out, []string{mid}, false)
	if err == nil || rep == nil || int64(rep.Missing) != 3_999_999_999 || !strings.Contains(err.Error(), "0–4, 6–3999999999") {
		t.Errorf("4·10^9 runs: %+v, %v", rep, err)
	}
	t.Logf("4·10⁹ runs, one present: %v", time.Since(start))
	if rep, err := Merge(out, []string{mid}, true); err != nil || rep.Rows != 1 {
		t.Errorf("4·10^9 runs, --partial: %+v, %v", rep, err)
	}
	os.Remove(out)
	a := resultFile(t, dir, "a.csv", 6, 0, 2, 4)
	b := resultFile(t, dir, "b.csv", 6, 5, 3, 1, 3)
	if _, err := Merge(out, []string{a, b}, false); err == nil || !strings.Contains(err.Error(), "b.csv: line 5: run 3 is already in this or an earlier file") {
		t.Errorf("run 3 twice: %v", err)
	}
	if err := os.Link(a, filepath.Join(dir, "a2.csv")); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(out, []string{a, filepath.Join(dir, "a2.csv")}, false); err == nil || !strings.Contains(err.Error(), "is given twice") {
		t.Errorf("one file under two names: %v", err)
	}
	if _, err := Merge(filepath.Join(dir, "a2.csv"), []string{a, b}, false); err == nil || !strings.Contains(err.Error(), "both an input and the output") {
		t.Errorf("output a second name of an input: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") || e.Name() == "m.csv" {
			t.Errorf("a failed merge left %s", e.Name())
		}
	}
}

// A line longer than MaxLine is an error, not a line read whole (a device or another kind of
// file named as a result file).
func TestScanLongLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "long.csv")
	os.WriteFile(p, []byte(header()+strings.Repeat("1", 2*MaxLine)+"\n"), 0o644)
	if _, err := scan(p, func(int, []string) error { return nil }); err == nil || !strings.Contains(err.Error(), "line 2 is longer than 65536 bytes") {
		t.Errorf("long line: %v", err)
	}
	os.WriteFile(p, []byte(strings.Repeat("x", 2*MaxLine)), 0o644)
	if _, err := scan(p, func(int, []string) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a layerflow sweep result file") {
		t.Errorf("long first line: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := scan("/dev/zero", func(int, []string) error { return nil }); err == nil {
			t.Error("/dev/zero read as a result file")
		}
	}
}

// BenchmarkRunSet adds 10⁶ runs in the order that made the sorted intervals quadratic (every
// other run, descending) and in shard order.
func BenchmarkRunSet(b *testing.B) {
	const n = 2_000_000
	for _, tc := range []struct {
		name string
		at   func(k int) int
	}{
		{"descending-every-other", func(k int) int { return n - 2*k - 1 }},
		{"shards-of-16", func(k int) int { return k%(n/32)*16 + k/(n/32) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				var set runSet
				for k := range n / 2 {
					if err := set.add(tc.at(k), 0, k+2); err != nil {
						b.Fatal(err)
					}
				}
				if err := set.seal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A heat map over axes with many distinct values is refused before its grid is made (n runs
// can have n² cells).
func TestHeatCellsBounded(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(header())
	const n = 2000
	for i := range n {
		fmt.Fprintf(&b, "%d,%d,abcdef012345,gd,2,1 2,%g,%g,,,10,1,,,success,10,,1,0,1,3,2,-2,3,,,0.001\n", i, n, 0.001*float64(i+1), 0.001*float64(i))
	}
	p := filepath.Join(dir, "r.csv")
	os.WriteFile(p, []byte(b.String()), 0o644)
	if _, err := HeatData(p, "lr", "wd", "imbalance", "", "median"); err == nil || !strings.Contains(err.Error(), "a heat map of 2000 × 2000 cells (lr × wd), more than 1048576") {
		t.Errorf("2000 × 2000 cells: %v", err)
	}
	if h, err := HeatData(p, "lr", "depth", "imbalance", "", "median"); err != nil || len(h.X) != n || len(h.Y) != 1 {
		t.Errorf("2000 × 1 cells: %v", err)
	}
}

// Writing tells a result file that a sweep is writing (it holds the lock) from one at rest,
// and leaves the lock with the sweep.
func TestWriting(t *testing.T) {
	s := spec(t, "method: [gd]\nlr: [0.1]\nsteps: [10]\nstart: {points: [[1, 2]]}\n")
	path := filepath.Join(t.TempDir(), "r.csv")
	if Writing(path) {
		t.Error("a missing file is being written")
	}
	res, _, err := openResults(path, s, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !Writing(path) {
		t.Error("a file a sweep holds is not being written")
	}
	if _, _, err := openResults(path, s, 0, 1); err == nil {
		t.Error("after Writing, a second sweep could open the file")
	}
	res.close()
	if Writing(path) {
		t.Error("a closed file is still being written")
	}
}
