// Command dopri5go is a line-by-line Go transcription of the DOPRI5 of dopri.c, the C side of
// the per-solve benchmark (run.sh): the same functions, loops, arrays and operations, compiled
// by Go's compiler instead of gcc. It tells how much of the gap between layerflow's integrator
// and the C program is the compiler's: run.sh prints its rate against C's beside layerflow's.
// It takes the arguments of dopri.c (method dopri5 only) and prints the same line.
//
//	dopri5go dopri5 DEPTH SECONDS
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"syscall"
	"time"
)

const maxn = 64

var nfcn int

func fcn(n int, x float64, w, dw []float64) {
	g := dw[:n]
	p := 1.0
	for i := 0; i < n; i++ {
		g[i] = p
		p *= w[i]
	}
	W := p
	p = 1.0
	for i := n - 1; i >= 0; i-- {
		g[i] *= p
		p *= w[i]
	}
	a := W - 1
	for i := 0; i < n; i++ {
		g[i] = -(a * g[i])
	}
	nfcn++
}

func sign(a, b float64) float64 {
	if b >= 0 {
		return math.Abs(a)
	}
	return -math.Abs(a)
}

func hinit(n int, x float64, y []float64, posneg float64, f0, f1, y1 []float64, iord int, hmax, atol, rtol float64) float64 {
	dnf, dny := 0.0, 0.0
	for i := 0; i < n; i++ {
		sk := atol + rtol*math.Abs(y[i])
		dnf += (f0[i] / sk) * (f0[i] / sk)
		dny += (y[i] / sk) * (y[i] / sk)
	}
	var h float64
	if dnf <= 1e-10 || dny <= 1e-10 {
		h = 1e-6
	} else {
		h = math.Sqrt(dny/dnf) * 0.01
	}
	h = math.Min(h, hmax)
	h = sign(h, posneg)
	for i := 0; i < n; i++ {
		y1[i] = y[i] + h*f0[i]
	}
	fcn(n, x+h, y1, f1)
	der2 := 0.0
	for i := 0; i < n; i++ {
		sk := atol + rtol*math.Abs(y[i])
		der2 += ((f1[i] - f0[i]) / sk) * ((f1[i] - f0[i]) / sk)
	}
	der2 = math.Sqrt(der2) / h
	der12 := math.Max(math.Abs(der2), math.Sqrt(dnf))
	var h1 float64
	if der12 <= 1e-15 {
		h1 = math.Max(1e-6, math.Abs(h)*1e-3)
	} else {
		h1 = math.Exp((1.0 / float64(iord)) * math.Log(0.01/der12))
	}
	h = math.Min(100*math.Abs(h), math.Min(h1, hmax))
	return sign(h, posneg)
}

type stats struct{ nstep, naccpt, nrejct, idid int }

