/*
 * dopri.c: the comparison side of the per-solve benchmark (testdata/bench/run.sh).
 *
 * DOPRI5 and DOP853 written from the published algorithm (Hairer, Nørsett & Wanner, Solving
 * Ordinary Differential Equations I, 2nd ed., §II.4–§II.6, and the step control of Hairer's
 * codes DOPRI5 and DOP853): Hairer's error norms, HINIT, PI controller, first-same-as-last,
 * the stiffness test every NSTIFF = 1000 accepted steps, no dense output (IOUT = 0).
 *
 * Where two ways of rounding the same formula exist, this file takes layerflow's, so that the
 * two programs make the same steps: the powers err^expo1, facold^β and HINIT's (0.01/d)^(1/q)
 * are taken as exp(·log) with layerflow's table-driven log and exp (flow/ode/pow.go: the same
 * tables and the same operations, here pow_log and pow_exp), DOP853's second stage is
 * y + h·(a21·k1), and its 3rd-order error estimate is Σ b·k − (bhh1·k1 + bhh2·k9 + bhh3·k12).
 * Compiled without fused multiply-adds (-ffp-contract=off, as Go compiles for amd64), the two
 * programs then compute the same numbers, and run.sh checks that their totals of evaluations and
 * steps agree.
 *
 * The problem is the gradient flow of the scalar deep linear network,
 *
 *     ẇ_i = −(W − 1) ∏_{j≠i} w_j,    W = ∏ w_j,
 *
 * from 1600 starts: a 40×40 grid of (a, b) in [0.2, 2.5]², w = (a, b, 1, …, 1), to t = 20 at
 * rtol 1e-8, atol 1e-10. The products are taken as prefix and suffix products, as layerflow's
 * flow.Partials does, so that both sides evaluate the same numbers.
 *
 * usage: dopri METHOD DEPTH SECONDS     METHOD is dopri5 or dop853
 * prints: method depth solves/s solves/cpu-s evaluations steps accepted rejected sum(W(20))
 * (solves per second of wall time and of the process's CPU time; the counts are totals over the
 * 1600 solves)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXN 64

static int nfcn;

static void fcn(int n, double x, const double *w, double *dw) {
	(void)x;
	double g[MAXN];
	double p = 1.0;
	for (int i = 0; i < n; i++) {
		g[i] = p;
		p *= w[i];
	}
	double W = p;
	p = 1.0;
	for (int i = n - 1; i >= 0; i--) {
		g[i] *= p;
		p *= w[i];
	}
	double a = W - 1;
	for (int i = 0; i < n; i++)
		dw[i] = -(a * g[i]);
	nfcn++;
}

typedef struct {
	int nstep, naccpt, nrejct, idid;
} stats;

/*
 * The powers of the controller: flow/ode/pow.go, operation for operation. log x =
 * k·ln 2 + log c + log1p(r) with x = 2^k·z, z in [0.6875, 1.375), c the centre of the one of
 * 128 subintervals holding z, r = (z − c)/c; exp y = 2^(k/128)·exp(r), k the nearest integer
 * to 128·y/ln 2.
 */
