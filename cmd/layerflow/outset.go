package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// An outputSet is the files one command writes, made visible together. Each file is written
// to a temporary file beside its target (".layerflow-*-NAME", hidden, same extension) and
// renamed into place only by commit, once the command has written every file of the set; a
// failure before that (a full disk, a bad value found late, a crash) leaves the files of the
// previous run as they were, none half old and half new. abort removes the temporary files.
//
// A command also declares the files it reads (input); a file of the set that is one of them,
// by identity (the same file under any name or link), is refused before anything is written.
//
// A command may also declare files of an earlier run that its set replaces (replacesOutputs:
// the checkpoints step-N.npz of a network run): commit removes those it did not write, once
// its own files are in place, so that the directory holds one run's set, not two mixed.
type outputSet struct {
	mu       sync.Mutex
	files    []stagedFile
	inputs   []inputFile
	replaces []string // glob patterns of the files of an earlier run that the set replaces
	wrote    map[string]bool
	done     bool
}

type stagedFile struct{ tmp, path string }

type inputFile struct {
	name string
	info os.FileInfo
}

// outputs is the set of the command being run (nil outside run, where writes rename at once).
var (
	outputsMu sync.Mutex
	outputs   *outputSet
)

// beginOutputs starts the output set of a command.
func beginOutputs() *outputSet {
	s := &outputSet{}
	outputsMu.Lock()
	outputs = s
	outputsMu.Unlock()
	return s
}

// activeOutputs returns the set of the command being run, or nil.
func activeOutputs() *outputSet {
	outputsMu.Lock()
	defer outputsMu.Unlock()
	return outputs
}

// endOutputs commits the set (ok) or aborts it and forgets it.
func endOutputs(s *outputSet, ok bool) error {
	outputsMu.Lock()
	if outputs == s {
		outputs = nil
	}
	outputsMu.Unlock()
	if !ok {
		s.abort()
		return nil
	}
	err := s.commit()
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	return err
}

// readsFile declares that the command reads path (a data file, a config, a result file, a
// checkpoint); no output of the command may be that file. A path that does not exist is
// ignored (opening it reports the error).
func readsFile(path string) {
	if s := activeOutputs(); s != nil {
		s.input(path)
	}
}

func (s *outputSet) input(path string) {
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.inputs = append(s.inputs, inputFile{path, st})
	s.mu.Unlock()
}

// check refuses a target that is one of the inputs.
func (s *outputSet) check(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil // a new file
	}
	for _, in := range s.inputs {
		if os.SameFile(st, in.info) {
			return fmt.Errorf("%s: is %s, which this command reads; refusing to write over an input", path, in.name)
		}
	}
	return nil
}

// create opens a temporary file beside path for the set (mode 0644); commit renames it to
// path. The caller writes and closes it.
func (s *outputSet) create(path string) (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, fmt.Errorf("write %s: the output set is closed", path)
	}
	if err := s.check(path); err != nil {
		return nil, err
	}
	for _, f := range s.files {
		if f.path == path {
			return nil, fmt.Errorf("write %s: written twice by one command", path)
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, ".layerflow-*-"+base)
	if err != nil {
		return nil, fmt.Errorf("write %s: %v", path, unwrapPath(err))
	}
	// CreateTemp makes the file private (0600); results are for sharing.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %v", path, unwrapPath(err))
	}
	s.files = append(s.files, stagedFile{f.Name(), path})
	return f, nil
}

// stage reserves a temporary name beside path, with path's extension, for a writer that
// opens files by name (figures); commit renames it to path.
func (s *outputSet) stage(path string) (string, error) {
	f, err := s.create(path)
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %v", path, unwrapPath(err))
	}
	return name, nil
}

// forget drops a staged file that its writer failed to write (and removes it).
func (s *outputSet) forget(tmp string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.files {
		if f.tmp == tmp {
			os.Remove(tmp)
			s.files = append(s.files[:i], s.files[i+1:]...)
			return
		}
	}
}

// commit renames every file staged so far into place, in the order they were written (a
// command that hands its files to another program, as slurm does to sbatch, commits them
// first), then removes the files of an earlier run that the set replaces.
func (s *outputSet) commit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrote == nil {
		s.wrote = map[string]bool{}
	}
	for i, f := range s.files {
		if err := os.Rename(f.tmp, f.path); err != nil {
			for _, g := range s.files[i:] {
				os.Remove(g.tmp)
			}
			return fmt.Errorf("write %s: %v", f.path, unwrapPath(err))
		}
		s.wrote[f.path] = true
	}
	s.files = nil
	return removeStale(s.replaces, s.wrote, s.inputs)
}

