package ode

import "math"

// DOP853 is the explicit Runge–Kutta method of order 8 of Dormand and Prince with
// error estimators of orders 5 and 3 and a dense output of order 7, as implemented in
// Hairer's dop853.f (Hairer, Nørsett & Wanner, Solving Ordinary Differential Equations I,
// 2nd ed., §II.5 and §II.6; Prince & Dormand, J. Comp. Appl. Math. 7, 1981; Dormand &
// Prince, J. Comp. Appl. Math. 6, 1980).
//
// A step takes 12 stages, the first of which is the derivative at the start of the step
// (supplied by the driver), so it costs 11 evaluations. The 13th stage, f(t+h, y1), is
// evaluated on acceptance and reused as the first stage of the next step. Dense output
// costs 3 more evaluations (stages 14, 15 and 16) per accepted step.
//
// The zero value is ready for Init. All buffers are allocated in Init: Step, Accept and
// Interpolate do not allocate.
type DOP853 struct {
	f Func
	n int

	// k[s] is the derivative of stage s+1.
	k [16][]float64
	// y0 and y1 are the states at the start and the end of the last step; ys is the
	// argument of the last stage evaluated.
	y0, y1, ys []float64
	t, h       float64

	// cont holds Hairer's rcont1..rcont8 of the last accepted step, which started at
	// tOld and had size hOld.
	cont       [8][]float64
	tOld, hOld float64
	dense      bool

	// hlamb is the stiffness estimate |h·λ| of the last accepted step.
	hlamb float64
}

var _ Method = (*DOP853)(nil)

// dop853Row is a sparse linear combination Σ a[q]·k[j[q]] of stage derivatives.
type dop853Row struct {
	j []int
	a []float64
}

// dop853Stage gives the node c and the coefficients of the argument of one stage.
type dop853Stage struct {
	c float64
	dop853Row
}

