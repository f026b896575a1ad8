//go:build !amd64

package sweep

// gd2args is not used without the assembly of amd64.
type gd2args struct {
	w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive *float64
	bound                                                  [4]float64
	steps                                                  int
	km1                                                    [4]float64
}

const haveAVX2 = false

func gd2Group8AVX2(*gd2args, int, int) (int, uint64) { panic("sweep: no AVX2") }
