//go:build !amd64.v3

#include "textflag.h"

// func d8err(y1, y *float64, n int, h, atol, rtol float64, c *float64, k **float64) (err5, err3 float64)
//
// The last loop of DOP853.Step for scalar tolerances, on the elements 0..n−1 (n even), two per
// packed instruction: with k = (k1, k6, k7, …, k12) and c the weights b, e (dop853B, dop853E5)
// and bhh (dop853BHH) each twice,
//
//	bk = 0 + b1·k1 + b6·k6 + … + b12·k12,  y1 = y + h·bk,  sk = atol + rtol·max(|y|, |y1|),
//	e3 = bk − (0 + bhh1·k1 + bhh9·k9 + bhh12·k12),  e5 = 0 + e1·k1 + e6·k6 + … + e12·k12,
//
// and the sums of (e3/sk)² and (e5/sk)² over the elements in their order, from 0.
TEXT ·d8err(SB), NOSPLIT, $0-80
	MOVQ	y1+0(FP), DI
	MOVQ	y+8(FP), SI
	MOVQ	n+16(FP), CX
	MOVSD	h+24(FP), X13
	UNPCKLPD	X13, X13
	MOVSD	atol+32(FP), X14
	UNPCKLPD	X14, X14
	MOVSD	rtol+40(FP), X9
	UNPCKLPD	X9, X9
	MOVQ	c+48(FP), R8
	MOVQ	k+56(FP), R9
	XORPS	X11, X11 // err5
	XORPS	X12, X12 // err3
	PCMPEQL	X10, X10
	PSRLQ	$1, X10 // the mask of |·|
	XORQ	AX, AX

loop:
	CMPQ	AX, CX
	JGE	done
	XORPD	X0, X0 // bk
	XORPD	X1, X1 // e5
	XORPD	X2, X2 // bhh·k

	// k1
	MOVQ	0(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	0(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	128(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	MOVUPD	256(R8), X6
	MULPD	X3, X6
	ADDPD	X6, X2
	// k6
	MOVQ	8(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	16(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	144(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	// k7
	MOVQ	16(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	32(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	160(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	// k8
	MOVQ	24(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	48(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	176(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	// k9
	MOVQ	32(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	64(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	192(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	MOVUPD	272(R8), X6
	MULPD	X3, X6
	ADDPD	X6, X2
	// k10
	MOVQ	40(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	80(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	208(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	// k11
	MOVQ	48(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	96(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	224(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	// k12
	MOVQ	56(R9), BX
	MOVUPD	(BX)(AX*8), X3
	MOVUPD	112(R8), X4
	MULPD	X3, X4
	ADDPD	X4, X0
	MOVUPD	240(R8), X5
	MULPD	X3, X5
	ADDPD	X5, X1
	MOVUPD	288(R8), X6
	MULPD	X3, X6
	ADDPD	X6, X2

	// y1 = y + h·bk
	MOVAPD	X0, X7
	MULPD	X13, X7
	MOVUPD	(SI)(AX*8), X8
	ADDPD	X8, X7
	MOVUPD	X7, (DI)(AX*8)
	// sk = atol + rtol·max(|y|, |y1|), NaN from |y1|
	ANDPD	X10, X8
	ANDPD	X10, X7
	MAXPD	X7, X8
	MULPD	X9, X8
	ADDPD	X14, X8
	// e3/sk and e5/sk
	SUBPD	X2, X0
	DIVPD	X8, X0
	DIVPD	X8, X1
	MULPD	X0, X0
	MULPD	X1, X1
	// the sums, element after element
	ADDSD	X0, X12
	ADDSD	X1, X11
	UNPCKHPD	X0, X0
	UNPCKHPD	X1, X1
	ADDSD	X0, X12
	ADDSD	X1, X11
	ADDQ	$2, AX
	JMP	loop

done:
	MOVSD	X11, err5+64(FP)
	MOVSD	X12, err3+72(FP)
	RET
