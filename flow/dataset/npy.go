package dataset

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// npyArray is a 1-D or 2-D NumPy array converted to float64, row-major.
type npyArray struct {
	dtype   string // as in the header, e.g. "<f8"
	shape   []int
	data    []float64
	integer bool // the dtype is an integer kind
}

func (a *npyArray) rowsCols() (int, int) {
	if len(a.shape) == 1 {
		return a.shape[0], 1
	}
	return a.shape[0], a.shape[1]
}

// npyMaxHeader bounds the header length a file may claim (NumPy writes < 200 bytes for the
// plain dtypes read here).
const npyMaxHeader = 1 << 16

// npyDtype describes an accepted element type.
type npyDtype struct {
	kind byte // f, i or u
	size int
}

// parseDtype accepts the plain numeric dtypes: float32/64 and (un)signed integers of 1, 2,
// 4 or 8 bytes, in either byte order. It returns the dtype with an explicit byte order.
func parseDtype(s string) (npyDtype, string, bool) {
	if len(s) < 3 {
		return npyDtype{}, "", false
	}
	order, kind, sz := s[0], s[1], s[2:]
	size, err := strconv.Atoi(sz)
	if err != nil {
		return npyDtype{}, "", false
	}
	d := npyDtype{kind: kind, size: size}
	switch kind {
	case 'f':
		if size != 4 && size != 8 {
			return npyDtype{}, "", false
		}
	case 'i', 'u':
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return npyDtype{}, "", false
		}
	default:
		return npyDtype{}, "", false
	}
	switch order {
	case '<', '>':
	case '|':
		if size != 1 {
			return npyDtype{}, "", false
		}
	case '=':
		order = '<'
		if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
			order = '>'
		}
	default:
		return npyDtype{}, "", false
	}
	if size == 1 {
		order = '|' // byte order does not apply; NumPy writes '|'
	}
	return d, string(order) + s[1:], true
}

// npyHeader is what a .npy header says.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNPYHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } followed by spaces and a
// newline. Keys may come in any order; each must be there once.
func parseNPYHeader(h []byte) (npyHeader, error) {
	var hd npyHeader
	p := &dictParser{s: h}
	p.ws()
	if !p.eat('{') {
		return hd, errors.New("header is not a dict")
	}
	seen := map[string]bool{}
	for {
		p.ws()
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return hd, errors.New("header key is not a string")
		}
		if seen[key] {
			return hd, fmt.Errorf("header key %q twice", key)
		}
		seen[key] = true
		p.ws()
		if !p.eat(':') {
			return hd, fmt.Errorf("no ':' after header key %q", key)
		}
		p.ws()
		switch key {
		case "descr":
			if hd.descr, ok = p.str(); !ok {
				return hd, errors.New("header descr is not a plain dtype string")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				hd.fortran = true
			case p.word("False"):
			default:
				return hd, errors.New("header fortran_order is not True or False")
			}
		case "shape":
			if hd.shape, ok = p.tuple(); !ok {
				return hd, errors.New("header shape is not a tuple of integers")
			}
		default:
			return hd, fmt.Errorf("unknown header key %q", truncate(key))
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		p.ws()
		if !p.eat('}') {
			return hd, errors.New("header dict not closed")
		}
		break
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return hd, fmt.Errorf("header has no %q", k)
		}
	}
	if len(bytes.Trim(p.s[p.i:], " \t\r\n\x00")) != 0 {
		return hd, errors.New("text after the header dict")
	}
	return hd, nil
}

type dictParser struct {
	s []byte
	i int
}

func (p *dictParser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *dictParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) word(w string) bool {
	if bytes.HasPrefix(p.s[p.i:], []byte(w)) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes ('…' or "…").
func (p *dictParser) str() (string, bool) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := bytes.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	if bytes.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	p.i += end + 2
	return string(v), true
}

// tuple reads (), (n,), (n, m), … with non-negative integers (a Python 2 'L' suffix allowed).
func (p *dictParser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		p.ws()
		if p.eat(')') {
			return shape, true
		}
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i == j || p.i-j > 18 || len(shape) == 32 {
			return nil, false
		}
		v, err := strconv.Atoi(string(p.s[j:p.i]))
		if err != nil {
			return nil, false
		}
		shape = append(shape, v)
		p.eat('L')
		p.ws()
		if p.eat(',') {
			continue
		}
		p.ws()
		if p.eat(')') {
			return shape, true
		}
		return nil, false
	}
}

// npyHead is a checked .npy header: the dict, the element type and the offset of the data.
type npyHead struct {
	hd    npyHeader
	dt    npyDtype
	descr string // the dtype with an explicit byte order
	data  int64  // bytes before the data: magic, lengths and header
}

