package analysis

import (
	"github.com/layerflow/layerflow/flow/dataset"
)

// MNISTSamples is the number of MNIST images the matrix claim uses (the first ones of the
// training set): enough for the laws, which hold for any data, and quick to load.
const MNISTSamples = 2000

// MatrixCases returns the cases of the matrix claim: a teacher at depths 2 and 3 and MNIST at
// depths 2 and 3 (quick: the teacher only). A dataset that cannot be loaded gives its cases
// as errors.
func MatrixCases(seed uint64, quick bool) ([]NetCase, error) {
	teacher, err := dataset.Open("teacher", dataset.Options{Inputs: 5, OutputsDim: 3, Samples: 200, Seed: seed, Noise: 0.3})
	if err != nil {
		return nil, err
	}
	cases := []NetCase{
		{Name: "teacher-d2", Widths: []int{5, 4, 3}, Data: teacher},
		{Name: "teacher-d3", Widths: []int{5, 4, 4, 3}, Data: teacher},
	}
	if quick {
		return cases, nil // the teacher only: the laws and the code are the same for MNIST
	}
	mnist, err := dataset.Open("mnist", dataset.Options{Samples: MNISTSamples})
	if err != nil {
		return cases, err
	}
	return append(cases,
		NetCase{Name: "mnist-d2", Widths: []int{784, 16, 10}, Data: mnist},
		NetCase{Name: "mnist-d3", Widths: []int{784, 16, 16, 10}, Data: mnist}), nil
}

// matrixSettings returns the law settings of a case: MNIST's inputs (pixels in [0, 1], 784 of
// them) make the flow stiffer, so its Gauss–Legendre runs take smaller steps over a shorter
// span, with smaller starting weights.
func matrixSettings(c NetCase, seed uint64, lab *NetLab) NetLawSettings {
	s := NetLawSettings{Seed: seed, Lab: lab}
	if c.Widths[0] > 100 {
		s.Scale, s.T, s.H, s.Steps, s.Seeds, s.Warmup = 0.5, 0.05, 0.005, 20, 200, 50
	}
	return s
}

func claimMatrix(c *Claim, s ClaimSettings) {
	cases, err := MatrixCases(s.Seed, s.Quick)
	if cases == nil {
		c.Checks = append(c.Checks, notTested(Check{ID: "net-teacher", Claim: "the matrix laws on a teacher"}, err))
	}
	for _, nc := range cases {
		c.Checks = append(c.Checks, NetLaws(nc, matrixSettings(nc, s.Seed, s.NetLab))...)
	}
	if err != nil && cases != nil {
		for _, id := range []string{"net-mnist-d2", "net-mnist-d3"} {
			c.Checks = append(c.Checks, notTested(Check{ID: id, Claim: "the matrix laws on MNIST"}, err))
		}
	}
}
