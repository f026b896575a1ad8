package ode

// ctlPowersGo is the controller's two powers of a step (ctlPowers) through ctlLog and ctlExp:
// with l = log(err), exp(expo·l), and exp(beta·l) or, when err < 1e-4, exp(beta·logMin).
func ctlPowersGo(err, expo, beta, logMin float64) (pow, powOld float64) {
	l := ctlLog(err)
	pow = ctlExp(expo * l)
	if err < 1e-4 {
		l = logMin
	}
	return pow, ctlExp(beta * l)
}
