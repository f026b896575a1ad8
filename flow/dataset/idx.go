package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// IDX files (LeCun's MNIST format) start with the magic number 0x0000TTDD, TT the element
// type and DD the number of dimensions, then DD big-endian uint32 sizes, then the elements
// in row-major order, big-endian.
const (
	idxUByte  = 0x08
	idxSByte  = 0x09
	idxShort  = 0x0B
	idxInt    = 0x0C
	idxFloat  = 0x0D
	idxDouble = 0x0E
)

// idxMaxDims bounds the dimension count read from a header (MNIST has 1 or 3).
const idxMaxDims = 16

func idxElemSize(t byte) int {
	switch t {
	case idxUByte, idxSByte:
		return 1
	case idxShort:
		return 2
	case idxInt, idxFloat:
		return 4
	case idxDouble:
		return 8
	}
	return 0
}

// idxArray is the part of an IDX file that was read, converted to float64.
type idxArray struct {
	Type byte
	Dims []int     // as in the header
	N    int       // items read along the first dimension (≤ Dims[0])
	Data []float64 // N·∏Dims[1:] elements, row-major
	// Bytes holds the elements instead of Data when they are unsigned bytes and the
	// limits asked for them raw (idxLimits.raw).
	Bytes []byte
}

// idxLimits say how much of an IDX stream may be read.
type idxLimits struct {
	name   string // file name, for errors
	size   int64  // exact byte count of the stream, −1 if unknown (gzip)
	isize  int64  // gzip trailer: uncompressed size mod 2³², −1 if none
	items  int    // read only the first items entries along the first dimension (0 = all)
	budget int64  // bytes of float64 the data may take
	raw    bool   // keep unsigned bytes as bytes (idxArray.Bytes), not float64
}

// readIDXHeader reads and checks the header of an IDX stream: the magic number, the element
// type, the dimension count, an item (one entry along the first dimension) within
// MaxElements, the header's sizes against the size of the stream when it is known, and
// lim.items against the first dimension. It returns the array without data, N the items to
// read, and the header's length in bytes; the stream is left at the first element.
func readIDXHeader(r io.Reader, lim idxLimits) (*idxArray, int64, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, 0, fmt.Errorf("dataset: %s: no IDX header (%d bytes)", lim.name, lim.size)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, 0, fmt.Errorf("dataset: %s: bad IDX magic number 0x%02x%02x%02x%02x", lim.name, head[0], head[1], head[2], head[3])
	}
	typ, nd := head[2], int(head[3])
	es := idxElemSize(typ)
	if es == 0 {
		return nil, 0, fmt.Errorf("dataset: %s: unknown IDX element type 0x%02x", lim.name, typ)
	}
	if nd < 1 || nd > idxMaxDims {
		return nil, 0, fmt.Errorf("dataset: %s: IDX dimension count %d not in 1…%d", lim.name, nd, idxMaxDims)
	}
	var db [4 * idxMaxDims]byte
	if _, err := io.ReadFull(r, db[:4*nd]); err != nil {
		return nil, 0, fmt.Errorf("dataset: %s: IDX header truncated in its %d dimensions", lim.name, nd)
	}
	a := &idxArray{Type: typ, Dims: make([]int, nd)}
	total := 1.0 // float64 products cannot overflow here: ≤ (2³²)^16
	for i := range a.Dims {
		a.Dims[i] = int(binary.BigEndian.Uint32(db[4*i:]))
		total *= float64(a.Dims[i])
	}
	item := 1.0
	for _, d := range a.Dims[1:] {
		item *= float64(d)
	}
	if item > MaxElements {
		return nil, 0, fmt.Errorf("dataset: %s: IDX item of %v elements exceeds the limit of %d", lim.name, a.Dims[1:], int64(MaxElements))
	}
	headLen := int64(4 + 4*nd)
	if lim.size >= 0 {
		if want := float64(headLen) + total*float64(es); want != float64(lim.size) {
			return nil, 0, fmt.Errorf("dataset: %s: IDX header claims dims %v (%.0f bytes), the file has %d bytes", lim.name, a.Dims, want, lim.size)
		}
	}
	n := a.Dims[0]
	if lim.items > 0 {
		if lim.items > n {
			return nil, 0, fmt.Errorf("dataset: %s: %d samples asked, the file holds %d", lim.name, lim.items, n)
		}
		n = lim.items
	}
	a.N = n
	return a, headLen, nil
}

// itemLen returns the number of elements of one item, ∏ Dims[1:] (≤ MaxElements once the
// header was checked).
func (a *idxArray) itemLen() int {
	item := 1
	for _, d := range a.Dims[1:] {
		item *= d
	}
	return item
}

