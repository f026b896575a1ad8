//go:build gc

#include "textflag.h"

// The kernels below compute y[j] += v·x[j] with a rounded multiply (VMULPD, x first) and a
// rounded add (VADDPD, the product first), exactly the operations, operand order included,
// of gonum's SSE2 AxpyUnitary, four doubles at a time. No fused multiply-add: it would
// round once and change the bits.

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func axpyAVX(n int, alpha float64, x, y *float64)
// y[j] += alpha·x[j] for j < n, n ≥ 1.
TEXT ·axpyAVX(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	VBROADCASTSD alpha+8(FP), Y0
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-16, BX
	JZ           four

loop16:
	VMOVUPD (SI)(AX*8), Y1
	VMOVUPD 32(SI)(AX*8), Y2
	VMOVUPD 64(SI)(AX*8), Y3
	VMOVUPD 96(SI)(AX*8), Y4
	VMULPD  Y0, Y1, Y1
	VMULPD  Y0, Y2, Y2
	VMULPD  Y0, Y3, Y3
	VMULPD  Y0, Y4, Y4
	VADDPD  (DI)(AX*8), Y1, Y1
	VADDPD  32(DI)(AX*8), Y2, Y2
	VADDPD  64(DI)(AX*8), Y3, Y3
	VADDPD  96(DI)(AX*8), Y4, Y4
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD Y2, 32(DI)(AX*8)
	VMOVUPD Y3, 64(DI)(AX*8)
	VMOVUPD Y4, 96(DI)(AX*8)
	ADDQ    $16, AX
	CMPQ    AX, BX
	JL      loop16

four:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  one

loop4:
	VMOVUPD (SI)(AX*8), Y1
	VMULPD  Y0, Y1, Y1
	VADDPD  (DI)(AX*8), Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JL      loop4

one:
	CMPQ AX, CX
	JGE  done

loop1:
	VMOVSD (SI)(AX*8), X1
	VMULSD X0, X1, X1
	VADDSD (DI)(AX*8), X1, X1
	VMOVSD X1, (DI)(AX*8)
	INCQ   AX
	CMPQ   AX, CX
	JL     loop1

done:
	VZEROUPPER
	RET

// func axpy4AVX(n int, v *[4]float64, x0, x1, x2, x3, y *float64)
// y[j] += v[0]·x0[j], then += v[1]·x1[j], += v[2]·x2[j], += v[3]·x3[j], for j < n, n ≥ 1:
// four axpys in order, with y loaded and stored once.
TEXT ·axpy4AVX(SB), NOSPLIT, $0-56
	MOVQ         n+0(FP), CX
	MOVQ         v+8(FP), AX
	VBROADCASTSD 0(AX), Y0
	VBROADCASTSD 8(AX), Y1
	VBROADCASTSD 16(AX), Y2
	VBROADCASTSD 24(AX), Y3
	MOVQ         x0+16(FP), R8
	MOVQ         x1+24(FP), R9
	MOVQ         x2+32(FP), R10
	MOVQ         x3+40(FP), R11
	MOVQ         y+48(FP), DI
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-8, BX
	JZ           four

loop8:
	VMOVUPD (DI)(AX*8), Y4
	VMOVUPD 32(DI)(AX*8), Y5
	VMOVUPD (R8)(AX*8), Y6
	VMOVUPD 32(R8)(AX*8), Y7
	VMULPD  Y0, Y6, Y6
	VMULPD  Y0, Y7, Y7
	VADDPD  Y4, Y6, Y4
	VADDPD  Y5, Y7, Y5
	VMOVUPD (R9)(AX*8), Y8
	VMOVUPD 32(R9)(AX*8), Y9
	VMULPD  Y1, Y8, Y8
	VMULPD  Y1, Y9, Y9
	VADDPD  Y4, Y8, Y4
	VADDPD  Y5, Y9, Y5
	VMOVUPD (R10)(AX*8), Y6
	VMOVUPD 32(R10)(AX*8), Y7
	VMULPD  Y2, Y6, Y6
	VMULPD  Y2, Y7, Y7
	VADDPD  Y4, Y6, Y4
	VADDPD  Y5, Y7, Y5
	VMOVUPD (R11)(AX*8), Y8
	VMOVUPD 32(R11)(AX*8), Y9
	VMULPD  Y3, Y8, Y8
	VMULPD  Y3, Y9, Y9
	VADDPD  Y4, Y8, Y4
	VADDPD  Y5, Y9, Y5
	VMOVUPD Y4, (DI)(AX*8)
	VMOVUPD Y5, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, BX
	JL      loop8

four:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE  one

	VMOVUPD (DI)(AX*8), Y4
	VMOVUPD (R8)(AX*8), Y6
	VMULPD  Y0, Y6, Y6
	VADDPD  Y4, Y6, Y4
	VMOVUPD (R9)(AX*8), Y6
	VMULPD  Y1, Y6, Y6
	VADDPD  Y4, Y6, Y4
	VMOVUPD (R10)(AX*8), Y6
	VMULPD  Y2, Y6, Y6
	VADDPD  Y4, Y6, Y4
	VMOVUPD (R11)(AX*8), Y6
	VMULPD  Y3, Y6, Y6
	VADDPD  Y4, Y6, Y4
	VMOVUPD Y4, (DI)(AX*8)
	ADDQ    $4, AX

one:
	CMPQ AX, CX
	JGE  done

loop1:
	VMOVSD (DI)(AX*8), X4
	VMOVSD (R8)(AX*8), X6
	VMULSD X0, X6, X6
	VADDSD X4, X6, X4
	VMOVSD (R9)(AX*8), X6
	VMULSD X1, X6, X6
	VADDSD X4, X6, X4
	VMOVSD (R10)(AX*8), X6
	VMULSD X2, X6, X6
	VADDSD X4, X6, X4
	VMOVSD (R11)(AX*8), X6
	VMULSD X3, X6, X6
	VADDSD X4, X6, X4
	VMOVSD X4, (DI)(AX*8)
	INCQ   AX
	CMPQ   AX, CX
	JL     loop1

done:
	VZEROUPPER
	RET

// The dot kernel below reproduces gonum's SSE2 DotUnitary to the bit: its two 2-lane
// accumulators (X7 for the elements 4q and 4q+1, X8 for 4q+2 and 4q+3) are the four lanes
// of one YMM accumulator (lanes 0-1 and 2-3), each lane summing its products x·y (x first)
// in the same order; the last n mod 4 products go to lane 0 one by one (the other lanes
// get +0, which leaves every sum as it is: a sum that starts at +0 is never −0); then
// (s0, s1) + (s2, s3) = (u0, u1) and the result u1 + u0, as DotUnitary combines them.

#define DOTSTEP(xr, yr, acc) \
	VMULPD yr, xr, Y14 \
	VADDPD Y14, acc, acc

#define DOTEND(acc, xacc, out) \
	VEXTRACTF128 $1, acc, X15 \
	VADDPD       X15, xacc, xacc \
	VUNPCKHPD    xacc, xacc, X15 \
	VADDSD       xacc, X15, X15 \
	VMOVSD       X15, out

// func dot2x4AVX(n int, x0, x1, y0, y1, y2, y3 *float64, out *[8]float64)
// out[4r+q] = Σ_i xr[i]·yq[i] for i < n, summed as DotUnitary sums, n ≥ 1.
TEXT ·dot2x4AVX(SB), NOSPLIT, $0-64
	MOVQ   n+0(FP), CX
	MOVQ   x0+8(FP), SI
	MOVQ   x1+16(FP), DI
	MOVQ   y0+24(FP), R8
	MOVQ   y1+32(FP), R9
	MOVQ   y2+40(FP), R10
	MOVQ   y3+48(FP), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ   AX, AX
	MOVQ   CX, BX
	ANDQ   $-4, BX
	JZ     tail

loop:
	VMOVUPD (SI)(AX*8), Y8
	VMOVUPD (DI)(AX*8), Y9
	VMOVUPD (R8)(AX*8), Y10
	VMOVUPD (R9)(AX*8), Y11
	VMOVUPD (R10)(AX*8), Y12
	VMOVUPD (R11)(AX*8), Y13
	DOTSTEP(Y8, Y10, Y0)
	DOTSTEP(Y8, Y11, Y1)
	DOTSTEP(Y8, Y12, Y2)
	DOTSTEP(Y8, Y13, Y3)
	DOTSTEP(Y9, Y10, Y4)
	DOTSTEP(Y9, Y11, Y5)
	DOTSTEP(Y9, Y12, Y6)
	DOTSTEP(Y9, Y13, Y7)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JL      loop

tail:
	CMPQ AX, CX
	JGE  end

	// Scalar loads zero lanes 1-3: products (x·y, +0, +0, +0).
	VMOVSD (SI)(AX*8), X8
	VMOVSD (DI)(AX*8), X9
	VMOVSD (R8)(AX*8), X10
	VMOVSD (R9)(AX*8), X11
	VMOVSD (R10)(AX*8), X12
	VMOVSD (R11)(AX*8), X13
	DOTSTEP(Y8, Y10, Y0)
	DOTSTEP(Y8, Y11, Y1)
	DOTSTEP(Y8, Y12, Y2)
	DOTSTEP(Y8, Y13, Y3)
	DOTSTEP(Y9, Y10, Y4)
	DOTSTEP(Y9, Y11, Y5)
	DOTSTEP(Y9, Y12, Y6)
	DOTSTEP(Y9, Y13, Y7)
	INCQ   AX
	JMP    tail

end:
	MOVQ out+56(FP), DX
	DOTEND(Y0, X0, 0(DX))
	DOTEND(Y1, X1, 8(DX))
	DOTEND(Y2, X2, 16(DX))
	DOTEND(Y3, X3, 24(DX))
	DOTEND(Y4, X4, 32(DX))
	DOTEND(Y5, X5, 40(DX))
	DOTEND(Y6, X6, 48(DX))
	DOTEND(Y7, X7, 56(DX))
	VZEROUPPER
	RET

// One row of B (br, at offset off) updates two rows of C (c0, c1) with coefficients v0, v1.
#define UPD2(br, off, v0, v1, c0, c1) \
	VMOVUPD off(br)(AX*8), Y12 \
	VMULPD  v0, Y12, Y14 \
	VADDPD  c0, Y14, c0 \
	VMULPD  v1, Y12, Y15 \
	VADDPD  c1, Y15, c1

#define UPD2S(br, v0, v1) \
	VMOVSD (br)(AX*8), X12 \
	VMULSD v0, X12, X14 \
	VADDSD X8, X14, X8 \
	VMULSD v1, X12, X15 \
	VADDSD X9, X15, X9

// func axpy2x4AVX(n int, v *[8]float64, x0, x1, x2, x3, y0, y1 *float64)
// For r = 0, 1, 2, 3 in order: y0[j] += v[r]·xr[j] and y1[j] += v[4+r]·xr[j], for j < n,
// n ≥ 1: eight axpys, each row of y updated in the order of r, x loaded once for both.
TEXT ·axpy2x4AVX(SB), NOSPLIT, $0-64
	MOVQ         n+0(FP), CX
	MOVQ         v+8(FP), AX
	VBROADCASTSD 0(AX), Y0
	VBROADCASTSD 8(AX), Y1
	VBROADCASTSD 16(AX), Y2
	VBROADCASTSD 24(AX), Y3
	VBROADCASTSD 32(AX), Y4
	VBROADCASTSD 40(AX), Y5
	VBROADCASTSD 48(AX), Y6
	VBROADCASTSD 56(AX), Y7
	MOVQ         x0+16(FP), R8
	MOVQ         x1+24(FP), R9
	MOVQ         x2+32(FP), R10
	MOVQ         x3+40(FP), R11
	MOVQ         y0+48(FP), DI
	MOVQ         y1+56(FP), DX
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-4, BX
	JZ           one

loop4:
	VMOVUPD (DI)(AX*8), Y8
	VMOVUPD (DX)(AX*8), Y9
	UPD2(R8, 0, Y0, Y4, Y8, Y9)
	UPD2(R9, 0, Y1, Y5, Y8, Y9)
	UPD2(R10, 0, Y2, Y6, Y8, Y9)
	UPD2(R11, 0, Y3, Y7, Y8, Y9)
	VMOVUPD Y8, (DI)(AX*8)
	VMOVUPD Y9, (DX)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JL      loop4

one:
	CMPQ AX, CX
	JGE  done

loop1:
	VMOVSD (DI)(AX*8), X8
	VMOVSD (DX)(AX*8), X9
	UPD2S(R8, X0, X4)
	UPD2S(R9, X1, X5)
	UPD2S(R10, X2, X6)
	UPD2S(R11, X3, X7)
	VMOVSD X8, (DI)(AX*8)
	VMOVSD X9, (DX)(AX*8)
	INCQ   AX
	CMPQ   AX, CX
	JL     loop1

done:
	VZEROUPPER
	RET
