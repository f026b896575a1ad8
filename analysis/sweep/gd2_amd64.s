#include "textflag.h"

// The steps of gd2 on four lanes per instruction, AVX2 without FMA: every operation is the
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
DATA gd2one<>+8(SB)/8, $1.0
DATA gd2one<>+16(SB)/8, $1.0
DATA gd2one<>+24(SB)/8, $1.0
GLOBL gd2one<>(SB), RODATA, $32
DATA gd2minus1<>+0(SB)/8, $-1.0
DATA gd2minus1<>+8(SB)/8, $-1.0
DATA gd2minus1<>+16(SB)/8, $-1.0
DATA gd2minus1<>+24(SB)/8, $-1.0
GLOBL gd2minus1<>(SB), RODATA, $32
DATA gd2abs<>+0(SB)/8, $0x7fffffffffffffff
DATA gd2abs<>+8(SB)/8, $0x7fffffffffffffff
DATA gd2abs<>+16(SB)/8, $0x7fffffffffffffff
DATA gd2abs<>+24(SB)/8, $0x7fffffffffffffff
GLOBL gd2abs<>(SB), RODATA, $32
DATA gd2zero<>+0(SB)/8, $0
DATA gd2zero<>+8(SB)/8, $0
DATA gd2zero<>+16(SB)/8, $0
DATA gd2zero<>+24(SB)/8, $0
GLOBL gd2zero<>(SB), RODATA, $32

// func gd2GroupAVX2(a *gd2args, j, k0 int) (k int, exits uint64)
//
// Steps k0, k0+1, … a.steps of the four lanes j..j+3, their state in registers. It returns
// after the first step k at which an alive lane leaves (diverged, or a fixed point), with the
// lanes' bits in exits; the other lanes have taken step k. Finished, it returns a.steps + 1.
//
// gd2args: w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive *float64 at 0..80;
// bound [4]float64 at 88; steps int at 120.
//
// Registers: Y0 w0, Y1 w1, Y2 s0, Y3 s1, Y4 start, Y5 bal, Y6 inf, Y7 k (all lanes), Y8..Y15
// scratch; lr, decay, thr and alive are read from memory (alive may change between calls).
TEXT ·gd2GroupAVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), DI
	MOVQ j+8(FP), R11
	SHLQ $3, R11              // byte offset of lane j
	MOVQ k0+16(FP), DX
	MOVQ 120(DI), CX          // steps
	MOVQ 32(DI), R8
	ADDQ R11, R8              // lr
	MOVQ 40(DI), R9
	ADDQ R11, R9              // decay
	MOVQ 48(DI), R10
	ADDQ R11, R10             // thr
	MOVQ 80(DI), SI
	ADDQ R11, SI              // alive
	MOVQ 0(DI), BX
	VMOVUPD (BX)(R11*1), Y0
	MOVQ 8(DI), BX
	VMOVUPD (BX)(R11*1), Y1
	MOVQ 16(DI), BX
	VMOVUPD (BX)(R11*1), Y2
	MOVQ 24(DI), BX
	VMOVUPD (BX)(R11*1), Y3
	MOVQ 56(DI), BX
	VMOVUPD (BX)(R11*1), Y4
	MOVQ 64(DI), BX
	VMOVUPD (BX)(R11*1), Y5
	MOVQ 72(DI), BX
	VMOVUPD (BX)(R11*1), Y6
	CVTSQ2SD DX, X7
	VBROADCASTSD X7, Y7       // k in every lane
	XORQ AX, AX

