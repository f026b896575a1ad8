package sweep

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// readBounded returns a stream whole up to its bound and reports a longer one without
// holding more than the bound: a stream of zeros without end (like /dev/zero) stops there.
func TestReadBounded(t *testing.T) {
	for _, n := range []int{0, 1, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3<<20 + 7} {
		src := bytes.Repeat([]byte("x,y\n"), n/4+1)[:n]
		for _, limit := range []int64{int64(n), int64(n) + 1, 4 << 20} {
			b, over, err := readBounded(bytes.NewReader(src), limit)
			if err != nil || over || !bytes.Equal(b, src) {
				t.Errorf("n %d, limit %d: %d bytes, over %v, %v", n, limit, len(b), over, err)
			}
		}
		if n > 0 {
			if b, over, err := readBounded(bytes.NewReader(src), int64(n)-1); err != nil || !over || b != nil {
				t.Errorf("n %d, limit %d: %d bytes, over %v, %v; want over", n, n-1, len(b), over, err)
			}
		}
	}
	endless := io.MultiReader(strings.NewReader("x,y\n"), zeros{})
	if _, over, err := readBounded(endless, 5<<20); err != nil || !over {
		t.Errorf("endless stream: over %v, %v", over, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
