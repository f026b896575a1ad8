package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A mutant is one deliberate bug in the science: the text old, found exactly once in file
// (relative to the module root), replaced by new. The production code carries no hooks for
// it: the mutant is compiled with `go build -overlay`, which swaps the file's text for the
// build only.
type mutant struct {
	file, old, new string
	class, what    string
}

var mutants = []mutant{
	// Integrators.
	{"flow/ode/dopri5.go", "dp5a73 = 500.0 / 1113", "dp5a73 = 500.0 / 1113 * (1 + 1e-3)", "coefficient at 1e-3", "DOPRI5 weight b3"},
	{"flow/ode/dopri5.go", "dp5a32 = 9.0 / 40", "dp5a32 = 9.0 / 40 * (1 + 1e-3)", "coefficient at 1e-3", "DOPRI5 stage coefficient a32"},
	{"flow/ode/dopri5.go", "ys[i] = y[i] + h*dp5a21*k1[i]", "ys[i] = y[i] - h*dp5a21*k1[i]", "wrong sign", "DOPRI5 stage 2 argument"},
	{"flow/ode/dopri5.go", "	m.f(k7, tph, y1)\n", "	copy(k7, k6)\n", "stale state", "DOPRI5 last stage reused from stage 6"},
	{"flow/ode/dop853.go", "	d8b1     = 0.054293734116568765\n", "	d8b1     = 0.054293734116568765 * (1 + 1e-3)\n", "coefficient at 1e-3", "DOP853 weight b1"},
	{"flow/ode/dop853.go", "	d8b8     = -5.801203960010585\n", "	d8b8     = 5.801203960010585\n", "wrong sign", "DOP853 weight b8"},
	{"flow/ode/gauss.go", "glA     = [2][2]float64{{0.25, 0.25 - glSqrt3/6}", "glA     = [2][2]float64{{0.25, 0.25 - glSqrt3/5}", "wrong coefficient", "Gauss–Legendre coefficient a12"},
	{"flow/ode/gauss.go", "inc := 0.5*h*(m.k[i]+m.k[n+i]) + cin[i]", "inc := 0.5*h*(m.k[i]+1.001*m.k[n+i]) + cin[i]", "coefficient at 1e-3", "Gauss–Legendre weight b2"},
	{"flow/ode/dopri5.go", "	dp5d3 = 87487479700.0 / 32700410799\n", "	dp5d3 = 87487479700.0 / 32700410799 * (1 + 1e-3)\n", "coefficient at 1e-3", "DOPRI5 dense output coefficient d3"},
	{"flow/ode/dopri5.go", "	dp5e7 = -1.0 / 40\n", "	dp5e7 = -1.0 / 400\n", "wrong factor", "DOPRI5 error estimator e7"},
	{"flow/ode/gauss.go", "				return m.h * m.fmid[i]\n", "				return m.h * m.f0[i]\n", "stale state", "Gauss–Legendre dense output from the step's start"},
	// Objectives and flows.
	{"flow/model.go", "	return W - 1 + o.Noise*o.Noise*W\n", "	return W - 1 + 0.5*o.Noise*o.Noise*W\n", "wrong factor", "noise term of the expected loss halved"},
	{"flow/model.go", "grad[i] = a*grad[i] + o.WeightDecay*w[i]", "grad[i] = a*grad[i] - o.WeightDecay*w[i]", "wrong sign", "weight decay in the gradient"},
	{"flow/model.go", "grad[i] = a*grad[i] + o.WeightDecay*w[i]", "grad[i] = a*grad[i] + 1.001*o.WeightDecay*w[i]", "coefficient at 1e-3", "weight decay in the gradient"},
	{"flow/model.go", "		g[i] *= p\n", "		g[i] *= p * (1 + 1e-3)\n", "coefficient at 1e-3", "partials g_i = ∏_{j≠i} w_j"},
	{"flow/flows.go", "			dw[i] = -(a*dw[i] + mu*v)\n", "			dw[i] = -1.001 * (a*dw[i] + mu*v)\n", "coefficient at 1e-3", "gradient flow's right-hand side (d ≥ 3)"},
	{"flow/flows.go", "			dw[1] = -(a*w0 + mu*w1)\n", "			dw[1] = -(a*w0 + 1.001*mu*w1)\n", "coefficient at 1e-3", "weight decay in the flow of d = 2, one layer"},
	{"flow/flows.go", "			a := W - 1 + s2*W\n", "			a := W - 1 + 0.5*s2*W\n", "wrong factor", "noise term of the flow of d = 2 halved"},
	{"flow/flows.go", "dw[i] = -(grad[i] + 0.5*lr*hv[i])", "dw[i] = -(grad[i] + lr*hv[i])", "wrong coefficient", "modified flow λ/2 for λ/4"},
	{"flow/model.go", "dst[i] = s*g[i]*gv + a*c + o.WeightDecay*v[i]", "dst[i] = s*g[i]*gv + 2*a*c + o.WeightDecay*v[i]", "wrong factor", "Hessian-vector product, cross term"},
	{"flow/data.go", "		d.Y[k] /= xy\n", "		d.Y[k] /= 1\n", "wrong normalization", "labels left unnormalized"},
	{"flow/model.go", "		dst[i] = s*g[i]*gv + a*c + o.WeightDecay*v[i]\n", "		dst[i] = s*g[i]*gv + a*c\n", "dropped term", "Hessian-vector product without weight decay"},
	{"flow/model.go", "				h += o.WeightDecay\n", "				h += 2 * o.WeightDecay\n", "wrong factor", "Hessian with twice the weight decay"},
	{"flow/model.go", "	return hi - lo\n", "	return math.Abs(w[0]*w[0] - w[len(w)-1]*w[len(w)-1])\n", "wrong index", "‖D‖ from the end layers only"},
	{"discrete/discrete.go", "			tr.Append(float64(k)*set.LR, st.w)\n", "			tr.Append(float64(k+1)*set.LR, st.w)\n", "shifted state", "iterate k recorded at (k+1)·λ"},
	{"discrete/stepper.go", "			x += st.sigma * st.rng.NormFloat64()\n		}\n", "			x += 1.1 * st.sigma * st.rng.NormFloat64()\n		}\n", "wrong factor", "input noise ×1.1 in noisy SGD"},
	{"analysis/phase.go", "		return -(float64(f.m*f.sxy) - float64(f.sx*f.sy)) / den\n", "		return -0.5 * (float64(f.m*f.sxy) - float64(f.sx*f.sy)) / den\n", "wrong factor", "reported regularization rate halved"},
	// Sharpness.
	{"flow/model.go", "		return m + r\n", "		return a + c + 0*(m+r)\n", "trace for eigenvalue", "sharpness of d = 2"},
	{"flow/model.go", "	return v[len(v)-1], true\n", "	return v[0] + v[len(v)-1], true\n", "trace for eigenvalue", "sharpness of d ≥ 3 (sum of the extreme eigenvalues)"},
	{"flow/model.go", "h := s*g[i]*g[j] + a*cross(w, i, j)", "h := s*g[i]*g[j] + 0.5*a*cross(w, i, j)", "wrong factor", "Hessian cross term"},
	// Steppers and samplers.
	{"discrete/stepper.go", "		rho = st.rho(w0 * w1)\n", "		rho = st.rho(w0*w1) * 1.01\n", "wrong factor", "GD residual ρ ×1.01 (d = 2)"},
	{"discrete/stepper.go", "		return W - 1\n", "		return W - 1.001\n", "coefficient at 1e-3", "GD residual offset (population loss)"},
	{"discrete/stepper.go", "		return W*st.mxx - st.mxy\n", "		return W*st.mxx - st.mxy + 1e-3\n", "coefficient at 1e-3", "GD residual offset (data)"},
	{"discrete/stepper.go", "		w[1] = st.decay*w1 - lrho*w0\n", "		w[1] = st.decay*w1 - lrho*w[0]\n", "stale or shifted state", "GD step uses the updated w_1"},
	{"discrete/stepper.go", "		decay: 1 - s.LR*p.Objective.WeightDecay,\n", "		decay: 1 + s.LR*p.Objective.WeightDecay,\n", "wrong sign", "weight decay in the GD step"},
	{"discrete/stepper.go", "		w[i] = st.decay*v - lrho*g[i]\n", "		w[i] = st.decay*v - 1.001*lrho*g[i]\n", "coefficient at 1e-3", "GD step of d ≥ 3"},
	{"discrete/stepper.go", "		x += st.sigma * st.rng.NormFloat64()\n		s += (W*x - st.y[k]) * x\n", "		x += 0.7071 * st.sigma * st.rng.NormFloat64()\n		s += (W*x - st.y[k]) * x\n", "wrong sampling", "input noise variance halved (full batch)"},
	{"discrete/stepper.go", "	return s / float64(len(st.x))\n", "	return s / float64(len(st.x)-1)\n", "wrong normalization", "noisy full-batch mean over N − 1"},
	{"discrete/stepper.go", "	return s / float64(len(batch))\n", "	return s\n", "sum for mean", "mini-batch residual summed"},
	{"discrete/stepper.go", "			j := i + st.rng.IntN(len(p)-i)\n", "			j := i + 0*st.rng.IntN(len(p)-i)\n", "wrong sampling", "independent batches never redrawn"},
	{"discrete/stepper.go", "		shuffle(st.rng, st.perm)\n", "		shuffle(st.rng, st.perm[:0])\n", "wrong sampling", "epochs not reshuffled"},
	// The stochastic modified equation.
	{"flow/sme.go", "amp := math.Sqrt(s.LR * v)", "amp := math.Sqrt(1.1 * s.LR * v)", "wrong factor", "SME gradient-noise variance ×1.1"},
	{"flow/sme.go", "cB = (N - B) / (B * (N - 1))", "cB = 1 / B", "wrong sampling", "SME batch variance with replacement"},
	{"flow/sme.go", "amp*g[i]*dB", "amp*w[i]*dB", "wrong direction", "SME noise along w instead of g"},
	{"flow/sme.go", "q := W*x*x - s.Data.Y[i]*x", "q := W*x*x - x*x + 0*s.Data.Y[i]", "wrong residual", "SME residuals without the labels"},
	// Phase detection and the law of the stochastic decay.
	{"analysis/phase.go", "		return (vt2 - vn2) / vv\n", "		return (vt2 - 4*vn2) / vv\n", "wrong factor", "phase criterion of flows ×4"},
	{"analysis/phase.go", "		return (vt2 - vn2) / vv\n", "		return (4*vt2 - vn2) / vv\n", "wrong factor", "phase criterion of flows ×1/4"},
	{"analysis/phase.go", "		if vt2 >= vn2 {\n", "		if 4*vt2 >= vn2 {\n", "wrong factor", "phase criterion of trajectories ×1/4"},
	{"analysis/stochastic.go", "	out := mean*mean + sv/fm/b\n", "	out := mean*mean + 1.1*sv/fm/b\n", "wrong factor", "E[ρ²] noise term ×1.1"},
}