step:
	CMPQ DX, CX
	JGT  finished
	// lrho = lr·(w0·w1 − 1); n0 = decay·w0 − lrho·w1; n1 = decay·w1 − lrho·w0
	VMULPD  Y1, Y0, Y8
	VSUBPD  gd2one<>(SB), Y8, Y8
	VMULPD  (R8), Y8, Y8
	VMULPD  (R9), Y0, Y9
	VMULPD  Y1, Y8, Y10
	VSUBPD  Y10, Y9, Y9       // n0
	VMULPD  (R9), Y1, Y10
	VMULPD  Y0, Y8, Y11
	VSUBPD  Y11, Y10, Y10     // n1
	// ok = |n0| ≤ bound and |n1| ≤ bound (false for NaN)
	VANDPD  gd2abs<>(SB), Y9, Y8
	VCMPPD  $2, 88(DI), Y8, Y8
	VANDPD  gd2abs<>(SB), Y10, Y11
	VCMPPD  $2, 88(DI), Y11, Y11
	VANDPD  Y11, Y8, Y8       // ok
	VSUBPD  Y0, Y9, Y11       // d0 = n0 − w0
	VSUBPD  Y1, Y10, Y12      // d1 = n1 − w1
	// fixed = n0 = w0 and n1 = w1, which is d = 0 where ok (finite values)
	VCMPPD  $0, gd2zero<>(SB), Y11, Y13
	VCMPPD  $0, gd2zero<>(SB), Y12, Y14
	VANDPD  Y14, Y13, Y13     // fixed
	VANDNPD Y8, Y13, Y8       // go = ok and not fixed
	VMOVUPD (SI), Y13         // alive
	VANDNPD Y13, Y8, Y14      // exit = alive and not go
	VANDPD  Y13, Y8, Y8       // upd = alive and go
	VMOVMSKPD Y14, AX         // the exits
	// The pair of analysis.Phases: gg = s1 + s0, dg = d0·w1 + d1·w0, dd = d0² + d1²,
	// vn2 = dg²/gg; tangential when dd − vn2 ≥ vn2.
	VMULPD  Y1, Y11, Y13
	VMULPD  Y0, Y12, Y14
	VADDPD  Y14, Y13, Y13     // dg
	VMULPD  Y11, Y11, Y11
	VMULPD  Y12, Y12, Y12
	VADDPD  Y12, Y11, Y11     // dd
	VADDPD  Y2, Y3, Y12       // gg
	VMULPD  Y13, Y13, Y13
	VDIVPD  Y12, Y13, Y13     // vn2
	VSUBPD  Y13, Y11, Y14
	VCMPPD  $0x1d, Y13, Y14, Y14           // tang
	VCMPPD  $0x0c, gd2zero<>(SB), Y12, Y12 // gg != 0
	VCMPPD  $0x0c, gd2zero<>(SB), Y11, Y11 // dd != 0
	VANDPD  Y11, Y12, Y12
	VANDPD  Y8, Y12, Y12      // informative and updated
	// start: cand = start < 0 ? k−1 : start; cand = tang ? cand : −1; start = Y12 ? cand : start
	VCMPPD  $1, gd2zero<>(SB), Y4, Y11
	VSUBPD  gd2one<>(SB), Y7, Y13
	VBLENDVPD Y11, Y13, Y4, Y13
	VMOVUPD gd2minus1<>(SB), Y11
	VBLENDVPD Y14, Y13, Y11, Y13
	VBLENDVPD Y12, Y13, Y4, Y4
	VORPD   Y12, Y6, Y6       // inf
	// The new state where updated.
	VBLENDVPD Y8, Y9, Y0, Y0
	VBLENDVPD Y8, Y10, Y1, Y1
	VMULPD  Y9, Y9, Y9        // n0²
	VMULPD  Y10, Y10, Y10     // n1²
	VBLENDVPD Y8, Y9, Y2, Y2
	VBLENDVPD Y8, Y10, Y3, Y3
	// bal = |n0² − n1²| ≤ thr and bal < 0 ? k : bal, where updated
	VSUBPD  Y10, Y9, Y9
	VANDPD  gd2abs<>(SB), Y9, Y9
	VCMPPD  $2, (R10), Y9, Y9
	VCMPPD  $1, gd2zero<>(SB), Y5, Y10
	VANDPD  Y10, Y9, Y9
	VANDPD  Y8, Y9, Y9
	VBLENDVPD Y9, Y7, Y5, Y5
	TESTQ   AX, AX
	JNZ     left
	VADDPD  gd2one<>(SB), Y7, Y7
	INCQ    DX
	JMP     step

finished:
	XORQ AX, AX
left:
	MOVQ 0(DI), BX
	VMOVUPD Y0, (BX)(R11*1)
	MOVQ 8(DI), BX
	VMOVUPD Y1, (BX)(R11*1)
	MOVQ 16(DI), BX
	VMOVUPD Y2, (BX)(R11*1)
	MOVQ 24(DI), BX
	VMOVUPD Y3, (BX)(R11*1)
	MOVQ 56(DI), BX
	VMOVUPD Y4, (BX)(R11*1)
	MOVQ 64(DI), BX
	VMOVUPD Y5, (BX)(R11*1)
	MOVQ 72(DI), BX
	VMOVUPD Y6, (BX)(R11*1)
	VZEROUPPER
	MOVQ DX, k+24(FP)
	MOVQ AX, exits+32(FP)
	RET
