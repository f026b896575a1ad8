// Package budget bounds the memory that a program sizes from its input.
//
// Every allocation whose size comes from input (a step count, a number of samples, the runs
// of a result file, the cells of a heat map) is checked against one process-wide limit before
// it is made:
//
//	if err := budget.Check("--samples 1000000000", budget.Mul(n, 2, 8)); err != nil {
//		return err
//	}
//
// so that an input too large for the machine gets a one-line error naming it instead of
// taking the machine's memory. The limit is Default() until Set changes it; the command line
// sets it from --max-memory.
package budget