// netMutants are bugs in the science of matrix layers: claim 11 and check --widths must
// catch them.
var netMutants = []mutant{
	{"flow/net.go", "			grad[k] += n.mu * v\n", "			grad[k] += 1.01 * n.mu * v\n", "coefficient at 1e-2", "matrix gradient: weight decay ×1.01"},
	{"flow/net.go", "			e[k] += s2 * v\n", "			e[k] += 1.1 * s2 * v\n", "wrong factor", "matrix expected-noise term ×1.1"},
	{"flow/net.go", "		gemm(true, false, ni, nm, nd, 1, n.s[i], ni, n.dr[i-1], nm, 1, out, nm)\n", "		gemm(true, false, ni, nm, nd, 1, n.s[i], ni, n.dr[i-1], nm, 0, out, nm)\n", "dropped term", "Hessian-vector product loses dS_iᵀR_{i−1}"},
	{"flow/lanczos.go", "		lz.alpha = append(lz.alpha, a)\n", "		lz.alpha = append(lz.alpha, 0.999*a)\n", "coefficient at 1e-3", "Lanczos tridiagonal α ×0.999"},
	{"discrete/net.go", "		st.xb[k] += st.sigma * st.rng.NormFloat64()\n", "		st.xb[k] += 1.1 * st.sigma * st.rng.NormFloat64()\n", "wrong factor", "matrix noisy GD: input noise ×1.1"},
	{"discrete/net.go", "		st.w[k] -= st.lr * g\n", "		st.w[k] -= 1.001 * st.lr * g\n", "coefficient at 1e-3", "matrix GD step ×1.001"},
	{"discrete/net.go", "		st.addRows(b, 1/float64(len(b)))\n", "		st.addRows(b, 2/float64(len(b)))\n", "wrong normalization", "matrix SGD batch gradient ×2"},
}

