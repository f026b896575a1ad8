package budget

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"512MiB", 512 << 20}, {"2GiB", 2 << 30}, {"1073741824", 1 << 30}, {"1.5GiB", 3 << 29},
		{"100MB", 100_000_000}, {"4G", 4 << 30}, {"64 MiB", 64 << 20}, {"0", 0}, {"7B", 7},
		{"8EiB", -2}, {"9223372036854775807", math.MaxInt64}, {"9223372036854775808", -2},
		{"-1", -2}, {"1e30", -2}, {"lots", -2}, {"", -2}, {"NaNGiB", -2}, {"-2GiB", -2},
		{"8388608TiB", -2},
	} {
		got, err := Parse(tc.in)
		if tc.want == -2 {
			if err == nil || !strings.Contains(err.Error(), tc.in) {
				t.Errorf("Parse(%q) = %d, %v; want an error naming it", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestMulAdd(t *testing.T) {
	for _, tc := range []struct {
		f    []int64
		want int64
	}{
		{[]int64{1e9, 2, 8}, 16e9}, {[]int64{1 << 32, 1 << 31}, -1}, {[]int64{1 << 32, 1 << 30}, 1 << 62},
		{[]int64{0, math.MaxInt64, math.MaxInt64}, 0}, {[]int64{-1, 2}, -1}, {nil, 1},
	} {
		if got := Mul(tc.f...); got != tc.want {
			t.Errorf("Mul(%v) = %d, want %d", tc.f, got, tc.want)
		}
	}
	if got := Add(math.MaxInt64, 1); got != -1 {
		t.Errorf("Add overflow = %d, want -1", got)
	}
	if got := Add(3, 4); got != 7 {
		t.Errorf("Add(3, 4) = %d", got)
	}
}

func TestCheck(t *testing.T) {
	old := Limit()
	defer limit.Store(old)
	if err := Set(Floor - 1); err == nil {
		t.Error("Set below the floor accepted")
	}
	if err := Set(1 << 30); err != nil {
		t.Fatal(err)
	}
	if err := Check("--x 1", 1<<30); err != nil {
		t.Errorf("Check at the limit: %v", err)
	}
	err := Check("--samples 1000000000", 1<<30+1)
	if err == nil || !strings.HasPrefix(err.Error(), "budget: --samples 1000000000 needs 1.00 GiB") || !strings.Contains(err.Error(), "budget of 1.00 GiB") {
		t.Errorf("Check over the limit: %v", err)
	}
	if err := Check("--steps 1e30", Mul(math.MaxInt64, 2)); err == nil || !strings.Contains(err.Error(), "more than 8 EiB") {
		t.Errorf("Check of an overflow: %v", err)
	}
}

func TestDefault(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "meminfo")
	os.WriteFile(p, []byte("MemTotal:       32000000 kB\nMemFree:  100 kB\nMemAvailable:   2000000 kB\n"), 0o644)
	if n, ok := memAvailable(p); !ok || n != 2000000*1024 {
		t.Errorf("memAvailable = %d, %v", n, ok)
	}
	os.WriteFile(p, []byte("MemTotal: 1 kB\n"), 0o644)
	if _, ok := memAvailable(p); ok {
		t.Error("memAvailable without the line")
	}
	if _, ok := memAvailable(filepath.Join(dir, "none")); ok {
		t.Error("memAvailable of no file")
	}
	if d := Default(); d <= 0 || d > Cap {
		t.Errorf("Default() = %d, outside (0, Cap]", d)
	}
	for n, want := range map[int64]string{512 << 20: "512 MiB", 4 << 30: "4.00 GiB", 1000: "1000 B", 3 << 29: "1.50 GiB", 40 << 30: "40.0 GiB"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}