// readNPYHead reads and checks the header of a .npy stream of size bytes (magic, version,
// header length against size, the dict, the dtype), reading no further than the header.
func readNPYHead(r io.Reader, size int64, name string) (npyHead, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil || !bytes.Equal(pre[:6], npy.Magic[:]) {
		return npyHead{}, fmt.Errorf("dataset: %s: not a .npy file (no \\x93NUMPY magic)", name)
	}
	major := pre[6]
	var hlen, pos int64
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return npyHead{}, fmt.Errorf("dataset: %s: .npy header truncated", name)
		}
		hlen, pos = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHead{}, fmt.Errorf("dataset: %s: .npy header truncated", name)
		}
		hlen, pos = int64(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return npyHead{}, fmt.Errorf("dataset: %s: .npy format version %d.%d not supported", name, major, pre[7])
	}
	if hlen > npyMaxHeader || pos+hlen > size {
		return npyHead{}, fmt.Errorf("dataset: %s: .npy header length %d does not fit (file %d bytes, limit %d)", name, hlen, size, npyMaxHeader)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return npyHead{}, fmt.Errorf("dataset: %s: .npy header truncated", name)
	}
	hd, err := parseNPYHeader(hb)
	if err != nil {
		return npyHead{}, fmt.Errorf("dataset: %s: .npy %v", name, err)
	}
	dt, descr, ok := parseDtype(hd.descr)
	if !ok {
		return npyHead{}, fmt.Errorf("dataset: %s: dtype %q not supported (want float32, float64 or an integer type)", name, truncate(hd.descr))
	}
	return npyHead{hd: hd, dt: dt, descr: descr, data: pos + hlen}, nil
}

// readNPY reads a 1-D or 2-D numeric array from a .npy stream of exactly size bytes. The
// header is checked here (dtype, shape, element count against MaxElements and the budget,
// data length against size) before anything is allocated; the elements are then decoded by
// npyio from a canonical header written here.
func readNPY(r io.Reader, size int64, name string, budget int64) (*npyArray, error) {
	return readNPYSplit(r, size, name, budget, 0)
}

// readNPYSplit is readNPY for an array whose last split columns will be copied out (a
// single .npy's targets, splitArray): the array and that copy are checked together.
func readNPYSplit(r io.Reader, size int64, name string, budget int64, split int) (*npyArray, error) {
	h, err := readNPYHead(r, size, name)
	if err != nil {
		return nil, err
	}
	hd := h.hd
	if len(hd.shape) != 1 && len(hd.shape) != 2 {
		return nil, fmt.Errorf("dataset: %s: shape %s: want a 1-D or 2-D array", name, shapeString(hd.shape))
	}
	a := &npyArray{dtype: hd.descr, shape: hd.shape, integer: h.dt.kind != 'f'}
	rows, cols := a.rowsCols()
	if err := checkAlloc(name+" shape "+shapeString(hd.shape), rows, cols, budget); err != nil {
		return nil, err
	}
	if err := checkTranspose(name, hd, rows, cols, budget); err != nil {
		return nil, err
	}
	if split > 0 && split < cols {
		if err := checkAlloc(fmt.Sprintf("%s shape %s and a copy of its last %d columns", name, shapeString(hd.shape), split), rows, cols+split, budget); err != nil {
			return nil, err
		}
	}
	if a.data, err = readNPYData(r, size, name, h, rows, cols); err != nil {
		return nil, err
	}
	return a, nil
}

// checkTranspose checks that a Fortran-order matrix, which is transposed through a second
// copy, fits the budget twice.
func checkTranspose(name string, hd npyHeader, rows, cols int, budget int64) error {
	if !hd.fortran || len(hd.shape) != 2 || rows < 2 || cols < 2 {
		return nil
	}
	if need := 16 * float64(rows) * float64(cols); need > float64(budget) {
		return fmt.Errorf("dataset: %s shape %s: a Fortran-order %d×%d array is transposed through a second copy and needs %.0f bytes, over the budget of %d bytes (--max-memory)", name, shapeString(hd.shape), rows, cols, need, budget)
	}
	return nil
}

