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
// costs 3 more evaluations (stages 14, 15 and 16) per accepted step that needs it: Integrate
// builds it (Dense) only for steps that hold an output time or an event's sign change.
//
// The stages are written out with the coefficients of the tables below as constants; the
// sums are taken in the order of the tables and from 0, as the tables' sums are, so the numbers
// are theirs to the bit, zeros' signs included (in builds that round every operation, the
// default; with GOAMD64=v3 the compiler may fuse multiply-adds at other places).
//
// The zero value is ready for Init. All buffers are allocated in Init (and reused by a
// later Init of no larger dimension): Step, Accept, Dense and Interpolate do not allocate.
type DOP853 struct {
	f   Func
	n   int
	buf []float64

	// k[s] is the derivative of stage s+1 (k[0] a copy of the f0 of the last step, since the
	// caller may pass the same slice as f1 to Accept).
	k [16][]float64
	// y0 and y1 are the states at the start and the end of the last step (the caller's
	// slices); ys is the argument of the stages 2..12 (that of stage 12 after a step, for the
	// stiffness test) and yd that of the dense-output stages 14..16.
	y0, y1, ys, yd []float64
	t, h           float64

	// cont holds Hairer's rcont1..rcont8 of the step that started at tOld and had size hOld,
	// when dense is true.
	cont       [8][]float64
	tOld, hOld float64
	dense      bool
	// accepted is true from Accept to the next Step: the last step's stages are still there,
	// for Dense and Stiffness.
	accepted bool
	// kp[s] points at the stage derivatives of dop853Stages[s], for lincomb, and kp[12] at
	// those of the weights, for d8err; built by Init for the buffers at kpAt, of dimension kpN.
	kp   [16][9]*float64
	kpAt *float64
	kpN  int
}

// d8pairs[s] holds the coefficients of dop853Stages[s], each twice, for lincomb.
var d8pairs = func() (p [16][]float64) {
	for s, st := range dop853Stages {
		p[s] = pairs(st.a...)
	}
	return p
}()

// d8errMin is the smallest dimension for which DOP853 calls d8err (measured as kernelMin).
const d8errMin = 2

// d8errc holds the weights of dop853B, dop853E5 and dop853BHH, each twice, for d8err.
var d8errc = func() []float64 {
	var a []float64
	a = append(a, dop853B.a...)
	a = append(a, dop853E5.a...)
	return pairs(append(a, dop853BHH.a...)...)
}()

// d8nodes[s] is the node d8c<s+1> of the stage s+1 (stage 13, at t+h, is Accept's).
var d8nodes = [16]float64{0, d8c2, d8c3, d8c4, d8c5, d8c6, d8c7, d8c8, d8c9, d8c10, d8c11, d8c12, 1, d8c14, d8c15, d8c16}

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

