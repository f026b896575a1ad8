package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// npyFile returns a version 1.0 .npy file of the header dict h and the raw data.
func npyFile(h string, data []byte) []byte {
	h += strings.Repeat(" ", (64-(10+len(h)+1)%64)%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func npyDict(descr, shape string) string {
	return fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
}

func f64Bytes(v ...float64) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

// zipFile writes an archive of the members in order, deflated when deflate is set.
func zipFile(t *testing.T, path string, deflate bool, members ...any) {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i := 0; i < len(members); i += 2 {
		m := zip.Store
		if deflate {
			m = zip.Deflate
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: members[i].(string), Method: m})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(members[i+1].([]byte))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runAlloc runs the command in process and returns its exit code, stderr and the bytes it
// allocated: what a check made before allocating must keep small.
func runAlloc(t *testing.T, args ...string) (int, string, uint64) {
	t.Helper()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	code, _, errs := runArgs(t, args...)
	runtime.ReadMemStats(&m1)
	return code, errs, m1.TotalAlloc - m0.TotalAlloc
}

// allocSmall is what a refused input may allocate: far below the arrays the inputs below
// declare (24 MB and more).
const allocSmall = 8 << 20

func wantRefused(t *testing.T, code int, errs string, alloc uint64, parts ...string) {
	t.Helper()
	if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("exit %d, want 2 with one line; stderr %q", code, errs)
	}
	for _, p := range parts {
		if !strings.Contains(errs, p) {
			t.Errorf("stderr %q does not name %q", errs, p)
		}
	}
	if strings.Contains(errs, "Options.MaxBytes") {
		t.Errorf("stderr %q names an internal option", errs)
	}
	if alloc > allocSmall {
		t.Errorf("allocated %d bytes before refusing (at most %d)", alloc, allocSmall)
	}
}

// A checkpoint's member that declares a huge shape is refused, naming the file, the
// member and the shape, before anything is allocated (it crashed with out of memory); the
// member names numpy's np.savez writes (W1.npy) are read as W1.
func TestHostileDataCheckpoint(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o")
	w2 := npyFile(npyDict("<f8", "(1, 2)"), f64Bytes(0.5, -0.25))
	huge := filepath.Join(dir, "huge.npz")
	zipFile(t, huge, false, "W1", npyFile(npyDict("<f8", "(2000, 2000)"), nil), "W2", w2)
	code, errs, alloc := runAlloc(t, "gd", "--widths", "3,2,1", "--init", huge, "--steps", "1", "--out", out)
	wantRefused(t, code, errs, alloc, "huge.npz:W1", "(2000, 2000)", "want (2, 3)", "--init")

	// The right shape with less data than it declares: the member's size is checked.
	short := filepath.Join(dir, "short.npz")
	zipFile(t, short, true, "W1", npyFile(npyDict("<f8", "(2, 3)"), f64Bytes(1, 2)), "W2", w2)
	code, errs, alloc = runAlloc(t, "gd", "--widths", "3,2,1", "--init", short, "--steps", "1", "--out", out)
	wantRefused(t, code, errs, alloc, "short.npz:W1", "(2, 3)")

	w1 := []float64{0.1, -0.2, 0.3, 0.4, 0.5, -0.6}
	np := filepath.Join(dir, "numpy.npz")
	zipFile(t, np, false, "W1.npy", npyFile(npyDict("<f8", "(2, 3)"), f64Bytes(w1...)), "W2.npy", w2)
	if code, _, errs := runArgs(t, "gd", "--widths", "3,2,1", "--init", np, "--steps", "0", "--out", out); code != 0 {
		t.Fatalf("np.savez checkpoint: exit %d: %s", code, errs)
	}
	// The checkpoint written at step 0 holds the weights read.
	z, err := zip.OpenReader(filepath.Join(out, "checkpoints", "step-000000000.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != "W1" && f.Name != "W1.npy" {
			continue
		}
		r, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(r)
		r.Close()
		got := make([]float64, 6)
		binary.Read(bytes.NewReader(b.Bytes()[b.Len()-48:]), binary.LittleEndian, got)
		for i := range got {
			if got[i] != w1[i] {
				t.Errorf("W1 as written back %v, want %v", got, w1)
				break
			}
		}
	}
}

// --max-memory bounds the datasets of --widths commands, checked before anything is made:
// one-hot labels beyond the outputs, declared shapes of .npy files and of compressed .npz
// members, the teacher's samples, for gd, sgd, check and sweep alike.
func TestHostileDataBudget(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// A label of a million asked 3×10⁶ one-hot numbers (24 MB) before the widths' 10
	// outputs refused it.
	lab := write("lab.csv", []byte("a,b,label\n1,2,0\n2,3,1000000\n3,1,2\n"))
	code, errs, alloc := runAlloc(t, "gd", "--widths", "2,2,10", "--one-hot", "--data", lab, "--steps", "1", "--out", out)
	wantRefused(t, code, errs, alloc, "lab.csv", "label 1000000 of sample 1", "10")

	// An int64 label of 2⁶² is an integer ≥ 0: the error says what is wrong with it.
	x := write("x.npy", npyFile(npyDict("<f8", "(2, 3)"), f64Bytes(1, 2, 3, 4, 5, 6)))
	var lb bytes.Buffer
	binary.Write(&lb, binary.LittleEndian, []int64{1, 1 << 62})
	big := write("big.npy", npyFile(npyDict("<i8", "(2,)"), lb.Bytes()))
	code, errs, _ = runAlloc(t, "gd", "--widths", "3,2,10", "--one-hot", "--data", x+","+big, "--steps", "1", "--out", out)
	wantRefused(t, code, errs, 0, "big.npy", "label 4.611686018427388e+18 of sample 1 is not below 10")
	if strings.Contains(errs, "not an integer") {
		t.Errorf("stderr %q calls 2⁶² not an integer", errs)
	}

	// A header that declares 10⁶×4 float64 (32 MB) against a budget of 16 MiB.
	npy := write("d.npy", npyFile(npyDict("<f8", "(1000000, 4)"), nil))
	for _, args := range [][]string{
		{"gd", "--widths", "3,2,1", "--data", npy, "--steps", "1", "--out", out},
		{"sgd", "--widths", "3,2,1", "--data", npy, "--steps", "1", "--out", out},
		{"flow", "--widths", "3,2,1", "--data", npy, "--t-end", "1", "--out", out},
		{"check", "--widths", "3,2,1", "--data", npy},
		{"sweep", "--widths", "3,2,1", "--data", npy, "--out", filepath.Join(dir, "s.csv")},
	} {
		code, errs, alloc := runAlloc(t, append(args, "--max-memory", "16MiB")...)
		wantRefused(t, code, errs, alloc, "d.npy", "budget of 16777216 bytes (--max-memory)")
	}

	// A deflated member of 24 MB of zeros (a few kB in the archive) is refused by its
	// declared shape, not inflated.
	zeros := make([]byte, 1000000*3*8)
	bomb := filepath.Join(dir, "bomb.npz")
	zipFile(t, bomb, true, "x.npy", npyFile(npyDict("<f8", "(1000000, 3)"), zeros),
		"y.npy", npyFile(npyDict("<f8", "(1000000, 2)"), zeros[:16000000]))
	for _, cmd := range []string{"gd", "sweep"} {
		code, errs, alloc := runAlloc(t, cmd, "--widths", "3,2,2", "--data", bomb, "--max-memory", "16MiB", "--out", filepath.Join(out, cmd))
		wantRefused(t, code, errs, alloc, "bomb.npz:x.npy", "(1000000, 3)", "--max-memory")
	}

	// The teacher's 10⁶ samples of 5 + 3 numbers need 64 MB.
	code, errs, alloc = runAlloc(t, "gd", "--widths", "5,4,3", "--samples", "1000000", "--max-memory", "16MiB", "--steps", "1", "--out", out)
	wantRefused(t, code, errs, alloc, "teacher data: 1000000×8", "--max-memory")
}

// Statistics that overflow are named by the file or the flags that made them.
func TestHostileDataOverflow(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o")
	csv := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(csv, []byte("a,b,y\n1,2,3\n2,1e200,4\n3,1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		parts []string
	}{
		{[]string{"gd", "--widths", "2,2,1", "--data", csv}, []string{"big.csv", "overflow", "1e+200 (sample 1, input 1)"}},
		{[]string{"sgd", "--widths", "2,2,1", "--data", csv}, []string{"big.csv", "overflow", "1e+200"}},
		{[]string{"gd", "--widths", "5,4,3", "--spectrum", "1e308,1e308,1e308"}, []string{"--spectrum 1e308,1e308,1e308", "overflow"}},
		{[]string{"gd", "--widths", "5,4,3", "--spectrum", "1e200,1,1"}, []string{"--spectrum 1e200,1,1", "overflow"}},
		{[]string{"gd", "--widths", "5,4,3", "--label-noise", "1e200"}, []string{"--label-noise 1e+200", "overflow"}},
	} {
		code, errs, _ := runAlloc(t, append(c.args, "--steps", "1", "--out", out)...)
		wantRefused(t, code, errs, 0, c.parts...)
	}
	if math.Sqrt(math.MaxFloat64) > 1e200 {
		t.Fatal("1e200 would not overflow its square")
	}
}
