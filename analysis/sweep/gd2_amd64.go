package sweep

// gd2args are the arrays and numbers of one step of gd2StepAVX2 (the assembly reads the
// fields at fixed offsets).
type gd2args struct {
	w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive, exit *float64
	n                                                            int
	k, km1, bound                                                float64
}

// cpuHasAVX2 reports whether the CPU and the OS support AVX2.
func cpuHasAVX2() bool

// gd2StepAVX2 takes step k of every live lane of a, four lanes to an instruction; it returns
// a non-zero mask when a lane left (marked in a.exit): it diverged or reached a fixed point.
//
//go:noescape
func gd2StepAVX2(a *gd2args) (exits uint64)

var haveAVX2 = cpuHasAVX2()