// readNPYData checks that the data of the header h (rows×cols elements, the sizes checked
// against the budget by the caller) fills the size bytes of the stream exactly, then
// decodes them, reading no further than size, into a row-major []float64 that holds only
// finite numbers.
func readNPYData(r io.Reader, size int64, name string, h npyHead, rows, cols int) ([]float64, error) {
	count := rows * cols
	if want := h.data + int64(count)*int64(h.dt.size); want != size {
		return nil, fmt.Errorf("dataset: %s: header claims shape %s of %s (%d bytes), the file has %d bytes", name, shapeString(h.hd.shape), h.hd.descr, want, size)
	}

	// npyio decodes the elements behind a header it is sure to parse: the checked dtype
	// and the flat element count.
	canon := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }", h.descr, count)
	canon += strings.Repeat(" ", 63-(10+len(canon))%64) + "\n"
	var hb bytes.Buffer
	hb.Write(npy.Magic[:])
	hb.Write([]byte{1, 0, byte(len(canon)), byte(len(canon) >> 8)})
	hb.WriteString(canon)
	nr, err := npy.NewReader(io.MultiReader(&hb, io.LimitReader(r, size-h.data)))
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %v", name, err)
	}
	out := make([]float64, count)
	if err := decodeNPY(nr, h.dt, out); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("dataset: %s: data truncated before %d elements", name, count)
		}
		return nil, fmt.Errorf("dataset: %s: %v", name, err)
	}
	if h.hd.fortran && len(h.hd.shape) == 2 && rows > 1 && cols > 1 {
		t := make([]float64, count)
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				t[i*cols+j] = out[j*rows+i]
			}
		}
		out = t
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("dataset: %s: element (%d, %d) is %v", name, i/cols, i%cols, v)
		}
	}
	return out, nil
}

// decodeNPY reads len(out) elements of type dt through npyio into out.
func decodeNPY(nr *npy.Reader, dt npyDtype, out []float64) error {
	n := len(out)
	switch {
	case dt.kind == 'f' && dt.size == 8:
		return nr.Read(&out)
	case dt.kind == 'f' && dt.size == 4:
		return readConv(nr, make([]float32, min(n, convChunk)), out)
	case dt.kind == 'i' && dt.size == 1:
		return readConv(nr, make([]int8, min(n, convChunk)), out)
	case dt.kind == 'i' && dt.size == 2:
		return readConv(nr, make([]int16, min(n, convChunk)), out)
	case dt.kind == 'i' && dt.size == 4:
		return readConv(nr, make([]int32, min(n, convChunk)), out)
	case dt.kind == 'i' && dt.size == 8:
		return readConv(nr, make([]int64, min(n, convChunk)), out)
	case dt.kind == 'u' && dt.size == 1:
		return readConv(nr, make([]uint8, min(n, convChunk)), out)
	case dt.kind == 'u' && dt.size == 2:
		return readConv(nr, make([]uint16, min(n, convChunk)), out)
	case dt.kind == 'u' && dt.size == 4:
		return readConv(nr, make([]uint32, min(n, convChunk)), out)
	case dt.kind == 'u' && dt.size == 8:
		return readConv(nr, make([]uint64, min(n, convChunk)), out)
	}
	return fmt.Errorf("dtype %c%d not supported", dt.kind, dt.size)
}

// convChunk is the number of elements of another type than float64 converted at a time, so
// that no second array of the file's size is held.
const convChunk = 1 << 14

// readConv reads len(out) elements through buf, a chunk at a time, converting them.
func readConv[T float32 | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](nr *npy.Reader, buf []T, out []float64) error {
	for i := 0; i < len(out); i += len(buf) {
		b := buf[:min(len(buf), len(out)-i)]
		if err := nr.Read(&b); err != nil {
			return err
		}
		for j, v := range b {
			out[i+j] = float64(v)
		}
	}
	return nil
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// readNPYFile reads the .npy file at path.
func readNPYFile(path string, budget int64) (*npyArray, error) {
	return readNPYFileSplit(path, budget, 0)
}

// readNPYFileSplit reads the .npy file at path through readNPYSplit.
func readNPYFileSplit(path string, budget int64, split int) (*npyArray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	return readNPYSplit(bufio.NewReaderSize(f, 1<<16), st.Size(), path, budget, split)
}

// LoadNPY reads inputs from the .npy file xPath and targets from yPath. X may be 2-D or
// 1-D (one input column), Y 2-D or 1-D (one output column; with o.OneHot a vector of
// integer labels becomes one-hot rows). With yPath empty, X must be 2-D and its last
// o.Outputs columns (default 1) are Y. Element types: float32, float64, (un)signed
// integers. o.Samples keeps the first Samples rows.
func LoadNPY(xPath, yPath string, o Options) (*Set, error) {
	budget := o.maxBytes()
	split := 0
	if yPath == "" {
		split = o.outputs()
	}
	xa, err := readNPYFileSplit(xPath, budget, split)
	if err != nil {
		return nil, err
	}
	info := Info{Source: "npy", Path: xPath}
	if yPath == "" {
		if len(xa.shape) != 2 {
			return nil, fmt.Errorf("dataset: %s: shape %s: a single .npy must be 2-D, its last %d columns the targets", xPath, shapeString(xa.shape), o.outputs())
		}
		info.Dtype = xa.dtype
		return splitArray(xPath, xa, o, info)
	}
	ya, err := readNPYFile(yPath, budget-int64(8*len(xa.data)))
	if err != nil {
		return nil, err
	}
	info.Path = xPath + "," + yPath
	return pairArrays(xPath, yPath, xa, ya, o, info)
}

// LoadNPZ reads an .npz archive (as numpy.savez writes) holding the arrays x (or X) and
// y (or Y), with the shapes and types of LoadNPY.
func LoadNPZ(path string, o Options) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	return readNPZ(f, st.Size(), path, o)
}

