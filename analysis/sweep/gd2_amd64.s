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

// STEP takes step k (Y15 = k and 128(DI) = k − 1 in every lane) of the four lanes at byte
// offset OFF of the arrays, whose w0, w1, s0, s1 are in W0, W1, S0, S1; start, bal and inf are
// read and written in memory. It leaves the lanes' exit bits in EX. Y8..Y14 are scratch.
// (VBLENDVPD M, A, B, D is D = M ? A : B; VCMPPD $p, A, B, D is D = B p A; predicates 0 =,
// 1 <, 2 ≤, 0x0c ≠, 0x19 not ≥, all false for NaN but 0x19.)
#define STEP(W0, W1, S0, S1, OFF, EX) \
	VMULPD  W1, W0, Y8; \
	VSUBPD  gd2one<>(SB), Y8, Y8; \
	VMULPD  OFF(R8), Y8, Y8; \
	VMULPD  OFF(R9), W0, Y9; \
	VMULPD  W1, Y8, Y10; \
	VSUBPD  Y10, Y9, Y9; \
	VMULPD  OFF(R9), W1, Y10; \
	VMULPD  W0, Y8, Y11; \
	VSUBPD  Y11, Y10, Y10; \
	VANDPD  gd2abs<>(SB), Y9, Y8; \
	VCMPPD  $2, 88(DI), Y8, Y8; \
	VANDPD  gd2abs<>(SB), Y10, Y11; \
	VCMPPD  $2, 88(DI), Y11, Y11; \
	VANDPD  Y11, Y8, Y8; \
	VSUBPD  W0, Y9, Y11; \
	VSUBPD  W1, Y10, Y12; \
	VCMPPD  $0, gd2zero<>(SB), Y11, Y13; \
	VCMPPD  $0, gd2zero<>(SB), Y12, Y14; \
	VANDPD  Y14, Y13, Y13; \
	VANDNPD Y8, Y13, Y8; \
	VMOVUPD OFF(SI), Y13; \
	VANDNPD Y13, Y8, Y14; \
	VANDPD  Y13, Y8, Y8; \
	VMOVMSKPD Y14, EX; \
	VMULPD  W1, Y11, Y13; \
	VMULPD  W0, Y12, Y14; \
	VADDPD  Y14, Y13, Y13; \
	VMULPD  Y11, Y11, Y11; \
	VMULPD  Y12, Y12, Y12; \
	VADDPD  Y12, Y11, Y11; \
	VADDPD  S0, S1, Y12; \
	VMULPD  Y13, Y13, Y13; \
	VDIVPD  Y12, Y13, Y13; \
	VSUBPD  Y13, Y11, Y14; \
	VCMPPD  $0x19, Y13, Y14, Y14; \
	VCMPPD  $0x0c, gd2zero<>(SB), Y12, Y12; \
	VCMPPD  $0x0c, gd2zero<>(SB), Y11, Y11; \
	VANDPD  Y11, Y12, Y12; \
	VANDPD  Y8, Y12, Y12; \
	VMOVUPD OFF(R12), Y11; \
	VCMPPD  $1, gd2zero<>(SB), Y11, Y13; \
	VBLENDVPD Y13, 128(DI), Y11, Y13; \
	VBLENDVPD Y14, gd2minus1<>(SB), Y13, Y13; \
	VBLENDVPD Y12, Y13, Y11, Y11; \
	VMOVUPD Y11, OFF(R12); \
	VORPD   OFF(R14), Y12, Y12; \
	VMOVUPD Y12, OFF(R14); \
	VBLENDVPD Y8, Y9, W0, W0; \
	VBLENDVPD Y8, Y10, W1, W1; \
	VMULPD  Y9, Y9, Y9; \
	VMULPD  Y10, Y10, Y10; \
	VBLENDVPD Y8, Y9, S0, S0; \
	VBLENDVPD Y8, Y10, S1, S1; \
	VSUBPD  Y10, Y9, Y9; \
	VANDPD  gd2abs<>(SB), Y9, Y9; \
	VCMPPD  $2, OFF(R10), Y9, Y9; \
	VMOVUPD OFF(R13), Y10; \
	VCMPPD  $1, gd2zero<>(SB), Y10, Y11; \
	VANDPD  Y11, Y9, Y9; \
	VANDPD  Y8, Y9, Y9; \
	VBLENDVPD Y9, Y15, Y10, Y10; \
	VMOVUPD Y10, OFF(R13)

// func gd2Group8AVX2(a *gd2args, j, k0 int) (k int, exits uint64)
//
// Steps k0, k0+1, … a.steps of the eight lanes j..j+7, two groups of four whose steps the CPU
// overlaps, their iterates and squares in registers (start, bal and inf in memory; lr, decay,
// thr and alive are read from memory, alive may change between calls). It returns after the first step k at which
// an alive lane leaves (diverged, or a fixed point), with the lanes' bits in exits; the other
// lanes have taken step k. Finished, it returns a.steps + 1.
//
// gd2args: w0, w1, s0, s1, lr, decay, thr, start, bal, inf, alive *float64 at 0..80;
// bound [4]float64 at 88; steps int at 120; k − 1 [4]float64 at 128 (scratch).
TEXT ·gd2Group8AVX2(SB), NOSPLIT, $0-40
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
	MOVQ 56(DI), R12
	ADDQ R11, R12             // start
	MOVQ 64(DI), R13
	ADDQ R11, R13             // bal
	MOVQ 72(DI), R14
	ADDQ R11, R14             // inf
	MOVQ 0(DI), BX
	VMOVUPD (BX)(R11*1), Y0
	VMOVUPD 32(BX)(R11*1), Y4
	MOVQ 8(DI), BX
	VMOVUPD (BX)(R11*1), Y1
	VMOVUPD 32(BX)(R11*1), Y5
	MOVQ 16(DI), BX
	VMOVUPD (BX)(R11*1), Y2
	VMOVUPD 32(BX)(R11*1), Y6
	MOVQ 24(DI), BX
	VMOVUPD (BX)(R11*1), Y3
	VMOVUPD 32(BX)(R11*1), Y7
	CVTSQ2SD DX, X15
	VBROADCASTSD X15, Y15     // k in every lane
	XORQ AX, AX

step8:
	CMPQ DX, CX
	JGT  finished8
	VSUBPD  gd2one<>(SB), Y15, Y8
	VMOVUPD Y8, 128(DI)       // k − 1
	STEP(Y0, Y1, Y2, Y3, 0, AX)
	STEP(Y4, Y5, Y6, Y7, 32, BX)
	SHLQ $4, BX
	ORQ  BX, AX
	TESTQ AX, AX
	JNZ  left8
	VADDPD gd2one<>(SB), Y15, Y15
	INCQ DX
	JMP  step8

finished8:
	XORQ AX, AX
left8:
	MOVQ 0(DI), BX
	VMOVUPD Y0, (BX)(R11*1)
	VMOVUPD Y4, 32(BX)(R11*1)
	MOVQ 8(DI), BX
	VMOVUPD Y1, (BX)(R11*1)
	VMOVUPD Y5, 32(BX)(R11*1)
	MOVQ 16(DI), BX
	VMOVUPD Y2, (BX)(R11*1)
	VMOVUPD Y6, 32(BX)(R11*1)
	MOVQ 24(DI), BX
	VMOVUPD Y3, (BX)(R11*1)
	VMOVUPD Y7, 32(BX)(R11*1)
	VZEROUPPER
	MOVQ DX, k+24(FP)
	MOVQ AX, exits+32(FP)
	RET