// Coefficients of the tables above as constants (the shortest decimal of each float64, the
// same number): d8c<s> is the node and d8a<s>_<j> the coefficient of k<j> in stage s;
// d8b, d8e and d8bhh the weights of dop853B, dop853E5 and dop853BHH; d8d<q>_<j> those of
// dop853D[q−4]. TestDOP853Unrolled checks them against the tables.
const (
	d8c2     = 0.05260015195876773
	d8a2_1   = 0.05260015195876773
	d8c3     = 0.0789002279381516
	d8a3_1   = 0.0197250569845379
	d8a3_2   = 0.0591751709536137
	d8c4     = 0.1183503419072274
	d8a4_1   = 0.02958758547680685
	d8a4_3   = 0.08876275643042054
	d8c5     = 0.2816496580927726
	d8a5_1   = 0.2413651341592667
	d8a5_3   = -0.8845494793282861
	d8a5_4   = 0.924834003261792
	d8c6     = 0.3333333333333333
	d8a6_1   = 0.037037037037037035
	d8a6_4   = 0.17082860872947386
	d8a6_5   = 0.12546768756682242
	d8c7     = 0.25
	d8a7_1   = 0.037109375
	d8a7_4   = 0.17025221101954405
	d8a7_5   = 0.06021653898045596
	d8a7_6   = -0.017578125
	d8c8     = 0.3076923076923077
	d8a8_1   = 0.03709200011850479
	d8a8_4   = 0.17038392571223998
	d8a8_5   = 0.10726203044637328
	d8a8_6   = -0.015319437748624402
	d8a8_7   = 0.008273789163814023
	d8c9     = 0.6512820512820513
	d8a9_1   = 0.6241109587160757
	d8a9_4   = -3.3608926294469414
	d8a9_5   = -0.868219346841726
	d8a9_6   = 27.59209969944671
	d8a9_7   = 20.154067550477894
	d8a9_8   = -43.48988418106996
	d8c10    = 0.6
	d8a10_1  = 0.47766253643826434
	d8a10_4  = -2.4881146199716677
	d8a10_5  = -0.590290826836843
	d8a10_6  = 21.230051448181193
	d8a10_7  = 15.279233632882423
	d8a10_8  = -33.28821096898486
	d8a10_9  = -0.020331201708508627
	d8c11    = 0.8571428571428571
	d8a11_1  = -0.9371424300859873
	d8a11_4  = 5.186372428844064
	d8a11_5  = 1.0914373489967295
	d8a11_6  = -8.149787010746927
	d8a11_7  = -18.52006565999696
	d8a11_8  = 22.739487099350505
	d8a11_9  = 2.4936055526796523
	d8a11_10 = -3.0467644718982196
	d8c12    = 1
	d8a12_1  = 2.273310147516538
	d8a12_4  = -10.53449546673725
	d8a12_5  = -2.0008720582248625
	d8a12_6  = -17.9589318631188
	d8a12_7  = 27.94888452941996
	d8a12_8  = -2.8589982771350235
	d8a12_9  = -8.87285693353063
	d8a12_10 = 12.360567175794303
	d8a12_11 = 0.6433927460157636
	d8c14    = 0.1
	d8a14_1  = 0.056167502283047954
	d8a14_7  = 0.25350021021662483
	d8a14_8  = -0.2462390374708025
	d8a14_9  = -0.12419142326381637
	d8a14_10 = 0.15329179827876568
	d8a14_11 = 0.00820105229563469
	d8a14_12 = 0.007567897660545699
	d8a14_13 = -0.008298
	d8c15    = 0.2
	d8a15_1  = 0.03183464816350214
	d8a15_6  = 0.028300909672366776
	d8a15_7  = 0.053541988307438566
	d8a15_8  = -0.05492374857139099
	d8a15_11 = -0.00010834732869724932
	d8a15_12 = 0.0003825710908356584
	d8a15_13 = -0.00034046500868740456
	d8a15_14 = 0.1413124436746325
	d8c16    = 0.7777777777777778
	d8a16_1  = -0.42889630158379194
	d8a16_6  = -4.697621415361164
	d8a16_7  = 7.683421196062599
	d8a16_8  = 4.06898981839711
	d8a16_9  = 0.3567271874552811
	d8a16_13 = -0.0013990241651590145
	d8a16_14 = 2.9475147891527724
	d8a16_15 = -9.15095847217987
	d8b1     = 0.054293734116568765
	d8b6     = 4.450312892752409
	d8b7     = 1.8915178993145003
	d8b8     = -5.801203960010585
	d8b9     = 0.3111643669578199
	d8b10    = -0.1521609496625161
	d8b11    = 0.20136540080403034
	d8b12    = 0.04471061572777259
	d8e1     = 0.01312004499419488
	d8e6     = -1.2251564463762044
	d8e7     = -0.4957589496572502
	d8e8     = 1.6643771824549864
	d8e9     = -0.35032884874997366
	d8e10    = 0.3341791187130175
	d8e11    = 0.08192320648511571
	d8e12    = -0.022355307863886294
	d8bhh1   = 0.2440944881889764
	d8bhh9   = 0.7338466882816118
	d8bhh12  = 0.022058823529411766
	d8d4_1   = -8.428938276109013
	d8d4_6   = 0.5667149535193777
	d8d4_7   = -3.0689499459498917
	d8d4_8   = 2.38466765651207
	d8d4_9   = 2.117034582445028
	d8d4_10  = -0.871391583777973
	d8d4_11  = 2.2404374302607883
	d8d4_12  = 0.6315787787694688
	d8d4_13  = -0.08899033645133331
	d8d4_14  = 18.148505520854727
	d8d4_15  = -9.194632392478356
	d8d4_16  = -4.436036387594894
	d8d5_1   = 10.427508642579134
	d8d5_6   = 242.28349177525817
	d8d5_7   = 165.20045171727028
	d8d5_8   = -374.5467547226902
	d8d5_9   = -22.113666853125306
	d8d5_10  = 7.733432668472264
	d8d5_11  = -30.674084731089398
	d8d5_12  = -9.332130526430229
	d8d5_13  = 15.697238121770845
	d8d5_14  = -31.139403219565178
	d8d5_15  = -9.35292435884448
	d8d5_16  = 35.81684148639408
	d8d6_1   = 19.985053242002433
	d8d6_6   = -387.0373087493518
	d8d6_7   = -189.17813819516758
	d8d6_8   = 527.8081592054236
	d8d6_9   = -11.57390253995963
	d8d6_10  = 6.8812326946963
	d8d6_11  = -1.0006050966910838
	d8d6_12  = 0.7777137798053443
	d8d6_13  = -2.778205752353508
	d8d6_14  = -60.19669523126412
	d8d6_15  = 84.32040550667716
	d8d6_16  = 11.99229113618279
	d8d7_1   = -25.69393346270375
	d8d7_6   = -154.18974869023643
	d8d7_7   = -231.5293791760455
	d8d7_8   = 357.6391179106141
	d8d7_9   = 93.40532418362432
	d8d7_10  = -37.45832313645163
	d8d7_11  = 104.0996495089623
	d8d7_12  = 29.8402934266605
	d8d7_13  = -43.53345659001114
	d8d7_14  = 96.32455395918828
	d8d7_15  = -39.17726167561544
	d8d7_16  = -149.72683625798564
)

