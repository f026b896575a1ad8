package main

import (
	"regexp"
	"strings"
	"testing"
)

// check at settings where a law's effect is below its tolerance: the rows are "unresolved"
// with the reason, never "pass", and the command exits 2 (bad settings), not 0.
func TestCheckUnresolved(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rows []string // rows that must be unresolved
		msg  string
	}{
		{[]string{"check", "--lr", "1e-300", "--steps", "100", "--seeds", "8"}, []string{"gd-factor-d2", "gd-wd-factor-d2", "noisy-gd", "sgd"}, "sgd unresolved: measured, predicted and tolerance are all 0"},
		{[]string{"check", "--noise", "1e-300", "--steps", "100", "--seeds", "8"}, []string{"noise-minimum-d2", "noisy-gd"}, "noise-minimum-d2 unresolved: the predicted 1 differs from 1, its value under σ = 0"},
		{[]string{"check", "--wd", "1e-300", "--steps", "100", "--seeds", "8"}, []string{"wd-rate-d2", "gd-wd-factor-d2"}, "the predicted 2e-300 differs from 0, its value under μ = 0, by 2e-300, not more than the tolerance"},
		{[]string{"check", "--widths", "3,2,2", "--lr", "1e-300", "--steps", "5", "--seeds", "8"}, []string{"net-gd-step-teacher-d2", "net-sgd-step-teacher-d2", "net-noisy-gd-step-teacher-d2"}, "net-gd-step-teacher-d2 unresolved: under no change of D_i in a step"},
		{[]string{"check", "--init", "1,1", "--steps", "100", "--seeds", "8"}, []string{"flow-gauss-d2", "gd-factor-d2"}, "flow-gauss-d2 unresolved: under a D_ij that moved with the weights the check would measure 0"},
		{[]string{"check", "--widths", "3,2,2", "--t-end", "1e-300", "--steps", "5", "--seeds", "8"}, []string{"net-flow-gauss-teacher-d2", "net-noise-flow-teacher-d2"}, "net-flow-gauss-teacher-d2 unresolved: under a D_i that moved with the weights"},
		{[]string{"check", "--widths", "3,2,2", "--wd", "1e-300", "--steps", "5", "--seeds", "8"}, []string{"net-wd-teacher-d2"}, "net-wd-teacher-d2 unresolved: under μ = 0"},
	} {
		code, out, errs := runArgs(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errs)
		}
		for _, id := range tc.rows {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(id) + ` .* unresolved$`).MatchString(out) {
				t.Errorf("%v: row %s is not unresolved:\n%s", tc.args, id, out)
			}
		}
	}
}
