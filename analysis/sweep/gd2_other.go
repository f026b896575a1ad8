//go:build !amd64

package sweep

// gd2args is not used without the assembly of amd64.
type gd2args struct {
	w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive, exit *float64
	n                                                            int
	k, km1, bound                                                float64
}

const haveAVX2 = false

func gd2StepAVX2(*gd2args) uint64 { panic("sweep: no AVX2") }
