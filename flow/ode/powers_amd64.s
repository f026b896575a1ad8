#include "textflag.h"

// The step-size controller's two powers in one call, for ctlPowers (powers_amd64.go): the
// algorithms of GOROOT/src/math/log_amd64.s and exp_amd64.s, instruction for instruction on
// the path they take for the arguments given here (err a positive normal number, the exponents
// of exp within ±700), without their tests of special cases, the call wrapper and the memory
// round trip of each argument and result. exp fuses where exp_amd64.s fuses, when ·expFMA says
// that math.Exp takes its fused path on this CPU.

DATA ctlconst<>+0(SB)/8, $0.5
DATA ctlconst<>+8(SB)/8, $1.0
DATA ctlconst<>+16(SB)/8, $2.0
DATA ctlconst<>+24(SB)/8, $1.6666666666666666667e-1
DATA ctlconst<>+32(SB)/8, $4.1666666666666666667e-2
DATA ctlconst<>+40(SB)/8, $8.3333333333333333333e-3
DATA ctlconst<>+48(SB)/8, $1.3888888888888888889e-3
DATA ctlconst<>+56(SB)/8, $1.9841269841269841270e-4
DATA ctlconst<>+64(SB)/8, $2.4801587301587301587e-5
GLOBL ctlconst<>+0(SB), RODATA, $72

#define LOG2E 1.4426950408889634073599246810018920
#define LN2U 0.69314718055966295651160180568695068359375
#define LN2L 0.28235290563031577122588448175013436025525412068e-12
#define HSqrt2 7.07106781186547524401e-01
#define Ln2Hi 6.93147180369123816490e-01
#define Ln2Lo 1.90821492927058770002e-10
#define L1 6.666666666666735130e-01
#define L2 3.999999999940941908e-01
#define L3 2.857142874366239149e-01
#define L4 2.222219843214978396e-01
#define L5 1.818357216161805012e-01
#define L6 1.531383769920937332e-01
#define L7 1.479819860511658591e-01

// EXPREDUCE: X0 = x in, BX = k = round(x·log₂e) (CVTSD2SL: to nearest, ties to even), X1 = k.
#define EXPREDUCE \
	MOVSD	$LOG2E, X1; \
	MULSD	X0, X1; \
	CVTSD2SL	X1, BX; \
	CVTSL2SD	BX, X1

