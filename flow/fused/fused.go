// Package fused reports whether this build fuses multiply-adds, on which the last bits of
// some results depend; the tests that pin last bits ask it.
//
// The Go specification lets a compiler evaluate x*y + z as one fused multiply-add, rounded
// once, instead of two operations rounded each (an explicit conversion float64(x*y) forbids
// it). The default amd64 build (GOAMD64=v1) never fuses; GOAMD64=v3 and above, arm64,
// ppc64le, s390x, riscv64 and loong64 do wherever the pattern appears. A test that pins the
// last bits of a computation holds in one kind of build only; it asks MulAdd which kind it
// runs in.
package fused

// MulAdd reports whether this build fuses x*y + z. It evaluates the sum on arguments the
// compiler cannot see: (1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1 is −2⁻⁶⁰ exactly, which a fused
// multiply-add returns, while a product rounded first is 1 (2⁻⁶⁰ is below half an ulp of
// 1) and the difference 0.
func MulAdd() bool { return mulAdd(1+0x1p-30, 1-0x1p-30, -1) != 0 }

//go:noinline
func mulAdd(x, y, z float64) float64 { return x*y + z }