// Every mutant of the science is caught by `reproduce` or `check` (exit status 1: a claim or
// a law fails), not only by a unit test. Run with -v to see the table and the kill rate.
func TestMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary for each of the mutants")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on the PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	type result struct {
		by     string
		failed []string
		err    error
	}
	all := append(append([]mutant(nil), mutants...), netMutants...)
	// LAYERFLOW_MUTANTS=net runs only the mutants of matrix layers, =scalar only the others
	// (for development; CI runs all).
	first, last := 0, len(all)
	switch os.Getenv("LAYERFLOW_MUTANTS") {
	case "net":
		first = len(mutants)
	case "scalar":
		last = len(mutants)
	}
	results := make([]result, len(all))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, m := range all {
		if i < first || i >= last {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, m.file))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(src), m.old); n != 1 {
			t.Errorf("mutant %d (%s): %q occurs %d times in %s, want once", i, m.what, m.old, n, m.file)
			results[i].err = errors.New("not applied")
			continue
		}
		wg.Add(1)
		go func(i int, m mutant, src string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i].by, results[i].failed, results[i].err = runMutant(gobin, root, filepath.Join(tmp, fmt.Sprint(i)), m, src, i >= len(mutants))
		}(i, m, string(src))
	}
	wg.Wait()
	killed := 0
	for i, m := range all {
		if i < first || i >= last {
			continue
		}
		r := results[i]
		switch {
		case r.err != nil:
			t.Errorf("mutant %2d %-22s %-50s error: %v", i, m.class, m.what, r.err)
		case r.by == "":
			t.Errorf("mutant %2d %-22s %-50s SURVIVED reproduce and check", i, m.class, m.what)
		default:
			killed++
			shown := r.failed
			if len(shown) > 4 {
				shown = append(shown[:4:4], fmt.Sprintf("… %d in all", len(r.failed)))
			}
			t.Logf("mutant %2d %-22s %-50s killed by %-9s (%s)", i, m.class, m.what, r.by, strings.Join(shown, ", "))
		}
	}
	t.Logf("kill rate: %d of %d mutants (%.0f%%)", killed, last-first, 100*float64(killed)/float64(last-first))
}

