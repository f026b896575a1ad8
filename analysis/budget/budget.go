package budget

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Fallback is the limit where the machine's available memory is unknown: 4 GiB.
const Fallback int64 = 4 << 30

// Cap bounds the default limit: 32 GiB, however much memory the machine has free (a
// command of this program needs far less; more is a sign of a runaway input).
const Cap int64 = 32 << 30

// Floor is the smallest limit Set accepts: 16 MiB, below which no command can run.
const Floor int64 = 16 << 20

var limit atomic.Int64

func init() { limit.Store(Default()) }

// Default returns half of the memory the machine has available (MemAvailable of
// /proc/meminfo), at most Cap, or Fallback where that is unknown.
func Default() int64 {
	avail, ok := memAvailable("/proc/meminfo")
	if !ok {
		return Fallback
	}
	return min(avail/2, Cap)
}

// memAvailable reads MemAvailable (in bytes) from a meminfo file.
func memAvailable(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "MemAvailable:" {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

// Limit returns the limit in bytes.
func Limit() int64 { return limit.Load() }

// Set makes n bytes the limit; n below Floor is an error.
func Set(n int64) error {
	if n < Floor {
		return fmt.Errorf("budget: %s is below the least memory a command needs, %s", Format(n), Format(Floor))
	}
	limit.Store(n)
	return nil
}

// Check returns an error naming what (the input that sizes the allocation, such as
// "--samples 1000000000") when bytes is more than the limit; a negative bytes (an overflow,
// see Mul) is more than any limit.
func Check(what string, bytes int64) error {
	if l := Limit(); bytes < 0 || bytes > l {
		need := "more than 8 EiB"
		if bytes >= 0 {
			need = Format(bytes)
		}
		return fmt.Errorf("budget: %s needs %s of memory, more than the budget of %s (--max-memory)", what, need, Format(l))
	}
	return nil
}

// Mul returns the product of non-negative factors, or −1 when it overflows an int64 (which
// Check refuses), so that sizes computed from input never wrap around.
func Mul(factors ...int64) int64 {
	p := int64(1)
	for _, f := range factors {
		if f < 0 {
			return -1
		}
		if f != 0 && p > math.MaxInt64/f {
			return -1
		}
		p *= f
	}
	return p
}

// Add returns the sum of non-negative terms, or −1 when one is negative or it overflows.
func Add(terms ...int64) int64 {
	s := int64(0)
	for _, t := range terms {
		if t < 0 || s > math.MaxInt64-t {
			return -1
		}
		s += t
	}
	return s
}

// units are the suffixes Parse reads, in bytes.
var units = []struct {
	suffix string
	size   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

// Parse reads a size: a number of bytes ("1073741824") or a number with a unit (512MiB, 2GiB,
// 1.5GB; K, M, G and T are binary).
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.size
			break
		}
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if p := Mul(n, mult); n >= 0 && p >= 0 {
			return p, nil
		}
		return 0, fmt.Errorf("budget: size %q is negative or too large", s)
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(x) || x < 0 {
		return 0, fmt.Errorf("budget: size %q is not a size such as 512MiB, 2GiB or a number of bytes", s)
	}
	b := x * float64(mult)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("budget: size %q is too large", s)
	}
	return int64(b), nil
}

// Format writes a size in binary units with about three digits: "512 MiB", "3.91 GiB".
func Format(n int64) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d B", n)
	}
	x, u := float64(n), "B"
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"} {
		if x < 1024 {
			break
		}
		x, u = x/1024, s
	}
	prec := 2
	if x >= 100 {
		prec = 0
	} else if x >= 10 {
		prec = 1
	}
	return strconv.FormatFloat(x, 'f', prec, 64) + " " + u
}
