package analysis

import (
	"strings"
	"testing"
)

func TestSnakeCase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"‖D_1‖", "d_1"},
		{"σ_2", "sigma_2"},
		{"λ²E[ρ²] (law)", "lambda_2_e_rho_2_law"},
		{"loss L", "loss_l"},
		{"dopri5 d=2", "dopri5_d_2"},
		{"(L − L_min)/(L(0) − L_min)", "l_l_min_l_0_l_min"},
		{"D(0)·exp(−2μt)", "d_0_exp_2_mu_t"},
	} {
		if got := SnakeCase(tc.in); got != tc.want {
			t.Errorf("SnakeCase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	f := Figure{Series: []Curve{{Name: "GD"}, {Name: "gd"}, {Name: "λ²E[ρ²] (law)", Key: "law"}, {Name: "—"}}}
	got := strings.Join(f.Keys(), ",")
	if want := "gd,gd_2,law,series"; got != want {
		t.Errorf("Keys = %s, want %s", got, want)
	}
}
