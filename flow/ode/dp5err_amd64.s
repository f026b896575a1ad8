//go:build !amd64.v3

#include "textflag.h"

// func dp5err(y1, y *float64, n int, h, atol, rtol float64, c *float64, k **float64) (err float64)
//
// The error loop of DOPRI5.Step for scalar tolerances on the elements 0..n−1 (n even), two per
// packed instruction: with k = (k1, k3, k4, k5, k6, k7) and c the error weights each twice,
//
//	e = h·(e1·k1 + e3·k3 + … + e7·k7),  sk = atol + rtol·max(|y|, |y1|),
//
// and the sum of (e/sk)² over the elements in their order, from 0.
TEXT ·dp5err(SB), NOSPLIT, $0-72
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
	XORPS	X11, X11 // err
	PCMPEQL	X10, X10
	PSRLQ	$1, X10 // the mask of |·|
	MOVUPD	0(R8), X2
	MOVUPD	16(R8), X3
	MOVUPD	32(R8), X4
	MOVUPD	48(R8), X5
	MOVUPD	64(R8), X6
	MOVUPD	80(R8), X7
	XORQ	AX, AX

loop:
	CMPQ	AX, CX
	JGE	done
	MOVQ	0(R9), BX
	MOVUPD	(BX)(AX*8), X0
	MULPD	X2, X0
	MOVQ	8(R9), BX
	MOVUPD	(BX)(AX*8), X1
	MULPD	X3, X1
	ADDPD	X1, X0
	MOVQ	16(R9), BX
	MOVUPD	(BX)(AX*8), X1
	MULPD	X4, X1
	ADDPD	X1, X0
	MOVQ	24(R9), BX
	MOVUPD	(BX)(AX*8), X1
	MULPD	X5, X1
	ADDPD	X1, X0
	MOVQ	32(R9), BX
	MOVUPD	(BX)(AX*8), X1
	MULPD	X6, X1
	ADDPD	X1, X0
	MOVQ	40(R9), BX
	MOVUPD	(BX)(AX*8), X1
	MULPD	X7, X1
	ADDPD	X1, X0
	MULPD	X13, X0
	// sk = atol + rtol·max(|y|, |y1|), NaN from |y1|
	MOVUPD	(SI)(AX*8), X8
	MOVUPD	(DI)(AX*8), X1
	ANDPD	X10, X8
	ANDPD	X10, X1
	MAXPD	X1, X8
	MULPD	X9, X8
	ADDPD	X14, X8
	DIVPD	X8, X0
	MULPD	X0, X0
	// the sum, element after element
	ADDSD	X0, X11
	UNPCKHPD	X0, X0
	ADDSD	X0, X11
	ADDQ	$2, AX
	JMP	loop

done:
	MOVSD	X11, err+64(FP)
	RET
