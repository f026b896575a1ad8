package sweep

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// checkRow returns the check of every row of a result file of shard shard/shards of s, which
// adds the row's run to done (as its shard-local index).
func checkRow(s *Spec, shard, shards int, done *runSet) func(line int, fl []string) error {
	runs := strconv.Itoa(s.Len())
	return func(line int, fl []string) error {
		if fl[2] != s.Fingerprint() {
			return fmt.Errorf("holds runs of another sweep (fingerprint %s, this sweep's is %s): write to another --out, or remove it", fl[2], s.Fingerprint())
		}
		if fl[1] != runs {
			return fmt.Errorf("line %d: run count %q, but the sweep %s has %d runs: the row is damaged", line, fl[1], s.Fingerprint(), s.Len())
		}
		i, err := strconv.Atoi(fl[0])
		if err != nil || i < 0 || i >= s.Len() {
			return fmt.Errorf("line %d: run %q is not in 0..%d", line, fl[0], s.Len()-1)
		}
		if i%shards != shard {
			return fmt.Errorf("line %d: run %d belongs to shard %d/%d, not %d/%d", line, i, i%shards, shards, shard, shards)
		}
		return twice(done.add(i/shards, 0, line), shard, shards)
	}
}

// twice writes a run found twice (a *dupError of a shard-local index) with the run's index.
func twice(err error, shard, shards int) error {
	var d *dupError
	if errors.As(err, &d) {
		return fmt.Errorf("line %d: run %d is there twice", d.Line, d.Index*shards+shard)
	}
	return err
}

// scanRuns reads the rows of a result file of shard shard/shards of s into a sealed set of
// their shard-local indices, checking every row; it returns the length of the file up to its
// last complete line.
func scanRuns(path string, s *Spec, shard, shards int) (*runSet, int64, error) {
	done := &runSet{}
	good, err := scan(path, checkRow(s, shard, shards, done))
	if err == nil {
		err = twice(done.seal(), shard, shards)
	}
	if err != nil {
		return nil, 0, err
	}
	return done, good, nil
}

// Held reports how many runs of shard shard/shards of s the result file at path holds (0
// when there is no file), checking it as Execute checks a file before resuming it: rows of
// another sweep or another shard, a run twice or a damaged row are an error, and a last row
// cut short is not counted (Execute drops it). A file that a sweep is writing (it holds the
// file's lock) is an error too. The file is only read.
func Held(path string, s *Spec, shard, shards int) (int, error) {
	if shards < 1 || shard < 0 || shard >= shards {
		return 0, fmt.Errorf("sweep: shard %d/%d: want 0 ≤ i < n", shard, shards)
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sweep: %v", err)
	}
	if !st.Mode().IsRegular() {
		return 0, fmt.Errorf("sweep: %s is not a regular file (%v)", path, st.Mode().Type())
	}
	if st.Size() < int64(len(header())) {
		// Empty, or a header cut short: Execute writes the header again.
		b, err := os.ReadFile(path)
		if err == nil && string(b) == header()[:len(b)] {
			return 0, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("sweep: %v", err)
	}
	// Taken and given back at once: a sweep that starts on the file meanwhile would be refused.
	err = lock(f)
	f.Close()
	if err != nil {
		return 0, fmt.Errorf("sweep: %s is being written by a sweep that is still running (%v)", path, err)
	}
	done, _, err := scanRuns(path, s, shard, shards)
	if err != nil {
		return 0, fmt.Errorf("sweep: %s: %v", path, err)
	}
	return done.len(), nil
}

// Writing reports whether a running sweep is writing the result file at path (it holds the
// file's lock). Such a file can be read: rows are appended whole and a reader stops at the
// last complete one, so that it sees the runs finished so far. The lock is taken for an
// instant only (a sweep starting at that very instant would be refused as if another ran).
func Writing(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return locked(f)
}