// EXPPLAIN: exp_amd64.s's unfused evaluation; X0 = r on entry (x), the mantissa on exit.
#define EXPPLAIN \
	MOVSD	$LN2U, X2; \
	MULSD	X1, X2; \
	SUBSD	X2, X0; \
	MOVSD	$LN2L, X2; \
	MULSD	X1, X2; \
	SUBSD	X2, X0; \
	MULSD	$0.0625, X0; \
	MOVSD	ctlconst<>+64(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+56(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+48(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+40(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+32(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+24(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+0(SB), X1; \
	MULSD	X0, X1; \
	ADDSD	ctlconst<>+8(SB), X1; \
	MULSD	X1, X0; \
	MOVSD	ctlconst<>+16(SB), X1; \
	ADDSD	X0, X1; \
	MULSD	X1, X0; \
	MOVSD	ctlconst<>+16(SB), X1; \
	ADDSD	X0, X1; \
	MULSD	X1, X0; \
	MOVSD	ctlconst<>+16(SB), X1; \
	ADDSD	X0, X1; \
	MULSD	X1, X0; \
	MOVSD	ctlconst<>+16(SB), X1; \
	ADDSD	X0, X1; \
	MULSD	X1, X0; \
	ADDSD	ctlconst<>+8(SB), X0

// EXPFUSED: exp_amd64.s's fused evaluation (its avxfma path), the same registers.
#define EXPFUSED \
	MOVSD	$LN2U, X2; \
	VFNMADD231SD	X2, X1, X0; \
	MOVSD	$LN2L, X2; \
	VFNMADD231SD	X2, X1, X0; \
	MULSD	$0.0625, X0; \
	MOVSD	ctlconst<>+64(SB), X1; \
	VFMADD213SD	ctlconst<>+56(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+48(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+40(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+32(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+24(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+0(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+8(SB), X0, X1; \
	MULSD	X1, X0; \
	VADDSD	ctlconst<>+16(SB), X0, X1; \
	MULSD	X1, X0; \
	VADDSD	ctlconst<>+16(SB), X0, X1; \
	MULSD	X1, X0; \
	VADDSD	ctlconst<>+16(SB), X0, X1; \
	MULSD	X1, X0; \
	VADDSD	ctlconst<>+16(SB), X0, X1; \
	VFMADD213SD	ctlconst<>+8(SB), X1, X0

// EXPSCALE: X0 = mantissa·2^k (k + 1023 is in [1, 2046] for |x| < 700).
#define EXPSCALE \
	ADDL	$0x3FF, BX; \
	SHLQ	$52, BX; \
	MOVQ	BX, X1; \
	MULSD	X1, X0

// func ctlPowersAsm(err, expo, beta, logMin float64) (pow, powOld float64)
//
// With l = log(err): pow = exp(expo·l), powOld = exp(beta·l), or exp(beta·logMin) when
// err < 1e-4 (1 without a second exp when beta is 0). err must be a positive normal number and
// |expo|, |beta| ≤ 0.9.
TEXT ·ctlPowersAsm(SB), NOSPLIT, $0-48
	// log (log_amd64.s from its Frexp on): X1 = k, X2 = f1, then l in X1.
	MOVQ	err+0(FP), BX
	MOVQ	BX, X0
	MOVQ	$0x000FFFFFFFFFFFFF, AX
	MOVQ	AX, X2
	ANDPD	X0, X2
	MOVSD	$0.5, X0
	ORPD	X0, X2
	SHRQ	$52, BX
	ANDL	$0x7FF, BX
	SUBL	$0x3FE, BX
	XORPS	X1, X1
	CVTSL2SD	BX, X1
	MOVSD	$HSqrt2, X0
	CMPSD	X2, X0, 5
	MOVSD	$1.0, X3
	ANDPD	X0, X3
	SUBSD	X3, X1
	MOVSD	$1.0, X0
	ADDSD	X0, X3
	MULSD	X3, X2
	SUBSD	X0, X2
	MOVSD	$2.0, X0
	ADDSD	X2, X0
	MOVAPD	X2, X3
	DIVSD	X0, X3
	MOVAPD	X3, X4
	MULSD	X4, X4
	MOVAPD	X4, X5
	MULSD	X5, X5
	MOVSD	$L7, X6
	MULSD	X5, X6
	ADDSD	$L5, X6
	MULSD	X5, X6
	ADDSD	$L3, X6
	MULSD	X5, X6
	ADDSD	$L1, X6
	MULSD	X6, X4
	MOVSD	$L6, X6
	MULSD	X5, X6
	ADDSD	$L4, X6
	MULSD	X5, X6
	ADDSD	$L2, X6
	MULSD	X6, X5
	ADDSD	X5, X4
	MOVSD	$0.5, X0
	MULSD	X2, X0
	MULSD	X2, X0
	ADDSD	X0, X4
	MULSD	X4, X3
	MOVSD	$Ln2Lo, X4
	MULSD	X1, X4
	ADDSD	X4, X3
	SUBSD	X3, X0
	SUBSD	X2, X0
	MULSD	$Ln2Hi, X1
	SUBSD	X0, X1
	// X7 = the logarithm of the old power: l, or logMin when err < 1e-4.
	MOVAPD	X1, X7
	MOVSD	err+0(FP), X3
	MOVSD	$1e-4, X4
	UCOMISD	X4, X3
	JAE	kept
	MOVSD	logMin+24(FP), X7
kept:
	MOVSD	expo+8(FP), X0
	MULSD	X1, X0
	CMPB	·expFMA(SB), $1
	JEQ	fused
	EXPREDUCE
	EXPPLAIN
	EXPSCALE
	MOVSD	X0, pow+32(FP)
	MOVSD	beta+16(FP), X0
	XORPS	X1, X1
	UCOMISD	X1, X0
	JEQ	one
	MULSD	X7, X0
	EXPREDUCE
	EXPPLAIN
	EXPSCALE
	MOVSD	X0, powOld+40(FP)
	RET
fused:
	EXPREDUCE
	EXPFUSED
	EXPSCALE
	MOVSD	X0, pow+32(FP)
	MOVSD	beta+16(FP), X0
	XORPS	X1, X1
	UCOMISD	X1, X0
	JEQ	one
	MULSD	X7, X0
	EXPREDUCE
	EXPFUSED
	EXPSCALE
	MOVSD	X0, powOld+40(FP)
	RET
one:
	// β = 0 (DOP853): exp(±0) = 1, as the algorithm gives it.
	MOVSD	$1.0, X0
	MOVSD	X0, powOld+40(FP)
	RET
