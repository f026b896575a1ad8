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
 * are taken as exp(·log), DOP853's second stage is y + h·(a21·k1), and its 3rd-order error
 * estimate is Σ b·k − (bhh1·k1 + bhh2·k9 + bhh3·k12). The two libm's exp and log may still
 * differ in the last bit, which can move a step that sits at err ≈ 1 of a few of the 1600
 * solves (run.sh prints both totals).
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
		h1 = exp((1.0 / iord) * log(0.01 / der12));
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
		double fac11 = exp(expo1 * log(err));
		double fac = fac11 / exp(beta * log(facold));
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
		double fac11 = exp(expo1 * log(err));
		double fac = fac11 / exp(beta * log(facold));
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
