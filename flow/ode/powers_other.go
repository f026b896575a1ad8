//go:build !amd64

package ode

import "math"

// ctlLog and ctlExp are math.Log and math.Exp (see powers_amd64.go).
func ctlLog(x float64) float64 { return math.Log(x) }

func ctlExp(x float64) float64 { return math.Exp(x) }

// ctlPowers is ctlPowersGo: there is no assembly here.
func ctlPowers(err, expo, beta, logMin float64, _ bool) (pow, powOld float64) {
	return ctlPowersGo(err, expo, beta, logMin)
}
