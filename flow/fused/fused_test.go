package fused

import (
	"math"
	"testing"
)

// MulAdd agrees with what the compiler did to a multiply-add of this package, and with
// math.FMA where it says fused.
func TestMulAdd(t *testing.T) {
	fma := math.FMA(1+0x1p-30, 1-0x1p-30, -1)
	if fma != -0x1p-60 {
		t.Fatalf("math.FMA gives %g, want −2⁻⁶⁰", fma)
	}
	got := mulAdd(1+0x1p-30, 1-0x1p-30, -1)
	switch {
	case MulAdd() && got != fma:
		t.Errorf("fused build, but x*y + z = %g", got)
	case !MulAdd() && got != 0:
		t.Errorf("unfused build, but x*y + z = %g", got)
	}
	t.Logf("fused: %v", MulAdd())
}