func readNPZ(r io.ReaderAt, size int64, name string, o Options) (*Set, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: not an .npz (zip) archive: %v", name, err)
	}
	budget := o.maxBytes()
	xf, err := npzMember(z, name, "x", "X")
	if err != nil {
		return nil, err
	}
	yf, err := npzMember(z, name, "y", "Y")
	if err != nil {
		return nil, err
	}
	xa, err := readNPZMember(xf, name, budget)
	if err != nil {
		return nil, err
	}
	ya, err := readNPZMember(yf, name, budget-int64(8*len(xa.data)))
	if err != nil {
		return nil, err
	}
	return pairArrays(name+":"+xf.Name, name+":"+yf.Name, xa, ya, o, Info{Source: "npz", Path: name})
}

func npzMember(z *zip.Reader, name string, keys ...string) (*zip.File, error) {
	for _, k := range keys {
		for _, f := range z.File {
			if f.Name == k || f.Name == k+".npy" {
				return f, nil
			}
		}
	}
	var have []string
	for i, f := range z.File {
		if i == 8 {
			have = append(have, "…")
			break
		}
		have = append(have, truncate(f.Name))
	}
	alt := ""
	if len(keys) > 1 {
		alt = " (or " + strings.Join(keys[1:], ", ") + ")"
	}
	return nil, fmt.Errorf("dataset: %s: no array %s%s in the archive, which holds [%s]", name, keys[0], alt, strings.Join(have, " "))
}

func readNPZMember(f *zip.File, name string, budget int64) (*npyArray, error) {
	what := name + ":" + f.Name
	r, size, rc, err := openMember(f, what)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readNPY(r, size, what, budget)
}

// openMember opens the member f of an archive (what names it in errors) for reading no
// further than its declared size (archive/zip also refuses a member that inflates past it):
// a compressed member is never inflated beyond the shape its header declares, which the
// caller checks first. The caller closes rc.
func openMember(f *zip.File, what string) (r *bufio.Reader, size int64, rc io.ReadCloser, err error) {
	if f.UncompressedSize64 > math.MaxInt64/2 {
		return nil, 0, nil, fmt.Errorf("dataset: %s: member size %d too large", what, f.UncompressedSize64)
	}
	if rc, err = f.Open(); err != nil {
		return nil, 0, nil, fmt.Errorf("dataset: %s: %v", what, err)
	}
	size = int64(f.UncompressedSize64)
	return bufio.NewReader(io.LimitReader(rc, size)), size, rc, nil
}

// Archive is an .npz archive (as numpy.savez writes it) opened to read arrays whose shapes
// the caller knows, such as the layers of a checkpoint. Every array's header is checked
// against the shape wanted and against the member's size in the archive before anything is
// allocated, and no member is read past that size, so a few bytes that declare a huge
// shape, or a compressed member that inflates without end, cost nothing.
type Archive struct {
	f    *os.File
	z    *zip.Reader
	path string
}

// OpenArchive opens the .npz archive at path.
func OpenArchive(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dataset: %v", err)
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dataset: %s: not an .npz (zip) archive: %v", path, err)
	}
	return &Archive{f: f, z: z, path: path}, nil
}

// Close closes the file of the archive.
func (a *Archive) Close() error { return a.f.Close() }

