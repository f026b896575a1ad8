#include "textflag.h"

// The step of gd2 on four lanes per instruction, AVX2 without FMA: every operation is the
// IEEE operation of gd2.run on the same operands, so each lane's numbers are the same to the
// bit (TestGD2Vector).

// func cpuHasAVX2() bool
TEXT ·cpuHasAVX2(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	// OSXSAVE (bit 27) and AVX (bit 28) of ECX.
	ANDL $0x18000000, CX
	CMPL CX, $0x18000000
	JNE  no
	// The OS saves the XMM and YMM state (XCR0 bits 1 and 2).
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	// AVX2: leaf 7, EBX bit 5.
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL  $5, BX
	JCC  no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET

DATA gd2one<>+0(SB)/8, $1.0
GLOBL gd2one<>(SB), RODATA, $8
DATA gd2minus1<>+0(SB)/8, $-1.0
GLOBL gd2minus1<>(SB), RODATA, $8
DATA gd2abs<>+0(SB)/8, $0x7fffffffffffffff
GLOBL gd2abs<>(SB), RODATA, $8

// func gd2StepAVX2(a *gd2args) (exits uint64)
//
// gd2args: w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive, exit *float64 at 0..88;
// n int at 96, k at 104, km1 at 112, bound at 120 (float64).
TEXT ·gd2StepAVX2(SB), NOSPLIT, $0-16
	MOVQ a+0(FP), DI
	MOVQ 96(DI), R12          // n
	VBROADCASTSD gd2one<>(SB), Y8
	VBROADCASTSD gd2abs<>(SB), Y9
	VBROADCASTSD 120(DI), Y10 // bound
	VBROADCASTSD 104(DI), Y11 // k
	VBROADCASTSD 112(DI), Y12 // k − 1
	VBROADCASTSD gd2minus1<>(SB), Y13
	VXORPD Y14, Y14, Y14      // 0
	VXORPD Y15, Y15, Y15      // the exits, or-ed
	MOVQ 0(DI), R8            // w0
	MOVQ 8(DI), R9            // w1
	MOVQ 16(DI), R10          // s0
	MOVQ 24(DI), R11          // s1
	XORQ CX, CX

loop:
	CMPQ CX, R12
	JGE  done
	MOVQ 32(DI), AX           // lr
	MOVQ 40(DI), BX           // decay
	VMOVUPD (R8)(CX*8), Y0    // w0
	VMOVUPD (R9)(CX*8), Y1    // w1
	// lrho = lr·(w0·w1 − 1)
	VMULPD  Y1, Y0, Y2
	VSUBPD  Y8, Y2, Y2
	VMOVUPD (AX)(CX*8), Y3
	VMULPD  Y2, Y3, Y2
	// n0 = decay·w0 − lrho·w1, n1 = decay·w1 − lrho·w0
	VMOVUPD (BX)(CX*8), Y3
	VMULPD  Y0, Y3, Y4
	VMULPD  Y1, Y2, Y5
	VSUBPD  Y5, Y4, Y4        // n0
	VMULPD  Y1, Y3, Y5
	VMULPD  Y0, Y2, Y6
	VSUBPD  Y6, Y5, Y5        // n1
	// ok = |n0| ≤ bound and |n1| ≤ bound (false for NaN); fixed = n0 = w0 and n1 = w1
	VANDPD  Y9, Y4, Y6
	VCMPPD  $2, Y10, Y6, Y6   // |n0| <= bound
	VANDPD  Y9, Y5, Y7
	VCMPPD  $2, Y10, Y7, Y7   // |n1| <= bound
	VANDPD  Y7, Y6, Y6        // ok
	VCMPPD  $0, Y0, Y4, Y7    // n0 == w0
	VCMPPD  $0, Y1, Y5, Y3    // n1 == w1
	VANDPD  Y3, Y7, Y7        // fixed
	VANDNPD Y6, Y7, Y6        // go = ok and not fixed
	MOVQ    80(DI), AX        // alive
	VMOVUPD (AX)(CX*8), Y7
	VANDNPD Y7, Y6, Y3        // exit = alive and not go
	VANDPD  Y7, Y6, Y6        // upd = alive and go
	MOVQ    88(DI), AX
	VMOVUPD Y3, (AX)(CX*8)
	VORPD   Y3, Y15, Y15
	// The pair of analysis.Phases: d = n − w, gg = s1 + s0, dg = d0·w1 + d1·w0,
	// dd = d0² + d1², vn2 = dg²/gg; tangential when dd − vn2 ≥ vn2.
	VSUBPD  Y0, Y4, Y2        // d0
	VSUBPD  Y1, Y5, Y3        // d1
	VMULPD  Y2, Y1, Y1        // d0·w1 (w1 no longer needed)
	VMULPD  Y3, Y0, Y0        // d1·w0 (w0 no longer needed)
	VADDPD  Y0, Y1, Y1        // dg
	VMULPD  Y2, Y2, Y2
	VMULPD  Y3, Y3, Y3
	VADDPD  Y3, Y2, Y2        // dd
	VMOVUPD (R11)(CX*8), Y0
	VADDPD  (R10)(CX*8), Y0, Y0 // gg = s1 + s0
	VMULPD  Y1, Y1, Y1
	VDIVPD  Y0, Y1, Y1        // vn2
	VSUBPD  Y1, Y2, Y3        // dd − vn2
	VCMPPD  $0x1d, Y1, Y3, Y3 // tang: dd − vn2 >= vn2 (false for NaN)
	VCMPPD  $0x0c, Y14, Y0, Y0 // gg != 0
	VCMPPD  $0x0c, Y14, Y2, Y2 // dd != 0
	VANDPD  Y2, Y0, Y0        // informative
	VANDPD  Y6, Y0, Y0        // informative and updated
	// start: cand = start < 0 ? k−1 : start; cand = tang ? cand : −1; start = inf&upd ? cand : start
	MOVQ    56(DI), AX
	VMOVUPD (AX)(CX*8), Y1    // start
	VCMPPD  $1, Y14, Y1, Y2   // start < 0
	VBLENDVPD Y2, Y12, Y1, Y2 // cand
	VBLENDVPD Y3, Y2, Y13, Y2 // tang ? cand : −1
	VBLENDVPD Y0, Y2, Y1, Y1
	VMOVUPD Y1, (AX)(CX*8)
	MOVQ    72(DI), AX
	VORPD   (AX)(CX*8), Y0, Y0
	VMOVUPD Y0, (AX)(CX*8)    // inf |= informative
	// The new state where updated.
	VMOVUPD (R8)(CX*8), Y0
	VBLENDVPD Y6, Y4, Y0, Y0
	VMOVUPD Y0, (R8)(CX*8)
	VMOVUPD (R9)(CX*8), Y1
	VBLENDVPD Y6, Y5, Y1, Y1
	VMOVUPD Y1, (R9)(CX*8)
	VMULPD  Y4, Y4, Y4        // n0²
	VMULPD  Y5, Y5, Y5        // n1²
	VMOVUPD (R10)(CX*8), Y0
	VBLENDVPD Y6, Y4, Y0, Y0
	VMOVUPD Y0, (R10)(CX*8)
	VMOVUPD (R11)(CX*8), Y1
	VBLENDVPD Y6, Y5, Y1, Y1
	VMOVUPD Y1, (R11)(CX*8)
	// bal = |n0² − n1²| ≤ thr and bal < 0 ? k : bal, where updated.
	VSUBPD  Y5, Y4, Y4
	VANDPD  Y9, Y4, Y4
	MOVQ    48(DI), AX
	VMOVUPD (AX)(CX*8), Y5
	VCMPPD  $2, Y5, Y4, Y4    // |…| <= thr
	MOVQ    64(DI), AX
	VMOVUPD (AX)(CX*8), Y1    // bal
	VCMPPD  $1, Y14, Y1, Y2   // bal < 0
	VANDPD  Y2, Y4, Y4
	VANDPD  Y6, Y4, Y4
	VBLENDVPD Y4, Y11, Y1, Y1
	VMOVUPD Y1, (AX)(CX*8)
	ADDQ    $4, CX
	JMP     loop

done:
	VMOVMSKPD Y15, AX
	VZEROUPPER
	MOVQ AX, exits+8(FP)
	RET
