//go:build !amd64

package ode

import "math"

// ctlLog and ctlExp are math.Log and math.Exp (see powers_amd64.go).
func ctlLog(x float64) float64 { return math.Log(x) }

func ctlExp(x float64) float64 { return math.Exp(x) }

// ctlPowers is math.Exp(expo·l) and math.Exp(beta·l), l = math.Log(err) or, for the second
// when err < 1e-4, logMin (see powers_amd64.go).
func ctlPowers(err, expo, beta, logMin float64, _ bool) (pow, powOld float64) {
	l := math.Log(err)
	pow = math.Exp(expo * l)
	if err < 1e-4 {
		l = logMin
	}
	return pow, math.Exp(beta * l)
}