// dop853Stages[s] defines stage s+1 for s = 1..15. Entry 0 (the first stage) and
// entry 12 (stage 13, f at the end of the step with the weights dop853B) are empty.
var dop853Stages = [16]dop853Stage{
	1: {c: 0.526001519587677318785587544488e-01, dop853Row: dop853Row{
		j: []int{0},
		a: []float64{5.26001519587677318785587544488e-2},
	}},
	2: {c: 0.789002279381515978178381316732e-01, dop853Row: dop853Row{
		j: []int{0, 1},
		a: []float64{1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2},
	}},
	3: {c: 0.118350341907227396726757197510e+00, dop853Row: dop853Row{
		j: []int{0, 2},
		a: []float64{2.95875854768068491816892993775e-2, 8.87627564304205475450678981324e-2},
	}},
	4: {c: 0.281649658092772603273242802490e+00, dop853Row: dop853Row{
		j: []int{0, 2, 3},
		a: []float64{
			2.41365134159266685502369798665e-1,
			-8.84549479328286085344864962717e-1,
			9.24834003261792003115737966543e-1,
		},
	}},
	5: {c: 0.333333333333333333333333333333e+00, dop853Row: dop853Row{
		j: []int{0, 3, 4},
		a: []float64{
			3.7037037037037037037037037037e-2,
			1.70828608729473871279604482173e-1,
			1.25467687566822425016691814123e-1,
		},
	}},
	6: {c: 0.25, dop853Row: dop853Row{
		j: []int{0, 3, 4, 5},
		a: []float64{
			3.7109375e-2,
			1.70252211019544039314978060272e-1,
			6.02165389804559606850219397283e-2,
			-1.7578125e-2,
		},
	}},
	7: {c: 0.307692307692307692307692307692e+00, dop853Row: dop853Row{
		j: []int{0, 3, 4, 5, 6},
		a: []float64{
			3.70920001185047927108779319836e-2,
			1.70383925712239993810214054705e-1,
			1.07262030446373284651809199168e-1,
			-1.53194377486244017527936158236e-2,
			8.27378916381402288758473766002e-3,
		},
	}},
	8: {c: 0.651282051282051282051282051282e+00, dop853Row: dop853Row{
		j: []int{0, 3, 4, 5, 6, 7},
		a: []float64{
			6.24110958716075717114429577812e-1,
			-3.36089262944694129406857109825e0,
			-8.68219346841726006818189891453e-1,
			2.75920996994467083049415600797e1,
			2.01540675504778934086186788979e1,
			-4.34898841810699588477366255144e1,
		},
	}},
	9: {c: 0.6, dop853Row: dop853Row{
		j: []int{0, 3, 4, 5, 6, 7, 8},
		a: []float64{
			4.77662536438264365890433908527e-1,
			-2.48811461997166764192642586468e0,
			-5.90290826836842996371446475743e-1,
			2.12300514481811942347288949897e1,
			1.52792336328824235832596922938e1,
			-3.32882109689848629194453265587e1,
			-2.03312017085086261358222928593e-2,
		},
	}},
	10: {c: 0.857142857142857142857142857142e+00, dop853Row: dop853Row{
		j: []int{0, 3, 4, 5, 6, 7, 8, 9},
		a: []float64{
			-9.3714243008598732571704021658e-1,
			5.18637242884406370830023853209e0,
			1.09143734899672957818500254654e0,
			-8.14978701074692612513997267357e0,
			-1.85200656599969598641566180701e1,
			2.27394870993505042818970056734e1,
			2.49360555267965238987089396762e0,
			-3.0467644718982195003823669022e0,
		},
	}},
	11: {c: 1, dop853Row: dop853Row{
		j: []int{0, 3, 4, 5, 6, 7, 8, 9, 10},
		a: []float64{
			2.27331014751653820792359768449e0,
			-1.05344954667372501984066689879e1,
			-2.00087205822486249909675718444e0,
			-1.79589318631187989172765950534e1,
			2.79488845294199600508499808837e1,
			-2.85899827713502369474065508674e0,
			-8.87285693353062954433549289258e0,
			1.23605671757943030647266201528e1,
			6.43392746015763530355970484046e-1,
		},
	}},
	12: {c: 1},
	13: {c: 0.1, dop853Row: dop853Row{
		j: []int{0, 6, 7, 8, 9, 10, 11, 12},
		a: []float64{
			5.61675022830479523392909219681e-2,
			2.53500210216624811088794765333e-1,
			-2.46239037470802489917441475441e-1,
			-1.24191423263816360469010140626e-1,
			1.5329179827876569731206322685e-1,
			8.20105229563468988491666602057e-3,
			7.56789766054569976138603589584e-3,
			-8.298e-3,
		},
	}},
	14: {c: 0.2, dop853Row: dop853Row{
		j: []int{0, 5, 6, 7, 10, 11, 12, 13},
		a: []float64{
			3.18346481635021405060768473261e-2,
			2.83009096723667755288322961402e-2,
			5.35419883074385676223797384372e-2,
			-5.49237485713909884646569340306e-2,
			-1.08347328697249322858509316994e-4,
			3.82571090835658412954920192323e-4,
			-3.40465008687404560802977114492e-4,
			1.41312443674632500278074618366e-1,
		},
	}},
	15: {c: 0.777777777777777777777777777778e+00, dop853Row: dop853Row{
		j: []int{0, 5, 6, 7, 8, 12, 13, 14},
		a: []float64{
			-4.28896301583791923408573538692e-1,
			-4.69762141536116384314449447206e0,
			7.68342119606259904184240953878e0,
			4.06898981839711007970213554331e0,
			3.56727187455281109270669543021e-1,
			-1.39902416515901462129418009734e-3,
			2.9475147891527723389556272149e0,
			-9.15095847217987001081870187138e0,
		},
	}},
}

// dop853B are the weights of the 8th-order solution and dop853E5 (Hairer's er1..er12) those
// of the 5th-order error estimator. The 3rd-order estimator is Σ (b − bhh)·k.
var (
	dop853B = dop853Row{
		j: []int{0, 5, 6, 7, 8, 9, 10, 11},
		a: []float64{
			5.42937341165687622380535766363e-2,
			4.45031289275240888144113950566e0,
			1.89151789931450038304281599044e0,
			-5.8012039600105847814672114227e0,
			3.1116436695781989440891606237e-1,
			-1.52160949662516078556178806805e-1,
			2.01365400804030348374776537501e-1,
			4.47106157277725905176885569043e-2,
		},
	}
	dop853E5 = dop853Row{
		j: []int{0, 5, 6, 7, 8, 9, 10, 11},
		a: []float64{
			0.1312004499419488073250102996e-01,
			-0.1225156446376204440720569753e+01,
			-0.4957589496572501915214079952e+00,
			0.1664377182454986536961530415e+01,
			-0.3503288487499736816886487290e+00,
			0.3341791187130174790297318841e+00,
			0.8192320648511571246570742613e-01,
			-0.2235530786388629525884427845e-01,
		},
	}
	// dop853BHH are the weights of the 3rd-order embedded solution on stages 1, 9 and 12.
	dop853BHH = dop853Row{
		j: []int{0, 8, 11},
		a: []float64{
			0.244094488188976377952755905512e+00,
			0.733846688281611857341361741547e+00,
			0.220588235294117647058823529412e-01,
		},
	}
)