static const uint64_t pow_log_c[128] = { /* log c_i, correctly rounded */
	0xbfd7cc7f7db46a0eULL, 0xbfd76feecb947175ULL, 0xbfd713e33a46a17cULL, 0xbfd6b85b4cffa3fdULL,
	0xbfd65d558d4ce00bULL, 0xbfd602d08af091ecULL, 0xbfd5a8cadbbedfa1ULL, 0xbfd54f431b7be1a9ULL,
	0xbfd4f637ebba9810ULL, 0xbfd49da7f3bcc41fULL, 0xbfd44591e0539f49ULL, 0xbfd3edf463c1683eULL,
	0xbfd396ce359bbf54ULL, 0xbfd3401e12aecba1ULL, 0xbfd2e9e2bce12286ULL, 0xbfd2941afb186b7cULL,
	0xbfd23ec5991eba49ULL, 0xbfd1e9e1678899f4ULL, 0xbfd1956d3b9bc2faULL, 0xbfd14167ef367783ULL,
	0xbfd0edd060b78081ULL, 0xbfd09aa572e6c6d4ULL, 0xbfd047e60cde83b8ULL, 0xbfcfeb2233ea07cdULL,
	0xbfcf474b134df229ULL, 0xbfcea4449f04aaf5ULL, 0xbfce020cc6235ab5ULL, 0xbfcd60a17f903515ULL,
	0xbfccc000c9db3c52ULL, 0xbfcc2028ab17f9b4ULL, 0xbfcb811730b823d2ULL, 0xbfcae2ca6f672bd4ULL,
	0xbfca454082e6ab05ULL, 0xbfc9a8778debaa38ULL, 0xbfc90c6db9fcbcd9ULL, 0xbfc871213750e994ULL,
	0xbfc7d6903caf5ad0ULL, 0xbfc73cb9074fd14dULL, 0xbfc6a399dabbd383ULL, 0xbfc60b3100b09476ULL,
	0xbfc5737cc9018cddULL, 0xbfc4dc7b897bc1c8ULL, 0xbfc4462b9dc9b3dcULL, 0xbfc3b08b6757f2a9ULL,
	0xbfc31b994d3a4f85ULL, 0xbfc28753bc11aba5ULL, 0xbfc1f3b925f25d41ULL, 0xbfc160c8024b27b1ULL,
	0xbfc0ce7ecdccc28dULL, 0xbfc03cdc0a51ec0dULL, 0xbfbf57bc7d9005dbULL, 0xbfbe3707ee30487bULL,
	0xbfbd179788219364ULL, 0xbfbbf968769fca11ULL, 0xbfbadc77ee5aea8cULL, 0xbfb9c0c32d4d2548ULL,
	0xbfb8a6477a91dc29ULL, 0xbfb78d02263d82d3ULL, 0xbfb674f089365a7aULL, 0xbfb55e10050e0384ULL,
	0xbfb4485e03dbdfadULL, 0xbfb333d7f8183f4bULL, 0xbfb2207b5c78549eULL, 0xbfb10e45b3cae831ULL,
	0xbfaffa6911ab9301ULL, 0xbfadda8adc67ee4eULL, 0xbfabbcebfc68f420ULL, 0xbfa9a187b573de7cULL,
	0xbfa788595a3577baULL, 0xbfa5715c4c03ceefULL, 0xbfa35c8bfaa1306bULL, 0xbfa149e3e4005a8dULL,
	0xbf9e72bf2813ce51ULL, 0xbf9a55f548c5c43fULL, 0xbf963d6178690bd6ULL, 0xbf9228fb1fea2e28ULL,
	0xbf8c317384c75f06ULL, 0xbf841929f96832f0ULL, 0xbf78121214586b54ULL, 0xbf60040155d5889eULL,
	0x3f6ff00aa2b10bc0ULL, 0x3f87dc475f810a77ULL, 0x3f93cea44346a575ULL, 0x3f9b9fc027af9198ULL,
	0x3fa1b0d98923d980ULL, 0x3fa58a5bafc8e4d5ULL, 0x3fa95c830ec8e3ebULL, 0x3fad276b8adb0b52ULL,
	0x3fb075983598e471ULL, 0x3fb253f62f0a1417ULL, 0x3fb42edcbea646f0ULL, 0x3fb60658a93750c4ULL,
	0x3fb7da766d7b12cdULL, 0x3fb9ab42462033adULL, 0x3fbb78c82bb0eda1ULL, 0x3fbd4313d66cb35dULL,
	0x3fbf0a30c01162a6ULL, 0x3fc0671512ca596eULL, 0x3fc14785846742acULL, 0x3fc2266f190a5acbULL,
	0x3fc303d718e47fd3ULL, 0x3fc3dfc2b0ecc62aULL, 0x3fc4ba36f39a55e5ULL, 0x3fc59338d9982086ULL,
	0x3fc66acd4272ad51ULL, 0x3fc740f8f54037a5ULL, 0x3fc815c0a14357ebULL, 0x3fc8e928de886d41ULL,
	0x3fc9bb362e7dfb83ULL, 0x3fca8becfc882f19ULL, 0x3fcb5b519e8fb5a4ULL, 0x3fcc2968558c18c1ULL,
	0x3fccf6354e09c5dcULL, 0x3fcdc1bca0abec7dULL, 0x3fce8c0252aa5a60ULL, 0x3fcf550a564b7b37ULL,
	0x3fd00e6c45ad501dULL, 0x3fd071b85fcd590dULL, 0x3fd0d46b579ab74bULL, 0x3fd136870293a8b0ULL,
	0x3fd1980d2dd4236fULL, 0x3fd1f8ff9e48a2f3ULL, 0x3fd2596010df763aULL, 0x3fd2b9303ab89d25ULL,
	0x3fd31871c9544185ULL, 0x3fd3772662bfd85bULL, 0x3fd3d54fa5c1f710ULL, 0x3fd432ef2a04e814ULL,
};
static const uint64_t pow_exp2[128] = { /* 2^(j/128), correctly rounded */
	0x3ff0000000000000ULL, 0x3ff0163da9fb3335ULL, 0x3ff02c9a3e778061ULL, 0x3ff04315e86e7f85ULL,
	0x3ff059b0d3158574ULL, 0x3ff0706b29ddf6deULL, 0x3ff0874518759bc8ULL, 0x3ff09e3ecac6f383ULL,
	0x3ff0b5586cf9890fULL, 0x3ff0cc922b7247f7ULL, 0x3ff0e3ec32d3d1a2ULL, 0x3ff0fb66affed31bULL,
	0x3ff11301d0125b51ULL, 0x3ff12abdc06c31ccULL, 0x3ff1429aaea92de0ULL, 0x3ff15a98c8a58e51ULL,
	0x3ff172b83c7d517bULL, 0x3ff18af9388c8deaULL, 0x3ff1a35beb6fcb75ULL, 0x3ff1bbe084045cd4ULL,
	0x3ff1d4873168b9aaULL, 0x3ff1ed5022fcd91dULL, 0x3ff2063b88628cd6ULL, 0x3ff21f49917ddc96ULL,
	0x3ff2387a6e756238ULL, 0x3ff251ce4fb2a63fULL, 0x3ff26b4565e27cddULL, 0x3ff284dfe1f56381ULL,
	0x3ff29e9df51fdee1ULL, 0x3ff2b87fd0dad990ULL, 0x3ff2d285a6e4030bULL, 0x3ff2ecafa93e2f56ULL,
	0x3ff306fe0a31b715ULL, 0x3ff32170fc4cd831ULL, 0x3ff33c08b26416ffULL, 0x3ff356c55f929ff1ULL,
	0x3ff371a7373aa9cbULL, 0x3ff38cae6d05d866ULL, 0x3ff3a7db34e59ff7ULL, 0x3ff3c32dc313a8e5ULL,
	0x3ff3dea64c123422ULL, 0x3ff3fa4504ac801cULL, 0x3ff4160a21f72e2aULL, 0x3ff431f5d950a897ULL,
	0x3ff44e086061892dULL, 0x3ff46a41ed1d0057ULL, 0x3ff486a2b5c13cd0ULL, 0x3ff4a32af0d7d3deULL,
	0x3ff4bfdad5362a27ULL, 0x3ff4dcb299fddd0dULL, 0x3ff4f9b2769d2ca7ULL, 0x3ff516daa2cf6642ULL,
	0x3ff5342b569d4f82ULL, 0x3ff551a4ca5d920fULL, 0x3ff56f4736b527daULL, 0x3ff58d12d497c7fdULL,
	0x3ff5ab07dd485429ULL, 0x3ff5c9268a5946b7ULL, 0x3ff5e76f15ad2148ULL, 0x3ff605e1b976dc09ULL,
	0x3ff6247eb03a5585ULL, 0x3ff6434634ccc320ULL, 0x3ff6623882552225ULL, 0x3ff68155d44ca973ULL,
	0x3ff6a09e667f3bcdULL, 0x3ff6c012750bdabfULL, 0x3ff6dfb23c651a2fULL, 0x3ff6ff7df9519484ULL,
	0x3ff71f75e8ec5f74ULL, 0x3ff73f9a48a58174ULL, 0x3ff75feb564267c9ULL, 0x3ff780694fde5d3fULL,
	0x3ff7a11473eb0187ULL, 0x3ff7c1ed0130c132ULL, 0x3ff7e2f336cf4e62ULL, 0x3ff80427543e1a12ULL,
	0x3ff82589994cce13ULL, 0x3ff8471a4623c7adULL, 0x3ff868d99b4492edULL, 0x3ff88ac7d98a6699ULL,
	0x3ff8ace5422aa0dbULL, 0x3ff8cf3216b5448cULL, 0x3ff8f1ae99157736ULL, 0x3ff9145b0b91ffc6ULL,
	0x3ff93737b0cdc5e5ULL, 0x3ff95a44cbc8520fULL, 0x3ff97d829fde4e50ULL, 0x3ff9a0f170ca07baULL,
	0x3ff9c49182a3f090ULL, 0x3ff9e86319e32323ULL, 0x3ffa0c667b5de565ULL, 0x3ffa309bec4a2d33ULL,
	0x3ffa5503b23e255dULL, 0x3ffa799e1330b358ULL, 0x3ffa9e6b5579fdbfULL, 0x3ffac36bbfd3f37aULL,
	0x3ffae89f995ad3adULL, 0x3ffb0e07298db666ULL, 0x3ffb33a2b84f15fbULL, 0x3ffb59728de5593aULL,
	0x3ffb7f76f2fb5e47ULL, 0x3ffba5b030a1064aULL, 0x3ffbcc1e904bc1d2ULL, 0x3ffbf2c25bd71e09ULL,
	0x3ffc199bdd85529cULL, 0x3ffc40ab5fffd07aULL, 0x3ffc67f12e57d14bULL, 0x3ffc8f6d9406e7b5ULL,
	0x3ffcb720dcef9069ULL, 0x3ffcdf0b555dc3faULL, 0x3ffd072d4a07897cULL, 0x3ffd2f87080d89f2ULL,
	0x3ffd5818dcfba487ULL, 0x3ffd80e316c98398ULL, 0x3ffda9e603db3285ULL, 0x3ffdd321f301b460ULL,
	0x3ffdfc97337b9b5fULL, 0x3ffe264614f5a129ULL, 0x3ffe502ee78b3ff6ULL, 0x3ffe7a51fbc74c83ULL,
	0x3ffea4afa2a490daULL, 0x3ffecf482d8e67f1ULL, 0x3ffefa1bee615a27ULL, 0x3fff252b376bba97ULL,
	0x3fff50765b6e4540ULL, 0x3fff7bfdad9cbe14ULL, 0x3fffa7c1819e90d8ULL, 0x3fffd3c22b8f71f1ULL,
};
static double pow_inv_c[128];