// d8stages holds the stage coefficients of Step in the order it reads them, as variables:
// read into locals before each stage loop they stay in registers, where the constants
// would be loaded from memory at every element (the Go compiler does not hoist them).
// The values, and so the results, are the constants'.
var d8stages = [...]float64{d8a2_1, d8a3_1, d8a3_2, d8a4_1, d8a4_3, d8a5_1, d8a5_3, d8a5_4, d8a6_1, d8a6_4, d8a6_5, d8a7_1, d8a7_4, d8a7_5, d8a7_6, d8a8_1, d8a8_4, d8a8_5, d8a8_6, d8a8_7, d8a9_1, d8a9_4, d8a9_5, d8a9_6, d8a9_7, d8a9_8, d8a10_1, d8a10_4, d8a10_5, d8a10_6, d8a10_7, d8a10_8, d8a10_9, d8a11_1, d8a11_4, d8a11_5, d8a11_6, d8a11_7, d8a11_8, d8a11_9, d8a11_10, d8a12_1, d8a12_4, d8a12_5, d8a12_6, d8a12_7, d8a12_8, d8a12_9, d8a12_10, d8a12_11}

var _ DenseBuilder = (*DOP853)(nil)

// Init allocates the buffers for a system of dimension n with right-hand side f, reusing
// those of an earlier Init when they are large enough.
func (m *DOP853) Init(f Func, n int) {
	m.f = f
	m.n = n
	size := (len(m.k) + 2 + len(m.cont)) * n
	if cap(m.buf) < size {
		m.buf = make([]float64, size)
	}
	buf := m.buf[:size]
	next := func() []float64 {
		s := buf[:n:n]
		buf = buf[n:]
		return s
	}
	for i := range m.k {
		m.k[i] = next()
	}
	m.ys, m.yd = next(), next()
	for i := range m.cont {
		m.cont[i] = next()
	}
	m.y0, m.y1 = nil, nil
	if n > 0 && (m.kpAt != &m.k[0][0] || m.kpN != n) {
		m.kpAt, m.kpN = &m.k[0][0], n
		for s, st := range dop853Stages {
			for q, j := range st.j {
				m.kp[s][q] = &m.k[j][0]
			}
		}
		// kp[12] (stage 13 has no combination) points at the stages of the weights, for d8err.
		for q, j := range dop853B.j {
			m.kp[12][q] = &m.k[j][0]
		}
	}
	m.t, m.h = 0, 0
	m.tOld, m.hOld = 0, 0
	m.dense, m.accepted = false, false
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

// Step computes the 8th-order solution y1 of the step of size h from (t, y), f0 = f(t, y),
// and the error norm of dop853.f, which combines the 5th- and 3rd-order estimators:
//
//	err = |h| · err5 / sqrt(n · (err5 + 0.01·err3))
//
// where err5 and err3 are the sums of the squared scaled estimates. A nil sc skips the
// error estimate and returns 0. Step makes 11 evaluations. y and y1 must stay unchanged until
// the step is accepted and its dense output built.
func (m *DOP853) Step(y1 []float64, t, h float64, y, f0 []float64, sc *Scale) (err float64, evals int) {
	n := m.n
	if len(y) != n || len(y1) != n || len(f0) != n {
		panic("ode: DOP853.Step: length mismatch")
	}
	m.t, m.h, m.y0, m.y1, m.accepted = t, h, y, y1, false
	k := &m.k
	ys := m.ys[:n]
	k1, k2, k3, k4, k5, k6 := k[0][:n], k[1][:n], k[2][:n], k[3][:n], k[4][:n], k[5][:n]
	for i, v := range f0 {
		k1[i] = v
	}
	k7, k8, k9, k10, k11, k12 := k[6][:n], k[7][:n], k[8][:n], k[9][:n], k[10][:n], k[11][:n]
	if haveLincomb && n >= kernelMin {
		for st := 1; st <= 11; st++ {
			lincomb(&ys[0], &y[0], n, h, &d8pairs[st][0], &m.kp[st][0], len(dop853Stages[st].j), true)
			m.f(k[st], t+d8nodes[st]*h, ys)
		}
	} else {
		{
			c0 := d8stages[0]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i])
			}
		}
		m.f(k2, t+d8c2*h, ys)
		{
			c0, c1 := d8stages[1], d8stages[2]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k2[i])
			}
		}
		m.f(k3, t+d8c3*h, ys)
		{
			c0, c1 := d8stages[3], d8stages[4]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k3[i])
			}
		}
		m.f(k4, t+d8c4*h, ys)
		{
			c0, c1, c2 := d8stages[5], d8stages[6], d8stages[7]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k3[i]+c2*k4[i])
			}
		}
		m.f(k5, t+d8c5*h, ys)
		{
			c0, c1, c2 := d8stages[8], d8stages[9], d8stages[10]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i])
			}
		}
		m.f(k6, t+d8c6*h, ys)
		{
			c0, c1, c2, c3 := d8stages[11], d8stages[12], d8stages[13], d8stages[14]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i]+c3*k6[i])
			}
		}
		m.f(k7, t+d8c7*h, ys)
		{
			c0, c1, c2, c3, c4 := d8stages[15], d8stages[16], d8stages[17], d8stages[18], d8stages[19]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i]+c3*k6[i]+c4*k7[i])
			}
		}
		m.f(k8, t+d8c8*h, ys)
		{
			c0, c1, c2, c3, c4, c5 := d8stages[20], d8stages[21], d8stages[22], d8stages[23], d8stages[24], d8stages[25]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i]+c3*k6[i]+c4*k7[i]+c5*k8[i])
			}
		}
		m.f(k9, t+d8c9*h, ys)
		{
			c0, c1, c2, c3, c4, c5, c6 := d8stages[26], d8stages[27], d8stages[28], d8stages[29], d8stages[30], d8stages[31], d8stages[32]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i]+c3*k6[i]+c4*k7[i]+c5*k8[i]+c6*k9[i])
			}
		}
		m.f(k10, t+d8c10*h, ys)
		{
			c0, c1, c2, c3, c4, c5, c6, c7 := d8stages[33], d8stages[34], d8stages[35], d8stages[36], d8stages[37], d8stages[38], d8stages[39], d8stages[40]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i]+c3*k6[i]+c4*k7[i]+c5*k8[i]+c6*k9[i]+c7*k10[i])
			}
		}
		m.f(k11, t+d8c11*h, ys)
		{
			c0, c1, c2, c3, c4, c5, c6, c7, c8 := d8stages[41], d8stages[42], d8stages[43], d8stages[44], d8stages[45], d8stages[46], d8stages[47], d8stages[48], d8stages[49]
			for i := range ys {
				ys[i] = y[i] + h*(0+c0*k1[i]+c1*k4[i]+c2*k5[i]+c3*k6[i]+c4*k7[i]+c5*k8[i]+c6*k9[i]+c7*k10[i]+c8*k11[i])
			}
		}
		m.f(k12, t+d8c12*h, ys)
	}
	// ys is now the argument of stage 12, kept for the stiffness test.
	if sc == nil {
		for i := range y1 {
			bk := 0 + d8b1*k1[i] + d8b6*k6[i] + d8b7*k7[i] + d8b8*k8[i] + d8b9*k9[i] + d8b10*k10[i] + d8b11*k11[i] + d8b12*k12[i]
			y1[i] = y[i] + h*bk
		}
		return 0, 11
	}
	var err5, err3 float64
	scalar := sc.scalar()
	i0 := 0
	if haveLincomb && scalar && n >= d8errMin {
		// The pairs of elements in assembly, an odd last one below.
		i0 = len(y1) &^ 1
		err5, err3 = d8err(&y1[0], &y[0], i0, h, sc.atol, sc.rtol, &d8errc[0], &m.kp[12][0])
	}
	for i := i0; i < len(y1); i++ {
		bk := 0 + d8b1*k1[i] + d8b6*k6[i] + d8b7*k7[i] + d8b8*k8[i] + d8b9*k9[i] + d8b10*k10[i] + d8b11*k11[i] + d8b12*k12[i]
		yi := y[i] + h*bk
		y1[i] = yi
		var sk float64
		if scalar {
			sk = sc.sk(y[i], yi)
		} else {
			sk = sc.At(i, y[i], yi)
		}
		e3 := bk - (0 + d8bhh1*k1[i] + d8bhh9*k9[i] + d8bhh12*k12[i])
		err3 += (e3 / sk) * (e3 / sk)
		e5 := 0 + d8e1*k1[i] + d8e6*k6[i] + d8e7*k7[i] + d8e8*k8[i] + d8e9*k9[i] + d8e10*k10[i] + d8e11*k11[i] + d8e12*k12[i]
		err5 += (e5 / sk) * (e5 / sk)
	}
	if n == 0 {
		return 0, 11
	}
	deno := err5 + 0.01*err3
	if deno <= 0 {
		deno = 1
	}
	return math.Abs(h) * err5 * math.Sqrt(1/(float64(n)*deno)), 11
}

// Accept evaluates f(t+h, y1) of the last step into f1. When dense is true it also builds the
// 7th-order dense output (Dense). It makes 1 evaluation, or 4 with dense output.
func (m *DOP853) Accept(f1 []float64, dense bool) (evals int) {
	m.dense = false
	k13 := m.k[12]
	m.f(k13, m.t+m.h, m.y1)
	copy(f1, k13)
	m.accepted = true
	if dense {
		return 1 + m.Dense()
	}
	return 1
}

// Dense builds the 7th-order interpolant of the last accepted step, evaluating the stages 14,
// 15 and 16 and the coefficients rcont1..rcont8 of dop853.f, and returns the evaluations it
// made: 3, or 0 when it is built already. It must be called after Accept and before the next
// Step, while the step's y, f0 and y1 are unchanged.
func (m *DOP853) Dense() (evals int) {
	if m.dense {
		return 0
	}
	if !m.accepted {
		panic("ode: DOP853.Dense called without an accepted step")
	}
	n, h, t := m.n, m.h, m.t
	k := &m.k
	y, y1, ys := m.y0[:n], m.y1[:n], m.yd[:n]
	k1, k6, k7, k8, k9, k10 := k[0][:n], k[5][:n], k[6][:n], k[7][:n], k[8][:n], k[9][:n]
	k11, k12, k13, k14, k15, k16 := k[10][:n], k[11][:n], k[12][:n], k[13][:n], k[14][:n], k[15][:n]
	if haveLincomb && n >= kernelMin {
		for st := 13; st <= 15; st++ {
			lincomb(&ys[0], &y[0], n, h, &d8pairs[st][0], &m.kp[st][0], len(dop853Stages[st].j), true)
			m.f(k[st], t+d8nodes[st]*h, ys)
		}
	} else {
		for i := range ys {
			ys[i] = y[i] + h*(0+d8a14_1*k1[i]+d8a14_7*k7[i]+d8a14_8*k8[i]+d8a14_9*k9[i]+d8a14_10*k10[i]+d8a14_11*k11[i]+d8a14_12*k12[i]+d8a14_13*k13[i])
		}
		m.f(k14, t+d8c14*h, ys)
		for i := range ys {
			ys[i] = y[i] + h*(0+d8a15_1*k1[i]+d8a15_6*k6[i]+d8a15_7*k7[i]+d8a15_8*k8[i]+d8a15_11*k11[i]+d8a15_12*k12[i]+d8a15_13*k13[i]+d8a15_14*k14[i])
		}
		m.f(k15, t+d8c15*h, ys)
		for i := range ys {
			ys[i] = y[i] + h*(0+d8a16_1*k1[i]+d8a16_6*k6[i]+d8a16_7*k7[i]+d8a16_8*k8[i]+d8a16_9*k9[i]+d8a16_13*k13[i]+d8a16_14*k14[i]+d8a16_15*k15[i])
		}
		m.f(k16, t+d8c16*h, ys)
	}
	c := &m.cont
	c0, c1, c2, c3, c4, c5, c6, c7 := c[0][:n], c[1][:n], c[2][:n], c[3][:n], c[4][:n], c[5][:n], c[6][:n], c[7][:n]
	for i := range c0 {
		ydiff := y1[i] - y[i]
		bspl := h*k1[i] - ydiff
		c0[i] = y[i]
		c1[i] = ydiff
		c2[i] = bspl
		c3[i] = ydiff - h*k13[i] - bspl
		c4[i] = h * (0 + d8d4_1*k1[i] + d8d4_6*k6[i] + d8d4_7*k7[i] + d8d4_8*k8[i] + d8d4_9*k9[i] + d8d4_10*k10[i] + d8d4_11*k11[i] + d8d4_12*k12[i] + d8d4_13*k13[i] + d8d4_14*k14[i] + d8d4_15*k15[i] + d8d4_16*k16[i])
		c5[i] = h * (0 + d8d5_1*k1[i] + d8d5_6*k6[i] + d8d5_7*k7[i] + d8d5_8*k8[i] + d8d5_9*k9[i] + d8d5_10*k10[i] + d8d5_11*k11[i] + d8d5_12*k12[i] + d8d5_13*k13[i] + d8d5_14*k14[i] + d8d5_15*k15[i] + d8d5_16*k16[i])
		c6[i] = h * (0 + d8d6_1*k1[i] + d8d6_6*k6[i] + d8d6_7*k7[i] + d8d6_8*k8[i] + d8d6_9*k9[i] + d8d6_10*k10[i] + d8d6_11*k11[i] + d8d6_12*k12[i] + d8d6_13*k13[i] + d8d6_14*k14[i] + d8d6_15*k15[i] + d8d6_16*k16[i])
		c7[i] = h * (0 + d8d7_1*k1[i] + d8d7_6*k6[i] + d8d7_7*k7[i] + d8d7_8*k8[i] + d8d7_9*k9[i] + d8d7_10*k10[i] + d8d7_11*k11[i] + d8d7_12*k12[i] + d8d7_13*k13[i] + d8d7_14*k14[i] + d8d7_15*k15[i] + d8d7_16*k16[i])
	}
	m.tOld, m.hOld = t, h
	m.dense = true
	return 3
}

