// Package sweep runs many trainings at once: the product of value lists of the learning rate
// λ, the weight decay μ, the input noise σ, the batch size, the depth, the horizon, the
// method (gradient flow, modified flow, GD, noisy GD, SGD), the starting points and the
// seeds, read from a YAML or TOML sweep file (Keys lists its keys).
//
// Every run has an index, its place in the run set, fixed by the sweep alone. The run set is
// laid out method by method and depth by depth; within a block, a run is the product of the
// lists the method uses (a parameter a method does not use, such as the batch size of GD,
// adds no runs and is left empty in its row). A random run's seed is derived from the sweep
// seed and the run's parameters (FNV-1a, then the SplitMix64 finalizer), so the numbers are
// the same whatever the worker count, the sharding, or the other values swept.
//
// Execute runs the runs on all cores and appends one row per finished run to a CSV file
// (Columns), written in whole rows: memory stays flat however large the sweep. Interrupted
// and started again, it finishes the runs the file does not hold and does none twice. Shards
// (the runs i with i mod n = k) let a job array spread a sweep over machines; Merge joins the
// shard files and checks that every run is there exactly once; Held reads what a shard file
// already holds, with the checks Execute resumes it with, without changing it.
//
// Each run keeps at most Spec.Record evenly spread points of its trajectory, from which the
// phase boundary (analysis.Phases) and the time to balance are read; the final loss,
// imbalance and sharpness come from its last state.
//
// GD runs keep no trajectory: the phase boundary and the time to balance are computed while
// they step, over the points a recorded run would keep, with the arithmetic of the post-hoc
// analysis, so their rows are the same to the last bit. Depth-2 GD runs that keep every
// iterate are stepped together, the runs of a chunk of jobs as the lanes of arrays (eight at
// a time with AVX2 on amd64, four lanes to an instruction, without FMA: each lane computes
// exactly what the scalar step computes). A run's numbers do not depend on the lanes beside
// it, the worker count or the shard.
package sweep
