package ode

// ExpFused reports, for the tests of package ode_test, whether math.Exp takes its fused path on
// this CPU (see powers_amd64.go).
var ExpFused = expFMA
