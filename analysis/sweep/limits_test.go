package sweep

import (
	"math"
	"testing"
)

// The limits are 2^40 runs and whole numbers up to 2^50 where an int has 64 bits, and 2^30
// runs and whole numbers up to 2^31 − 1 where it has 32; the messages write them so.
func TestLimits(t *testing.T) {
	type limits struct {
		runs, whole   int64
		runsT, wholeT string
	}
	want := limits{1 << 40, 1 << 50, "2^40", "2^50"}
	if math.MaxInt == math.MaxInt32 {
		want = limits{1 << 30, math.MaxInt32, "2^30", "2147483647"}
	}
	if got := (limits{MaxRuns, maxWhole, limitText(MaxRuns), limitText(maxWhole)}); got != want {
		t.Errorf("limits %+v, want %+v", got, want)
	}
	for n, s := range map[int64]string{1: "2^0", 2: "2^1", 3: "3", 1 << 53: "2^53", 1<<53 + 1: "9007199254740993", 0: "0", -4: "-4"} {
		if limitText(n) != s {
			t.Errorf("limitText(%d) = %s, want %s", n, limitText(n), s)
		}
	}
}