// removeStale removes the files that match one of the patterns and are neither in wrote nor
// one of the inputs (a checkpoint the run restarted from stays).
func removeStale(patterns []string, wrote map[string]bool, inputs []inputFile) error {
	for _, p := range patterns {
		old, _ := filepath.Glob(p)
		for _, f := range old {
			if wrote[f] || isInput(f, inputs) {
				continue
			}
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove %s, a file of an earlier run: %v", f, unwrapPath(err))
			}
		}
	}
	return nil
}

// isInput reports whether path is one of the inputs, by file identity.
func isInput(path string, inputs []inputFile) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	for _, in := range inputs {
		if os.SameFile(st, in.info) {
			return true
		}
	}
	return false
}

// replacesOutputs declares that the command's set replaces the files of an earlier run in
// dir that match pattern (a filepath.Match pattern): commit removes those it did not write.
// Outside a set nothing is removed.
func replacesOutputs(dir, pattern string) {
	if s := activeOutputs(); s != nil {
		s.mu.Lock()
		s.replaces = append(s.replaces, filepath.Join(dir, pattern))
		s.mu.Unlock()
	}
}

// dropOutput takes back a file the command wrote to path and no longer wants (an old
// checkpoint): its staged file is removed, and outside a set the file itself.
func dropOutput(path string) {
	s := activeOutputs()
	if s == nil {
		os.Remove(path)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.files {
		if f.path == path {
			os.Remove(f.tmp)
			s.files = append(s.files[:i], s.files[i+1:]...)
			return
		}
	}
}

// abort removes every staged file; the targets keep what they held.
func (s *outputSet) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for _, f := range s.files {
		os.Remove(f.tmp)
	}
	// An aborted set replaces nothing: the earlier run's files stay, the stale ones too.
	s.files, s.replaces = nil, nil
}

// discardOutputs drops the files the command has staged so far, for a command stopped before
// its set was complete (reproduce on a signal): the targets keep what they held, and the set
// takes no more files.
func discardOutputs() {
	if s := activeOutputs(); s != nil {
		s.abort()
	}
}

// createOutput opens path for a streamed output: a staged file of the command's set, or,
// outside a set, a temporary file that finish renames into place.
func createOutput(path string) (f *os.File, finish func(ok bool) error, err error) {
	if s := activeOutputs(); s != nil {
		f, err := s.create(path)
		if err != nil {
			return nil, nil, err
		}
		return f, func(ok bool) error {
			if !ok {
				s.forget(f.Name())
			}
			return nil
		}, nil
	}
	return createNow(path)
}

// createNow opens a temporary file beside path that finish renames into place at once, not
// with the command's set: for a file that must exist while the command runs (the result file
// a sweep appends to, resumable by design).
func createNow(path string) (f *os.File, finish func(ok bool) error, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err = os.CreateTemp(dir, ".layerflow-*-"+base)
	if err != nil {
		return nil, nil, fmt.Errorf("write %s: %v", path, unwrapPath(err))
	}
	return f, func(ok bool) error {
		if !ok {
			os.Remove(f.Name())
			return nil
		}
		err := os.Chmod(f.Name(), 0o644)
		if err == nil {
			err = os.Rename(f.Name(), path)
		}
		if err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("write %s: %v", path, unwrapPath(err))
		}
		return nil
	}, nil
}

// saver is a figure that writes itself to a file by name, its format from the extension.
type saver interface{ Save(path string) error }

// saveFigure writes fig to path as part of the command's output set.
func saveFigure(fig saver, path string) error {
	s := activeOutputs()
	if s == nil {
		return fig.Save(path)
	}
	tmp, err := s.stage(path)
	if err != nil {
		return err
	}
	if err := fig.Save(tmp); err != nil {
		s.forget(tmp)
		// A failed write (a full disk) names the figure, not its temporary file.
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("write %s: %v", path, pe.Err)
		}
		return errors.New(strings.ReplaceAll(err.Error(), tmp, path))
	}
	return nil
}
