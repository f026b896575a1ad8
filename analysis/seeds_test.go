package analysis

import (
	"os"
	"strconv"
	"testing"
)

// Correct code passes every claim for every seed: the statistical checks are corrected
// together (Holm), so this fails with probability at most FamilyAlpha per seed. The test runs
// seeds 1…5 of the quick claims; LAYERFLOW_SEEDS=50 runs 1…50 of the full ones.
func TestSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every claim for several seeds")
	}
	n, quick := 5, true
	if v, err := strconv.Atoi(os.Getenv("LAYERFLOW_SEEDS")); err == nil && v > 0 {
		n, quick = v, false
	}
	all := make([]int, NumClaims())
	for i := range all {
		all[i] = i + 1
	}
	for seed := 1; seed <= n; seed++ {
		cs, err := RunClaims(all, ClaimSettings{Quick: quick, Seed: uint64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			for _, ch := range c.Checks {
				if ch.Verdict != Pass {
					t.Errorf("seed %d: %s %v: m %.6g, p %.6g, tol %.3g %s", seed, ch.ID, ch.Verdict, ch.Measured, ch.Predicted, ch.Tolerance, ch.Reason)
				}
			}
		}
	}
}