static double from_bits(uint64_t b) {
	double x;
	memcpy(&x, &b, sizeof x);
	return x;
}

static uint64_t to_bits(double x) {
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	return b;
}

#define POW_LOG_OFF 0x3fe6000000000000ULL

static double pow_centre(uint64_t i) { return from_bits(POW_LOG_OFF + (i << 45) + (1ULL << 44)); }

static void pow_init(void) {
	for (int i = 0; i < 128; i++)
		pow_inv_c[i] = 1 / pow_centre(i);
}

static double pow_log(double x) {
	uint64_t ix = to_bits(x);
	if (ix - 0x0010000000000000ULL >= 0x7ff0000000000000ULL - 0x0010000000000000ULL)
		return log(x);
	uint64_t tmp = ix - POW_LOG_OFF;
	uint64_t i = (tmp >> 45) & 127;
	double k = (double)((int64_t)tmp >> 52);
	double z = from_bits(ix - (tmp & (0xfffULL << 52)));
	double r = (z - pow_centre(i)) * pow_inv_c[i];
	double r2 = r * r;
	double p = (-0.5 + r * (1.0 / 3)) + r2 * ((-0.25 + r * 0.2) + r2 * (-1.0 / 6 + r * (1.0 / 7)));
	double t = k * 0x1.62e42fefa3800p-1 + from_bits(pow_log_c[i]);
	double hi = t + r;
	double lo = (t - hi + r) + k * 0x1.ef35793c76730p-45;
	return hi + (lo + r2 * p);
}

