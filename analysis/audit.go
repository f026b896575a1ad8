package analysis

import (
	"fmt"
	"math"

	"github.com/layerflow/layerflow/flow"
)

// Conservation is the outcome of a conservation audit.
type Conservation string

const (
	Conserved    Conservation = "conserved"
	NotConserved Conservation = "not conserved"
	Inconclusive Conservation = "inconclusive"
)

// AuditSettings chooses the integrator of a conservation audit.
type AuditSettings struct {
	// Method is "dopri5", "dop853" or "gauss". Default "dopri5".
	Method string
	// Rtol and Atol of the first run; the second run uses both divided by 10.
	// Defaults 1e-6 and 1e-9.
	Rtol, Atol float64
	// FixedStep, when positive, runs with fixed steps of this size and then of a tenth of it
	// (for Gauss–Legendre, whose drift is at round-off whatever the step).
	FixedStep float64
}

// Audit is the record of a conservation audit of the imbalances D_ij along a gradient flow.
type Audit struct {
	Method string
	Rtol   float64
	Pairs  [][2]int
	// Drift and TightDrift are, per pair, the largest relative change of D_ij over every
	// accepted step, at the settings and at 10× tighter ones (relative to |D_ij(0)|, or to the
	// largest w_k²(0) for a pair that starts balanced).
	Drift, TightDrift       []float64
	MaxDrift, MaxTightDrift float64
	Steps, TightSteps       int
	// RoundOff is the drift that round-off alone explains after Steps steps: 20·u·√(Steps+1).
	RoundOff float64
	Verdict  Conservation
}

const unitRoundoff = 0x1p-52

// AuditConservation integrates the gradient flow of obj from w0 over [0, t1] twice, at the
// settings and at 10× tighter ones, records every D_ij at every accepted step, and decides:
//
//   - Conserved: both drifts are at round-off, or the drift falls by ≥ 5× with the tighter
//     tolerance (it is the integrator's error, package analysis, Checked numerically);
//   - NotConserved: the drift is above round-off and falls by less than 2×: the change is in
//     the dynamics, not in the integrator;
//   - Inconclusive otherwise.
func AuditConservation(obj flow.Objective, w0 []float64, t1 float64, s AuditSettings) (*Audit, error) {
	if err := obj.Validate(); err != nil {
		return nil, err
	}
	if len(w0) != obj.Depth {
		return nil, fmt.Errorf("analysis: %d initial weights for depth %d", len(w0), obj.Depth)
	}
	if s.Method == "" {
		s.Method = "dopri5"
	}
	if s.Rtol == 0 {
		s.Rtol = 1e-6
	}
	if s.Atol == 0 {
		s.Atol = 1e-9
	}
	a := &Audit{Method: s.Method, Rtol: s.Rtol, Pairs: Pairs(obj.Depth)}
	run := func(rtol, atol, fixed float64) ([]float64, int, error) {
		return pairDrifts(nil, obj.Flow(), w0, t1, s.Method, rtol, atol, fixed)
	}
	var err error
	if a.Drift, a.Steps, err = run(s.Rtol, s.Atol, s.FixedStep); err != nil {
		return nil, err
	}
	if a.TightDrift, a.TightSteps, err = run(s.Rtol/10, s.Atol/10, s.FixedStep/10); err != nil {
		return nil, err
	}
	a.MaxDrift, a.MaxTightDrift = maxOf(a.Drift), maxOf(a.TightDrift)
	a.RoundOff = 20 * unitRoundoff * math.Sqrt(float64(a.Steps+1))
	tightRound := 20 * unitRoundoff * math.Sqrt(float64(a.TightSteps+1))
	switch {
	case a.MaxDrift <= a.RoundOff && a.MaxTightDrift <= tightRound:
		a.Verdict = Conserved
	case a.MaxTightDrift <= tightRound || a.MaxTightDrift <= a.MaxDrift/5:
		a.Verdict = Conserved
	case a.MaxTightDrift >= a.MaxDrift/2:
		a.Verdict = NotConserved
	default:
		a.Verdict = Inconclusive
	}
	return a, nil
}