// dop853D are Hairer's d4·, d5·, d6·, d7·: the coefficients of rcont5..rcont8 of the
// 7th-order dense output, on stages 1, 6..16.
var dop853D = [4]dop853Row{
	{
		j: []int{0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		a: []float64{
			-0.84289382761090128651353491142e+01,
			0.56671495351937776962531783590e+00,
			-0.30689499459498916912797304727e+01,
			0.23846676565120698287728149680e+01,
			0.21170345824450282767155149946e+01,
			-0.87139158377797299206789907490e+00,
			0.22404374302607882758541771650e+01,
			0.63157877876946881815570249290e+00,
			-0.88990336451333310820698117400e-01,
			0.18148505520854727256656404962e+02,
			-0.91946323924783554000451984436e+01,
			-0.44360363875948939664310572000e+01,
		},
	},
	{
		j: []int{0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		a: []float64{
			0.10427508642579134603413151009e+02,
			0.24228349177525818288430175319e+03,
			0.16520045171727028198505394887e+03,
			-0.37454675472269020279518312152e+03,
			-0.22113666853125306036270938578e+02,
			0.77334326684722638389603898808e+01,
			-0.30674084731089398182061213626e+02,
			-0.93321305264302278729567221706e+01,
			0.15697238121770843886131091075e+02,
			-0.31139403219565177677282850411e+02,
			-0.93529243588444783865713862664e+01,
			0.35816841486394083752465898540e+02,
		},
	},
	{
		j: []int{0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		a: []float64{
			0.19985053242002433820987653617e+02,
			-0.38703730874935176555105901742e+03,
			-0.18917813819516756882830838328e+03,
			0.52780815920542364900561016686e+03,
			-0.11573902539959630126141871134e+02,
			0.68812326946963000169666922661e+01,
			-0.10006050966910838403183860980e+01,
			0.77771377980534432092869265740e+00,
			-0.27782057523535084065932004339e+01,
			-0.60196695231264120758267380846e+02,
			0.84320405506677161018159903784e+02,
			0.11992291136182789328035130030e+02,
		},
	},
	{
		j: []int{0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		a: []float64{
			-0.25693933462703749003312586129e+02,
			-0.15418974869023643374053993627e+03,
			-0.23152937917604549567536039109e+03,
			0.35763911791061412378285349910e+03,
			0.93405324183624310003907691704e+02,
			-0.37458323136451633156875139351e+02,
			0.10409964950896230045147246184e+03,
			0.29840293426660503123344363579e+02,
			-0.43533456590011143754432175058e+02,
			0.96324553959188282948394950600e+02,
			-0.39177261675615439165231486172e+02,
			-0.14972683625798562581422125276e+03,
		},
	},
}

// Init allocates the buffers for a system of dimension n with right-hand side f.
func (m *DOP853) Init(f Func, n int) {
	m.f = f
	m.n = n
	buf := make([]float64, (len(m.k)+3+len(m.cont))*n)
	next := func() []float64 {
		s := buf[:n:n]
		buf = buf[n:]
		return s
	}
	for i := range m.k {
		m.k[i] = next()
	}
	m.y0, m.y1, m.ys = next(), next(), next()
	for i := range m.cont {
		m.cont[i] = next()
	}
	m.t, m.h = 0, 0
	m.tOld, m.hOld = 0, 0
	m.dense = false
	m.hlamb = math.NaN()
}

// Control returns the defaults of dop853.f: order 8, β weight 0.2, safety 0.9,
// 0.333 ≤ h_new/h ≤ 6, β = 0, and the stiffness threshold h·λ > 6.1.
func (m *DOP853) Control() Control {
	return Control{
		Order:      8,
		BetaWeight: 0.2,
		Safety:     0.9,
		Fac1:       0.333,
		Fac2:       6,
		Beta:       0,
		StiffLimit: 6.1,
	}
}

// sum returns Σ_q r.a[q]·k[r.j[q]][i].
func (m *DOP853) sum(r *dop853Row, i int) float64 {
	var s float64
	for q, j := range r.j {
		s += r.a[q] * m.k[j][i]
	}
	return s
}

// stage evaluates stage s+1 of the step from (m.t, m.y0) of size m.h into m.k[s].
func (m *DOP853) stage(s int) {
	st := &dop853Stages[s]
	h, y0, ys := m.h, m.y0, m.ys
	for i := range ys {
		ys[i] = y0[i] + h*m.sum(&st.dop853Row, i)
	}
	m.f(m.k[s], m.t+st.c*h, ys)
}

// Step computes the 8th-order solution y1 of the step of size h from (t, y), f0 = f(t, y),
// and the error norm of dop853.f, which combines the 5th- and 3rd-order estimators:
//
//	err = |h| · err5 / sqrt(n · (err5 + 0.01·err3))
//
// where err5 and err3 are the sums of the squared scaled estimates. A nil sc skips the
// error estimate and returns 0. Step makes 11 evaluations.
func (m *DOP853) Step(y1 []float64, t, h float64, y, f0 []float64, sc *Scale) (err float64, evals int) {
	m.t, m.h = t, h
	copy(m.y0, y)
	copy(m.k[0], f0)
	for s := 1; s <= 11; s++ {
		m.stage(s)
	}
	// m.ys is now the argument of stage 12, kept for the stiffness test.
	var err5, err3 float64
	for i := range m.y1 {
		bk := m.sum(&dop853B, i)
		yi := m.y0[i] + h*bk
		m.y1[i] = yi
		if sc == nil {
			continue
		}
		sk := sc.At(i, m.y0[i], yi)
		e3 := bk - m.sum(&dop853BHH, i)
		err3 += (e3 / sk) * (e3 / sk)
		e5 := m.sum(&dop853E5, i)
		err5 += (e5 / sk) * (e5 / sk)
	}
	copy(y1, m.y1)
	if sc == nil || m.n == 0 {
		return 0, 11
	}
	deno := err5 + 0.01*err3
	if deno <= 0 {
		deno = 1
	}
	return math.Abs(h) * err5 * math.Sqrt(1/(float64(m.n)*deno)), 11
}

// Accept evaluates f(t+h, y1) of the last step into f1 and computes the stiffness estimate.
// When dense is true it evaluates the stages 14, 15 and 16 and builds the coefficients of
// the 7th-order interpolant of dop853.f. It makes 1 evaluation, or 4 with dense output.
func (m *DOP853) Accept(f1 []float64, dense bool) (evals int) {
	h := m.h
	m.dense = false
	k13 := m.k[12]
	m.f(k13, m.t+h, m.y1)
	copy(f1, k13)
	evals = 1

	// Stiffness test of dop853.f: the 12th and 13th stages are both at t+h.
	var num, den float64
	k12 := m.k[11]
	for i := range k13 {
		d := k13[i] - k12[i]
		num += d * d
		d = m.y1[i] - m.ys[i]
		den += d * d
	}
	m.hlamb = math.NaN()
	if den > 0 {
		m.hlamb = math.Abs(h) * math.Sqrt(num/den)
	}

	if !dense {
		return evals
	}
	for s := 13; s <= 15; s++ {
		m.stage(s)
	}
	evals += 3
	k1 := m.k[0]
	c := &m.cont
	for i := range m.y0 {
		ydiff := m.y1[i] - m.y0[i]
		bspl := h*k1[i] - ydiff
		c[0][i] = m.y0[i]
		c[1][i] = ydiff
		c[2][i] = bspl
		c[3][i] = ydiff - h*k13[i] - bspl
		for q := range dop853D {
			c[4+q][i] = h * m.sum(&dop853D[q], i)
		}
	}
	m.tOld, m.hOld = m.t, h
	m.dense = true
	return evals
}

// Interpolate writes the 7th-order dense output of the last accepted step at time t into
// dst (CONTD8 of dop853.f). It panics unless that step was accepted with dense output.
func (m *DOP853) Interpolate(dst []float64, t float64) {
	if !m.dense {
		panic("ode: DOP853.Interpolate called before a step accepted with dense output")
	}
	s := (t - m.tOld) / m.hOld
	s1 := 1 - s
	c := &m.cont
	for i := range dst {
		conpar := c[4][i] + s*(c[5][i]+s1*(c[6][i]+s*c[7][i]))
		dst[i] = c[0][i] + s*(c[1][i]+s1*(c[2][i]+s*(c[3][i]+s1*conpar)))
	}
}

// Stiffness returns the estimate |h·λ| ≈ |h|·‖f(t+h, y1) − k12‖ / ‖y1 − Y12‖ of dop853.f for
// the last accepted step, where Y12 and k12 are the argument and the derivative of the
// 12th stage (both at t+h). It is NaN when y1 = Y12 or before the first accepted step.
func (m *DOP853) Stiffness() float64 {
	return m.hlamb
}