// readIDX reads an IDX array. Before it allocates, it checks the header's sizes against
// MaxElements, the budget and, when known, the size of the stream; a stream of unknown size
// is read in growing chunks, so that memory never runs ahead of the bytes present by more
// than a factor of two.
func readIDX(r io.Reader, lim idxLimits) (*idxArray, error) {
	a, headLen, err := readIDXHeader(r, lim)
	if err != nil {
		return nil, err
	}
	typ, es, n, item := a.Type, idxElemSize(a.Type), a.N, a.itemLen()
	count := n * item
	if lim.raw && typ == idxUByte {
		if err := checkAllocOf(lim.name, n, item, 1, "bytes", lim.budget); err != nil {
			return nil, err
		}
		return readIDXBytes(r, a, lim, headLen, count)
	}
	if err := checkAlloc(lim.name, n, item, lim.budget); err != nil {
		return nil, err
	}
	// A gzip stream whose trailer agrees with the header (mod 2³²) is allocated at once;
	// otherwise memory grows with the bytes actually read.
	if idxKnown(a, lim, headLen) {
		a.Data = make([]float64, 0, count)
	}
	const chunk = 1 << 16
	buf := make([]byte, min(chunk, count*es))
	for len(a.Data) < count {
		m := min(chunk/es, count-len(a.Data))
		b := buf[:m*es]
		if got, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("dataset: %s: IDX data truncated: header claims dims %v, data end after %d of %d elements", lim.name, a.Dims, len(a.Data)+got/es, count)
			}
			return nil, fmt.Errorf("dataset: %s: %v", lim.name, err)
		}
		start := len(a.Data)
		if cap(a.Data)-start < m {
			a.Data = growCap(a.Data, m, count)
		}
		a.Data = a.Data[:start+m]
		dst := a.Data[start:]
		switch typ {
		case idxUByte:
			for i, v := range b {
				dst[i] = float64(v)
			}
		case idxSByte:
			for i, v := range b {
				dst[i] = float64(int8(v))
			}
		case idxShort:
			for i := range dst {
				dst[i] = float64(int16(binary.BigEndian.Uint16(b[2*i:])))
			}
		case idxInt:
			for i := range dst {
				dst[i] = float64(int32(binary.BigEndian.Uint32(b[4*i:])))
			}
		case idxFloat:
			for i := range dst {
				dst[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(b[4*i:])))
			}
		case idxDouble:
			for i := range dst {
				dst[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
			}
		}
		if typ == idxFloat || typ == idxDouble {
			for i, v := range dst {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("dataset: %s: IDX element %d is %v", lim.name, start+i, v)
				}
			}
		}
	}
	return a, nil
}

// idxKnown reports whether the byte count of the stream is known to agree with the
// header: a plain file (checked by readIDXHeader), or a gzip stream whose trailer agrees
// (mod 2³²).
func idxKnown(a *idxArray, lim idxLimits, headLen int64) bool {
	if lim.size >= 0 {
		return true
	}
	if lim.isize < 0 {
		return false
	}
	want := uint64(headLen) + uint64(idxElemSize(a.Type))*uint64(a.itemLen())*uint64(a.Dims[0])
	return uint32(want) == uint32(lim.isize)
}

// readIDXBytes is readIDX for unsigned bytes kept as bytes: the count elements go to
// a.Bytes, allocated at once when the stream's size is known and grown with the bytes read
// otherwise, with readIDX's errors.
func readIDXBytes(r io.Reader, a *idxArray, lim idxLimits, headLen int64, count int) (*idxArray, error) {
	if idxKnown(a, lim, headLen) {
		a.Bytes = make([]byte, 0, count)
	}
	const chunk = 1 << 16
	for len(a.Bytes) < count {
		m := min(chunk, count-len(a.Bytes))
		start := len(a.Bytes)
		if cap(a.Bytes)-start < m {
			c := min(max(2*cap(a.Bytes), start+m, 1<<15), count)
			a.Bytes = append(make([]byte, 0, c), a.Bytes...)
		}
		a.Bytes = a.Bytes[:start+m]
		if got, err := io.ReadFull(r, a.Bytes[start:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("dataset: %s: IDX data truncated: header claims dims %v, data end after %d of %d elements", lim.name, a.Dims, start+got, count)
			}
			return nil, fmt.Errorf("dataset: %s: %v", lim.name, err)
		}
	}
	return a, nil
}

// growCap returns s with room for at least m more elements: double the capacity, at most
// limit in all.
func growCap(s []float64, m, limit int) []float64 {
	c := min(max(2*cap(s), len(s)+m, 1<<12), limit)
	t := make([]float64, len(s), c)
	copy(t, s)
	return t
}