static double pow_exp(double y) {
	if (!(fabs(y) < 700))
		return exp(y);
	double kd = y * 0x1.71547652b82fep7 + 0x1.8p52;
	uint64_t ki = to_bits(kd);
	kd -= 0x1.8p52;
	double r = y - kd * 0x1.62e42fefa0000p-8 - kd * 0x1.cf79abc9e3b3ap-47;
	uint64_t j = ki & 127;
	double scale = from_bits(pow_exp2[j] + ((ki - j) << 45));
	double r2 = r * r;
	double p = r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120)));
	return scale + scale * p;
}

static double sign(double a, double b) { return b >= 0 ? fabs(a) : -fabs(a); }

/* HINIT of Hairer's codes: the initial step size from one Euler probe. */
static double hinit(int n, double x, const double *y, double posneg, const double *f0, double *f1, double *y1,
                    int iord, double hmax, double atol, double rtol) {
	double dnf = 0, dny = 0;
	for (int i = 0; i < n; i++) {
		double sk = atol + rtol * fabs(y[i]);
		dnf += (f0[i] / sk) * (f0[i] / sk);
		dny += (y[i] / sk) * (y[i] / sk);
	}
	double h;
	if (dnf <= 1e-10 || dny <= 1e-10)
		h = 1.0e-6;
	else
		h = sqrt(dny / dnf) * 0.01;
	h = fmin(h, hmax);
	h = sign(h, posneg);
	for (int i = 0; i < n; i++)
		y1[i] = y[i] + h * f0[i];
	fcn(n, x + h, y1, f1);
	double der2 = 0;
	for (int i = 0; i < n; i++) {
		double sk = atol + rtol * fabs(y[i]);
		der2 += ((f1[i] - f0[i]) / sk) * ((f1[i] - f0[i]) / sk);
	}
	der2 = sqrt(der2) / h;
	double der12 = fmax(fabs(der2), sqrt(dnf));
	double h1;
	if (der12 <= 1e-15)
		h1 = fmax(1.0e-6, fabs(h) * 1.0e-3);
	else
		h1 = pow_exp((1.0 / iord) * pow_log(0.01 / der12));
	h = fmin(100 * fabs(h), fmin(h1, hmax));
	return sign(h, posneg);
}