// Matrix reads the array name (a member named name or name.npy) as a rows×cols matrix of
// float64, row-major. Its shape must be (rows, cols), or (rows,) when cols is 1, or ()
// when both are 1; its elements a numeric dtype (as LoadNPY reads) and finite. rows×cols
// must be at most MaxElements.
func (a *Archive) Matrix(name string, rows, cols int) ([]float64, error) {
	f, err := npzMember(a.z, a.path, name)
	if err != nil {
		return nil, err
	}
	what := a.path + ":" + f.Name
	if rows < 0 || cols < 0 || float64(rows)*float64(cols) > MaxElements {
		return nil, fmt.Errorf("dataset: %s: a %d×%d matrix is beyond the limit of %d elements", what, rows, cols, int64(MaxElements))
	}
	r, size, rc, err := openMember(f, what)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	h, err := readNPYHead(r, size, what)
	if err != nil {
		return nil, err
	}
	sh := h.hd.shape
	ok := len(sh) == 2 && sh[0] == rows && sh[1] == cols ||
		len(sh) == 1 && sh[0] == rows && cols == 1 ||
		len(sh) == 0 && rows == 1 && cols == 1
	if !ok {
		return nil, fmt.Errorf("dataset: %s: shape %s, want (%d, %d)", what, shapeString(sh), rows, cols)
	}
	return readNPYData(r, size, what, h, rows, cols)
}

// pairArrays makes a Set of inputs xa and targets ya, which must have the same rows.
func pairArrays(xName, yName string, xa, ya *npyArray, o Options, info Info) (*Set, error) {
	n, n0 := xa.rowsCols()
	ny, nd := ya.rowsCols()
	if ny != n {
		return nil, fmt.Errorf("dataset: %s has %d rows (shape %s), %s has %d (shape %s)", xName, n, shapeString(xa.shape), yName, ny, shapeString(ya.shape))
	}
	if n0 == 0 || nd == 0 {
		return nil, fmt.Errorf("dataset: %s (shape %s) and %s (shape %s): an array without columns", xName, shapeString(xa.shape), yName, shapeString(ya.shape))
	}
	info.Dtype = "x " + xa.dtype + ", y " + ya.dtype
	x, y := xa.data, ya.data
	if o.Samples > 0 {
		if o.Samples > n {
			return nil, fmt.Errorf("dataset: %s: %d samples asked, the file holds %d", xName, o.Samples, n)
		}
		n, info.Subset = o.Samples, o.Samples
		x, y = x[:n*n0], y[:n*nd]
	}
	if n == 0 {
		return nil, fmt.Errorf("dataset: %s: no samples", xName)
	}
	if o.OneHot {
		if nd != 1 || !ya.integer {
			return nil, fmt.Errorf("dataset: %s: one-hot needs a vector of integer labels, have %s of shape %s", yName, ya.dtype, shapeString(ya.shape))
		}
		oh, c, err := oneHotMax(yName, y, o.Classes, o.MaxClasses, o.maxBytes()-int64(8*(cap(x)+cap(y))))
		if err != nil {
			return nil, err
		}
		y, nd = oh, c
		info.OneHot, info.Classes = true, c
	}
	return newSet(x, y, n, n0, nd, info), nil
}

// splitArray makes a Set of a 2-D array whose last o.Outputs columns are the targets.
func splitArray(name string, a *npyArray, o Options, info Info) (*Set, error) {
	n, cols := a.rowsCols()
	k := o.outputs()
	if k < 1 || k >= cols {
		return nil, fmt.Errorf("dataset: %s: %d output columns out of range 1…%d for shape %s", name, k, cols-1, shapeString(a.shape))
	}
	if o.Samples > 0 {
		if o.Samples > n {
			return nil, fmt.Errorf("dataset: %s: %d samples asked, the file holds %d", name, o.Samples, n)
		}
		n, info.Subset = o.Samples, o.Samples
	}
	if n == 0 {
		return nil, fmt.Errorf("dataset: %s: no samples", name)
	}
	n0 := cols - k
	// The targets go to a new array, the inputs stay where they are, moved to the front
	// row by row: the set costs the file's array and its targets, not a second copy. Row
	// i's inputs land below its targets, which are copied out first.
	if err := checkAlloc(name+" targets", n, k, o.maxBytes()-int64(8*len(a.data))); err != nil {
		return nil, err
	}
	y := make([]float64, n*k)
	x := a.data[:n*n0]
	for i := 0; i < n; i++ {
		copy(y[i*k:(i+1)*k], a.data[i*cols+n0:(i+1)*cols])
		copy(x[i*n0:(i+1)*n0], a.data[i*cols:i*cols+n0])
	}
	a.data = nil
	if o.OneHot {
		if k != 1 || !a.integer {
			return nil, fmt.Errorf("dataset: %s: one-hot needs one integer output column, have %d of %s", name, k, a.dtype)
		}
		oh, c, err := oneHotMax(name, y, o.Classes, o.MaxClasses, o.maxBytes()-int64(8*(cap(x)+len(y))))
		if err != nil {
			return nil, err
		}
		y, k = oh, c
		info.OneHot, info.Classes = true, c
	}
	return newSet(x, y, n, n0, k, info), nil
}