func dopri5(n int, x float64, y []float64, xend, rtol, atol float64, st *stats) {
	const (
		c2, c3, c4, c5               = 0.2, 0.3, 0.8, 8.0 / 9.0
		a21, a31, a32, a41, a42, a43 = 0.2, 3.0 / 40.0, 9.0 / 40.0, 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
		a51, a52, a53, a54           = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
		a61, a62, a63, a64, a65      = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
		a71, a73, a74, a75, a76      = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
		e1, e3, e4, e5, e6, e7       = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0
		safe, fac1, fac2, beta       = 0.9, 0.2, 10.0, 0.04
		nmax, nstiff                 = 100000, 1000
	)
	var k1, k2, k3, k4, k5, k6, y1, ysti [maxn]float64
	facold, expo1, facc1, facc2 := 1.0e-4, 0.2-beta*0.75, 1.0/fac1, 1.0/fac2
	posneg, hmax := sign(1.0, xend-x), math.Abs(xend-x)
	last, reject, iasti, nonsti := false, false, 0, 0
	*st = stats{}
	fcn(n, x, y, k1[:])
	h := hinit(n, x, y, posneg, k1[:], k2[:], k3[:], 5, hmax, atol, rtol)
	for {
		if st.nstep > nmax {
			st.idid = -2
			return
		}
		if 0.1*math.Abs(h) <= math.Abs(x)*2.3e-16 {
			st.idid = -3
			return
		}
		if (x+1.01*h-xend)*posneg > 0 {
			h = xend - x
			last = true
		}
		st.nstep++
		for i := 0; i < n; i++ {
			y1[i] = y[i] + h*a21*k1[i]
		}
		fcn(n, x+c2*h, y1[:], k2[:])
		for i := 0; i < n; i++ {
			y1[i] = y[i] + h*(a31*k1[i]+a32*k2[i])
		}
		fcn(n, x+c3*h, y1[:], k3[:])
		for i := 0; i < n; i++ {
			y1[i] = y[i] + h*(a41*k1[i]+a42*k2[i]+a43*k3[i])
		}
		fcn(n, x+c4*h, y1[:], k4[:])
		for i := 0; i < n; i++ {
			y1[i] = y[i] + h*(a51*k1[i]+a52*k2[i]+a53*k3[i]+a54*k4[i])
		}
		fcn(n, x+c5*h, y1[:], k5[:])
		for i := 0; i < n; i++ {
			ysti[i] = y[i] + h*(a61*k1[i]+a62*k2[i]+a63*k3[i]+a64*k4[i]+a65*k5[i])
		}
		xph := x + h
		fcn(n, xph, ysti[:], k6[:])
		for i := 0; i < n; i++ {
			y1[i] = y[i] + h*(a71*k1[i]+a73*k3[i]+a74*k4[i]+a75*k5[i]+a76*k6[i])
		}
		fcn(n, xph, y1[:], k2[:])
		for i := 0; i < n; i++ {
			k4[i] = (e1*k1[i] + e3*k3[i] + e4*k4[i] + e5*k5[i] + e6*k6[i] + e7*k2[i]) * h
		}
		err := 0.0
		for i := 0; i < n; i++ {
			sk := atol + rtol*max(math.Abs(y[i]), math.Abs(y1[i]))
			err += (k4[i] / sk) * (k4[i] / sk)
		}
		err = math.Sqrt(err / float64(n))
		fac11 := math.Exp(expo1 * math.Log(err))
		fac := fac11 / math.Exp(beta*math.Log(facold))
		fac = max(facc2, min(facc1, fac/safe))
		hnew := h / fac
		if err <= 1.0 {
			facold = max(err, 1.0e-4)
			st.naccpt++
			if st.naccpt%nstiff == 0 || iasti > 0 {
				stnum, stden := 0.0, 0.0
				for i := 0; i < n; i++ {
					stnum += (k2[i] - k6[i]) * (k2[i] - k6[i])
					stden += (y1[i] - ysti[i]) * (y1[i] - ysti[i])
				}
				if stden > 0 && math.Abs(h)*math.Sqrt(stnum/stden) > 3.25 {
					nonsti = 0
					iasti++
				} else if nonsti++; nonsti == 6 {
					iasti = 0
				}
			}
			copy(k1[:n], k2[:n])
			copy(y[:n], y1[:n])
			x = xph
			if last {
				st.idid = 1
				return
			}
			if math.Abs(hnew) > hmax {
				hnew = posneg * hmax
			}
			if reject {
				hnew = posneg * math.Min(math.Abs(hnew), math.Abs(h))
			}
			reject = false
		} else {
			hnew = h / math.Min(facc1, fac11/safe)
			reject = true
			if st.naccpt >= 1 {
				st.nrejct++
			}
			last = false
		}
		h = hnew
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func main() {
	if len(os.Args) != 4 || os.Args[1] != "dopri5" {
		fmt.Fprintln(os.Stderr, "usage: dopri5go dopri5 DEPTH SECONDS")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 2 || n > maxn {
		fmt.Fprintf(os.Stderr, "dopri5go: depth %s out of 2..%d\n", os.Args[2], maxn)
		os.Exit(2)
	}
	secs, _ := strconv.ParseFloat(os.Args[3], 64)
	const grid = 40
	var st, tot stats
	solves := 0
	var sumW float64
	y := make([]float64, maxn)
	t0, c0 := time.Now(), cpuSeconds()
	var el float64
	for {
		tot, sumW, nfcn = stats{}, 0, 0
		for i := 0; i < grid; i++ {
			for j := 0; j < grid; j++ {
				for k := 0; k < n; k++ {
					y[k] = 1
				}
				y[0] = 0.2 + (2.5-0.2)*float64(i)/(grid-1)
				y[1] = 0.2 + (2.5-0.2)*float64(j)/(grid-1)
				dopri5(n, 0, y, 20, 1e-8, 1e-10, &st)
				if st.idid != 1 {
					fmt.Fprintf(os.Stderr, "dopri5go: solve failed (idid %d)\n", st.idid)
					os.Exit(1)
				}
				tot.nstep += st.nstep
				tot.naccpt += st.naccpt
				tot.nrejct += st.nrejct
				W := 1.0
				for k := 0; k < n; k++ {
					W *= y[k]
				}
				sumW += W
				solves++
			}
		}
		if el = time.Since(t0).Seconds(); el >= secs {
			break
		}
	}
	cpu := cpuSeconds() - c0
	fmt.Printf("dopri5 %d %.0f %.0f %d %d %d %d %.17g\n", n, float64(solves)/el, float64(solves)/cpu, nfcn, tot.nstep, tot.naccpt, tot.nrejct, sumW)
}
