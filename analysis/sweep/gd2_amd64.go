package sweep

// gd2args are the arrays and numbers of gd2Group8AVX2 (the assembly reads the fields at fixed
// offsets).
type gd2args struct {
	w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive *float64
	bound                                                  [4]float64
	steps                                                  int
	km1                                                    [4]float64 // scratch of gd2Group8AVX2

}

// cpuHasAVX2 reports whether the CPU and the OS support AVX2.
func cpuHasAVX2() bool

// gd2Group8AVX2 takes the steps k0.. of the eight lanes j..j+7 of a, four lanes to an
// instruction, until one leaves (diverged, or at a fixed point): it returns the step k at
// which lanes left, with their bits in exits (the others took step k), or a.steps+1 and 0.
//
//go:noescape
func gd2Group8AVX2(a *gd2args, j, k0 int) (k int, exits uint64)

var haveAVX2 = cpuHasAVX2()
