//go:build !amd64

package ode

// haveLincomb is false: the methods take their own Go loops, and lincomb is never called.
const haveLincomb = false

func lincomb(dst, y *float64, n int, h float64, c *float64, k **float64, m int, zero bool) {
	panic("ode: lincomb without assembly")
}