// runMutant builds the binary with the mutant and runs reproduce, then (if it survived) check;
// it returns which killed it ("" if neither) and the checks that failed.
// Mutants of the scalar science run the scalar claims 1–10 and check; mutants of matrix
// layers (net) run claim 11 and check --widths.
func runMutant(gobin, root, dir string, m mutant, src string, net bool) (string, []string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	file := filepath.Join(dir, filepath.Base(m.file))
	if err := os.WriteFile(file, []byte(strings.Replace(src, m.old, m.new, 1)), 0o644); err != nil {
		return "", nil, err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, m.file): file}})
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "layerflow")
	build := exec.Command(gobin, "build", "-overlay", ov, "-o", bin, "./cmd/layerflow")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("build: %v: %s", err, out)
	}
	runs := [][]string{
		{"reproduce", "--figures=false", "--only", "1,2,3,4,5,6,7,8,9,10", "--out", filepath.Join(dir, "report")},
		{"check"},
	}
	if net {
		runs = [][]string{
			{"reproduce", "--figures=false", "--quick", "--only", "11", "--out", filepath.Join(dir, "report")},
			{"check", "--widths", "5,4,3"},
		}
	}
	for _, args := range runs {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		out, err := exec.CommandContext(ctx, bin, args...).Output()
		cancel()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			var failed []string
			for _, line := range strings.Split(string(out), "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[len(f)-1] == "FAIL" {
					failed = append(failed, f[0])
				}
			}
			return args[0], failed, nil
		}
	}
	return "", nil, nil
}
