package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// u is the unit round-off of float64.
const u = 0x1p-53

// idxBytes writes an IDX file of element type typ (0x08: unsigned bytes) with the given
// dims and elements, as LeCun's format describes it.
func idxBytes(typ byte, dims []int, data []float64) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	for _, v := range data {
		switch typ {
		case idxUByte:
			b.WriteByte(byte(v))
		case idxSByte:
			b.WriteByte(byte(int8(v)))
		case idxShort:
			binary.Write(&b, binary.BigEndian, int16(v))
		case idxInt:
			binary.Write(&b, binary.BigEndian, int32(v))
		case idxFloat:
			binary.Write(&b, binary.BigEndian, float32(v))
		case idxDouble:
			binary.Write(&b, binary.BigEndian, v)
		}
	}
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeMNIST writes n images and labels in MNIST's IDX layout to dir (gzipped when zipped)
// and returns the pixels and labels it wrote: image k has pixel j = (k + j) mod 256,
// label k = k mod 10.
func fakeMNIST(t testing.TB, dir string, n int, zipped bool) (pix, lab []float64) {
	t.Helper()
	pix = make([]float64, n*784)
	lab = make([]float64, n)
	for k := 0; k < n; k++ {
		for j := 0; j < 784; j++ {
			pix[k*784+j] = float64((k + j) % 256)
		}
		lab[k] = float64(k % 10)
	}
	img := idxBytes(idxUByte, []int{n, 28, 28}, pix)
	lb := idxBytes(idxUByte, []int{n}, lab)
	ext := ""
	if zipped {
		img, lb, ext = gz(img), gz(lb), ".gz"
	}
	writeFile(t, dir, "train-images-idx3-ubyte"+ext, img)
	writeFile(t, dir, "train-labels-idx1-ubyte"+ext, lb)
	return pix, lab
}

// npyBytes writes a .npy file by hand: version 1.0, the header dict as given (with the
// padding NumPy uses) and the raw little- or big-endian data.
func npyBytes(dict string, data []byte) []byte {
	h := dict + strings.Repeat(" ", 63-(10+len(dict))%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

// le encodes values little-endian as the Go type of the first argument's kind.
func le[T float32 | float64 | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](v ...T) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

func dictOf(descr string, fortran bool, shape string) string {
	f := "False"
	if fortran {
		f = "True"
	}
	return fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, f, shape)
}

// denseEqual reports the largest absolute difference of a and b (Inf if the sizes differ).
func maxDiff(a, b mat.Matrix) float64 {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ar != br || ac != bc {
		return math.Inf(1)
	}
	d := 0.0
	for i := 0; i < ar; i++ {
		for j := 0; j < ac; j++ {
			d = math.Max(d, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return d
}

func maxDiffVec(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// errContains fails t unless err is a one-line error starting with "dataset: " that
// contains every part.
func errContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "dataset: ") || strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line starting with \"dataset: \"", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }
