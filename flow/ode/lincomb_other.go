//go:build !amd64 || amd64.v3

package ode

// haveLincomb is false: the methods take their own Go loops, and lincomb is never called.
const haveLincomb = false

func lincomb(dst, y *float64, n int, h float64, c *float64, k **float64, m int, zero bool) {
	panic("ode: lincomb without assembly")
}

func d8err(y1, y *float64, n int, h, atol, rtol float64, c *float64, k **float64) (err5, err3 float64) {
	panic("ode: d8err without assembly")
}

func dp5err(y1, y *float64, n int, h, atol, rtol float64, c *float64, k **float64) (err float64) {
	panic("ode: dp5err without assembly")
}