static const double uround = 2.3e-16;

/* dopri5: Dormand & Prince 5(4) with Hairer's controller (safe 0.9, fac1 0.2, fac2 10, beta 0.04). */
static void dopri5(int n, double x, double *y, double xend, double rtol, double atol, stats *st) {
	static const double c2 = 0.2, c3 = 0.3, c4 = 0.8, c5 = 8.0 / 9.0, a21 = 0.2, a31 = 3.0 / 40.0,
	                    a32 = 9.0 / 40.0, a41 = 44.0 / 45.0, a42 = -56.0 / 15.0, a43 = 32.0 / 9.0,
	                    a51 = 19372.0 / 6561.0, a52 = -25360.0 / 2187.0, a53 = 64448.0 / 6561.0,
	                    a54 = -212.0 / 729.0, a61 = 9017.0 / 3168.0, a62 = -355.0 / 33.0,
	                    a63 = 46732.0 / 5247.0, a64 = 49.0 / 176.0, a65 = -5103.0 / 18656.0,
	                    a71 = 35.0 / 384.0, a73 = 500.0 / 1113.0, a74 = 125.0 / 192.0,
	                    a75 = -2187.0 / 6784.0, a76 = 11.0 / 84.0, e1 = 71.0 / 57600.0,
	                    e3 = -71.0 / 16695.0, e4 = 71.0 / 1920.0, e5 = -17253.0 / 339200.0,
	                    e6 = 22.0 / 525.0, e7 = -1.0 / 40.0;
	const double safe = 0.9, fac1 = 0.2, fac2 = 10.0, beta = 0.04;
	const int nmax = 100000, nstiff = 1000;
	double k1[MAXN], k2[MAXN], k3[MAXN], k4[MAXN], k5[MAXN], k6[MAXN], y1[MAXN], ysti[MAXN];
	double facold = 1.0e-4, expo1 = 0.2 - beta * 0.75, facc1 = 1.0 / fac1, facc2 = 1.0 / fac2;
	double posneg = sign(1.0, xend - x), hmax = fabs(xend - x);
	int last = 0, reject = 0, iasti = 0, nonsti = 0;
	memset(st, 0, sizeof *st);
	fcn(n, x, y, k1);
	double h = hinit(n, x, y, posneg, k1, k2, k3, 5, hmax, atol, rtol);
	for (;;) {
		if (st->nstep > nmax) {
			st->idid = -2;
			return;
		}
		if (0.1 * fabs(h) <= fabs(x) * uround) {
			st->idid = -3;
			return;
		}
		if ((x + 1.01 * h - xend) * posneg > 0.0) {
			h = xend - x;
			last = 1;
		}
		st->nstep++;
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * a21 * k1[i];
		fcn(n, x + c2 * h, y1, k2);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
		fcn(n, x + c3 * h, y1, k3);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
		fcn(n, x + c4 * h, y1, k4);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
		fcn(n, x + c5 * h, y1, k5);
		for (int i = 0; i < n; i++)
			ysti[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
		double xph = x + h;
		fcn(n, xph, ysti, k6);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
		fcn(n, xph, y1, k2);
		for (int i = 0; i < n; i++)
			k4[i] = (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k2[i]) * h;
		double err = 0;
		for (int i = 0; i < n; i++) {
			double sk = atol + rtol * fmax(fabs(y[i]), fabs(y1[i]));
			err += (k4[i] / sk) * (k4[i] / sk);
		}
		err = sqrt(err / n);
		double fac11 = pow_exp(expo1 * pow_log(err));
		double fac = fac11 / pow_exp(beta * pow_log(facold));
		fac = fmax(facc2, fmin(facc1, fac / safe));
		double hnew = h / fac;
		if (err <= 1.0) {
			facold = fmax(err, 1.0e-4);
			st->naccpt++;
			if (st->naccpt % nstiff == 0 || iasti > 0) {
				double stnum = 0, stden = 0;
				for (int i = 0; i < n; i++) {
					stnum += (k2[i] - k6[i]) * (k2[i] - k6[i]);
					stden += (y1[i] - ysti[i]) * (y1[i] - ysti[i]);
				}
				if (stden > 0 && fabs(h) * sqrt(stnum / stden) > 3.25) {
					nonsti = 0;
					iasti++;
				} else if (++nonsti == 6) {
					iasti = 0;
				}
			}
			memcpy(k1, k2, n * sizeof(double));
			memcpy(y, y1, n * sizeof(double));
			x = xph;
			if (last) {
				st->idid = 1;
				return;
			}
			if (fabs(hnew) > hmax)
				hnew = posneg * hmax;
			if (reject)
				hnew = posneg * fmin(fabs(hnew), fabs(h));
			reject = 0;
		} else {
			hnew = h / fmin(facc1, fac11 / safe);
			reject = 1;
			if (st->naccpt >= 1)
				st->nrejct++;
			last = 0;
		}
		h = hnew;
	}
}

/* The coefficients of dop853 (Hairer's dop853.f). */
static const double
    c2 = 0.526001519587677318785587544488e-01, c3 = 0.789002279381515978178381316732e-01,
    c4 = 0.118350341907227396726757197510e+00, c5 = 0.281649658092772603273242802490e+00,
    c6 = 0.333333333333333333333333333333e+00, c7 = 0.25e+00, c8 = 0.307692307692307692307692307692e+00,
    c9 = 0.651282051282051282051282051282e+00, c10 = 0.6e+00, c11 = 0.857142857142857142857142857142e+00,
    b1 = 5.42937341165687622380535766363e-2, b6 = 4.45031289275240888144113950566e0,
    b7 = 1.89151789931450038304281599044e0, b8 = -5.8012039600105847814672114227e0,
    b9 = 3.1116436695781989440891606237e-1, b10 = -1.52160949662516078556178806805e-1,
    b11 = 2.01365400804030348374776537501e-1, b12 = 4.47106157277725905176885569043e-2,
    bhh1 = 0.244094488188976377952755905512e+00, bhh2 = 0.733846688281611857341361741547e+00,
    bhh3 = 0.220588235294117647058823529412e-01, er1 = 0.1312004499419488073250102996e-01,
    er6 = -0.1225156446376204440720569753e+01, er7 = -0.4957589496572501915214079952e+00,
    er8 = 0.1664377182454986536961530415e+01, er9 = -0.3503288487499736816886487290e+00,
    er10 = 0.3341791187130174790297318841e+00, er11 = 0.8192320648511571246570742613e-01,
    er12 = -0.2235530786388629525884427845e-01, a21 = 5.26001519587677318785587544488e-2,
    a31 = 1.97250569845378994544595329183e-2, a32 = 5.91751709536136983633785987549e-2,
    a41 = 2.95875854768068491816892993775e-2, a43 = 8.87627564304205475450678981324e-2,
    a51 = 2.41365134159266685502369798665e-1, a53 = -8.84549479328286085344864962717e-1,
    a54 = 9.24834003261792003115737966543e-1, a61 = 3.7037037037037037037037037037e-2,
    a64 = 1.70828608729473871279604482173e-1, a65 = 1.25467687566822425016691814123e-1,
    a71 = 3.7109375e-2, a74 = 1.70252211019544039314978060272e-1, a75 = 6.02165389804559606850219397283e-2,
    a76 = -1.7578125e-2, a81 = 3.70920001185047927108779319836e-2, a84 = 1.70383925712239993810214054705e-1,
    a85 = 1.07262030446373284651809199168e-1, a86 = -1.53194377486244017527936158236e-2,
    a87 = 8.27378916381402288758473766002e-3, a91 = 6.24110958716075717114429577812e-1,
    a94 = -3.36089262944694129406857109825e0, a95 = -8.68219346841726006818189891453e-1,
    a96 = 2.75920996994467083049415600797e1, a97 = 2.01540675504778934086186788979e1,
    a98 = -4.34898841810699588477366255144e1, a101 = 4.77662536438264365890433908527e-1,
    a104 = -2.48811461997166764192642586468e0, a105 = -5.90290826836842996371446475743e-1,
    a106 = 2.12300514481811942347288949897e1, a107 = 1.52792336328824235832596922938e1,
    a108 = -3.32882109689848629194453265587e1, a109 = -2.03312017085086261358222928593e-2,
    a111 = -9.3714243008598732571704021658e-1, a114 = 5.18637242884406370830023853209e0,
    a115 = 1.09143734899672957818500254654e0, a116 = -8.14978701074692612513997267357e0,
    a117 = -1.85200656599969598641566180701e1, a118 = 2.27394870993505042818970056734e1,
    a119 = 2.49360555267965238987089396762e0, a1110 = -3.0467644718982195003823669022e0,
    a121 = 2.27331014751653820792359768449e0, a124 = -1.05344954667372501984066689879e1,
    a125 = -2.00087205822486249909675718444e0, a126 = -1.79589318631187989172765950534e1,
    a127 = 2.79488845294199600508499808837e1, a128 = -2.85899827713502369474065508674e0,
    a129 = -8.87285693353062954433549289258e0, a1210 = 1.23605671757943030647266201528e1,
    a1211 = 6.43392746015763530355970484046e-1;

/* dop853: Dormand & Prince 8(5,3) with Hairer's controller (safe 0.9, fac1 0.333, fac2 6, beta 0). */
static void dop853(int n, double x, double *y, double xend, double rtol, double atol, stats *st) {
	const double safe = 0.9, fac1 = 0.333, fac2 = 6.0, beta = 0.0;
	const int nmax = 100000, nstiff = 1000;
	double k1[MAXN], k2[MAXN], k3[MAXN], k4[MAXN], k5[MAXN], k6[MAXN], k7[MAXN], k8[MAXN], k9[MAXN],
	    k10[MAXN], y1[MAXN];
	double facold = 1.0e-4, expo1 = 1.0 / 8.0 - beta * 0.2, facc1 = 1.0 / fac1, facc2 = 1.0 / fac2;
	double posneg = sign(1.0, xend - x), hmax = fabs(xend - x);
	int last = 0, reject = 0, iasti = 0, nonsti = 0;
	memset(st, 0, sizeof *st);
	fcn(n, x, y, k1);
	double h = hinit(n, x, y, posneg, k1, k2, k3, 8, hmax, atol, rtol);
	for (;;) {
		if (st->nstep > nmax) {
			st->idid = -2;
			return;
		}
		if (0.1 * fabs(h) <= fabs(x) * uround) {
			st->idid = -3;
			return;
		}
		if ((x + 1.01 * h - xend) * posneg > 0.0) {
			h = xend - x;
			last = 1;
		}
		st->nstep++;
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a21 * k1[i]);
		fcn(n, x + c2 * h, y1, k2);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
		fcn(n, x + c3 * h, y1, k3);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a41 * k1[i] + a43 * k3[i]);
		fcn(n, x + c4 * h, y1, k4);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a51 * k1[i] + a53 * k3[i] + a54 * k4[i]);
		fcn(n, x + c5 * h, y1, k5);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a61 * k1[i] + a64 * k4[i] + a65 * k5[i]);
		fcn(n, x + c6 * h, y1, k6);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a71 * k1[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
		fcn(n, x + c7 * h, y1, k7);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a81 * k1[i] + a84 * k4[i] + a85 * k5[i] + a86 * k6[i] + a87 * k7[i]);
		fcn(n, x + c8 * h, y1, k8);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a91 * k1[i] + a94 * k4[i] + a95 * k5[i] + a96 * k6[i] + a97 * k7[i] + a98 * k8[i]);
		fcn(n, x + c9 * h, y1, k9);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a101 * k1[i] + a104 * k4[i] + a105 * k5[i] + a106 * k6[i] + a107 * k7[i] +
			                    a108 * k8[i] + a109 * k9[i]);
		fcn(n, x + c10 * h, y1, k10);
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a111 * k1[i] + a114 * k4[i] + a115 * k5[i] + a116 * k6[i] + a117 * k7[i] +
			                    a118 * k8[i] + a119 * k9[i] + a1110 * k10[i]);
		fcn(n, x + c11 * h, y1, k2);
		double xph = x + h;
		for (int i = 0; i < n; i++)
			y1[i] = y[i] + h * (a121 * k1[i] + a124 * k4[i] + a125 * k5[i] + a126 * k6[i] + a127 * k7[i] +
			                    a128 * k8[i] + a129 * k9[i] + a1210 * k10[i] + a1211 * k2[i]);
		fcn(n, xph, y1, k3);
		for (int i = 0; i < n; i++) {
			k4[i] = b1 * k1[i] + b6 * k6[i] + b7 * k7[i] + b8 * k8[i] + b9 * k9[i] + b10 * k10[i] +
			        b11 * k2[i] + b12 * k3[i];
			k5[i] = y[i] + h * k4[i];
		}
		double err = 0, err2 = 0;
		for (int i = 0; i < n; i++) {
			double sk = atol + rtol * fmax(fabs(y[i]), fabs(k5[i]));
			double erri = k4[i] - (bhh1 * k1[i] + bhh2 * k9[i] + bhh3 * k3[i]);
			err2 += (erri / sk) * (erri / sk);
			erri = er1 * k1[i] + er6 * k6[i] + er7 * k7[i] + er8 * k8[i] + er9 * k9[i] + er10 * k10[i] +
			       er11 * k2[i] + er12 * k3[i];
			err += (erri / sk) * (erri / sk);
		}
		double deno = err + 0.01 * err2;
		if (deno <= 0.0)
			deno = 1.0;
		err = fabs(h) * err * sqrt(1.0 / (n * deno));
		double fac11 = pow_exp(expo1 * pow_log(err));
		double fac = fac11 / pow_exp(beta * pow_log(facold));
		fac = fmax(facc2, fmin(facc1, fac / safe));
		double hnew = h / fac;
		if (err <= 1.0) {
			facold = fmax(err, 1.0e-4);
			st->naccpt++;
			fcn(n, xph, k5, k4);
			if (st->naccpt % nstiff == 0 || iasti > 0) {
				double stnum = 0, stden = 0;
				for (int i = 0; i < n; i++) {
					stnum += (k4[i] - k3[i]) * (k4[i] - k3[i]);
					stden += (k5[i] - y1[i]) * (k5[i] - y1[i]);
				}
				if (stden > 0 && fabs(h) * sqrt(stnum / stden) > 6.1) {
					nonsti = 0;
					iasti++;
				} else if (++nonsti == 6) {
					iasti = 0;
				}
			}
			memcpy(k1, k4, n * sizeof(double));
			memcpy(y, k5, n * sizeof(double));
			x = xph;
			if (last) {
				st->idid = 1;
				return;
			}
			if (fabs(hnew) > hmax)
				hnew = posneg * hmax;
			if (reject)
				hnew = posneg * fmin(fabs(hnew), fabs(h));
			reject = 0;
		} else {
			hnew = h / fmin(facc1, fac11 / safe);
			reject = 1;
			if (st->naccpt >= 1)
				st->nrejct++;
			last = 0;
		}
		h = hnew;
	}
}