// Interpolate writes the 7th-order dense output of the last accepted step at time t into
// dst (CONTD8 of dop853.f). It panics unless that step's dense output was built.
func (m *DOP853) Interpolate(dst []float64, t float64) {
	if !m.dense {
		panic("ode: DOP853.Interpolate called before a step accepted with dense output")
	}
	s := (t - m.tOld) / m.hOld
	s1 := 1 - s
	n := m.n
	c := &m.cont
	c0, c1, c2, c3, c4, c5, c6, c7 := c[0][:n], c[1][:n], c[2][:n], c[3][:n], c[4][:n], c[5][:n], c[6][:n], c[7][:n]
	dst = dst[:n]
	for i := range dst {
		conpar := c4[i] + s*(c5[i]+s1*(c6[i]+s*c7[i]))
		dst[i] = c0[i] + s*(c1[i]+s1*(c2[i]+s*(c3[i]+s1*conpar)))
	}
}

// Stiffness returns the estimate |h·λ| ≈ |h|·‖f(t+h, y1) − k12‖ / ‖y1 − Y12‖ of dop853.f for
// the last accepted step, where Y12 and k12 are the argument and the derivative of the
// 12th stage (both at t+h). It is NaN when y1 = Y12, or when no step has been accepted since
// the last Step. It is computed when asked, so call it before the next Step.
func (m *DOP853) Stiffness() float64 {
	if !m.accepted {
		return math.NaN()
	}
	var num, den float64
	k12, k13 := m.k[11], m.k[12]
	for i := range k13 {
		d := k13[i] - k12[i]
		num += d * d
		d = m.y1[i] - m.ys[i]
		den += d * d
	}
	if den > 0 {
		return math.Abs(m.h) * math.Sqrt(num/den)
	}
	return math.NaN()
}
