package sweep

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Held counts the runs a shard file holds as Execute would resume it, and refuses what Execute
// refuses, without changing the file.
func TestHeld(t *testing.T) {
	s := spec(t, small)
	dir := t.TempDir()
	path := filepath.Join(dir, "shard-1.csv")
	if n, err := Held(path, s, 1, 3); n != 0 || err != nil {
		t.Errorf("missing file: %d, %v", n, err)
	}
	execute(t, s, path, &Options{Shard: 1, Shards: 3, Workers: 2})
	full := shardSize(s.Len(), 1, 3)
	if n, err := Held(path, s, 1, 3); n != full || err != nil {
		t.Errorf("complete shard: %d, %v; want %d", n, err, full)
	}
	// A kill: 10 rows and half of the next.
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	cut := strings.Join(lines[:11], "") + lines[11][:len(lines[11])/2]
	os.WriteFile(path, []byte(cut), 0o644)
	if n, err := Held(path, s, 1, 3); n != 10 || err != nil {
		t.Errorf("cut file: %d, %v; want 10", n, err)
	}
	if b, _ := os.ReadFile(path); string(b) != cut {
		t.Errorf("Held changed the file")
	}
	if rep := execute(t, s, path, &Options{Shard: 1, Shards: 3}); rep.Before != 10 {
		t.Errorf("Execute resumed from %d rows, Held said 10", rep.Before)
	}
	for _, tc := range []struct {
		name          string
		s             *Spec
		shard, shards int
		text          string
		want          string
	}{
		{"another shard", s, 2, 3, "", "belongs to shard 1/3, not 2/3"},
		{"another sharding", s, 1, 2, "", "not 1/2"},
		{"another sweep", spec(t, strings.Replace(small, "seed: 3", "seed: 4", 1)), 1, 3, "", "another sweep"},
		{"a run twice", s, 1, 3, cut[:strings.LastIndexByte(cut, '\n')+1] + lines[1], "twice"},
		{"not a result file", s, 1, 3, "a,b\n1,2\n", "not a layerflow sweep result file"},
		{"bad shard", s, 3, 3, "", "shard 3/3"},
	} {
		p := path
		if tc.text != "" {
			p = filepath.Join(dir, "other.csv")
			os.WriteFile(p, []byte(tc.text), 0o644)
		}
		if _, err := Held(p, tc.s, tc.shard, tc.shards); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	// An empty file and a header cut short hold nothing; a directory is refused.
	for _, text := range []string{"", header()[:7]} {
		p := filepath.Join(dir, "new.csv")
		os.WriteFile(p, []byte(text), 0o644)
		if n, err := Held(p, s, 0, 1); n != 0 || err != nil {
			t.Errorf("%q: %d, %v", text, n, err)
		}
	}
	if _, err := Held(dir, s, 0, 1); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
	// A file a sweep is writing (flock, where there is one).
	if runtime.GOOS == "windows" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := lock(f); err != nil {
		t.Skipf("no flock here: %v", err)
	}
	if _, err := Held(path, s, 1, 3); err == nil || !strings.Contains(err.Error(), "being written by a sweep") {
		t.Errorf("a locked file: %v", err)
	}
	f.Close()
	if n, err := Held(path, s, 1, 3); n != full || err != nil {
		t.Errorf("the lock given back: %d, %v", n, err)
	}
}