static double now(clockid_t c) {
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: dopri dopri5|dop853 DEPTH SECONDS\n");
		return 2;
	}
	int d5 = strcmp(argv[1], "dopri5") == 0;
	if (!d5 && strcmp(argv[1], "dop853") != 0) {
		fprintf(stderr, "dopri: unknown method %s\n", argv[1]);
		return 2;
	}
	pow_init();
	int n = atoi(argv[2]);
	double secs = atof(argv[3]);
	if (n < 2 || n > MAXN) {
		fprintf(stderr, "dopri: depth %d out of 2..%d\n", n, MAXN);
		return 2;
	}
	const int grid = 40;
	long solves = 0;
	stats st, tot;
	double sumW = 0;
	double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID), el;
	do {
		memset(&tot, 0, sizeof tot);
		sumW = 0;
		nfcn = 0;
		for (int i = 0; i < grid; i++) {
			for (int j = 0; j < grid; j++) {
				double y[MAXN];
				for (int k = 0; k < n; k++)
					y[k] = 1;
				y[0] = 0.2 + (2.5 - 0.2) * i / (grid - 1);
				y[1] = 0.2 + (2.5 - 0.2) * j / (grid - 1);
				if (d5)
					dopri5(n, 0, y, 20, 1e-8, 1e-10, &st);
				else
					dop853(n, 0, y, 20, 1e-8, 1e-10, &st);
				if (st.idid != 1) {
					fprintf(stderr, "dopri: solve failed (idid %d)\n", st.idid);
					return 1;
				}
				tot.nstep += st.nstep;
				tot.naccpt += st.naccpt;
				tot.nrejct += st.nrejct;
				double W = 1;
				for (int k = 0; k < n; k++)
					W *= y[k];
				sumW += W;
				solves++;
			}
		}
		el = now(CLOCK_MONOTONIC) - t0;
	} while (el < secs);
	double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("%s %d %.0f %.0f %d %d %d %d %.17g\n", argv[1], n, solves / el, solves / cpu, nfcn, tot.nstep,
	       tot.naccpt, tot.nrejct, sumW);
	return 0;
}
