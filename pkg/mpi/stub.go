//go:build !mpi

package mpi

// Enabled reports whether this build talks to an MPI library (-tags mpi).
const Enabled = false

// Launched reports whether the environment says this process is one of
// several started by an MPI launcher (mpirun, srun --mpi=pmi2). Without
// -tags mpi such a launch cannot be served.
func Launched() bool { return launchedEnv() }

// Init starts MPI; without -tags mpi it does nothing.
func Init() error { return nil }

// Rank is this process's rank in MPI_COMM_WORLD: 0 without -tags mpi.
func Rank() int { return 0 }

// Size is the number of ranks: 1 without -tags mpi.
func Size() int { return 1 }

// SumFloat32 replaces buf with its element-wise sum over all ranks.
func SumFloat32(buf []float32) error { return nil }

// SumFloat64 replaces buf with its element-wise sum over all ranks.
func SumFloat64(buf []float64) error { return nil }

// gatherFloat32 copies piece into all: the only rank's values.
func gatherFloat32(piece, all []float32) error { copy(all, piece); return nil }

// gatherFloat64 copies piece into all: the only rank's values.
func gatherFloat64(piece, all []float64) error { copy(all, piece); return nil }

// Bcast copies root's buf to every rank's buf (same length everywhere).
func Bcast(buf []byte, root int) error { return nil }

// Barrier waits until every rank has reached it.
func Barrier() error { return nil }

// Abort ends every rank of the job with code.
func Abort(code int) {}

// Finalize shuts MPI down; call it once, at the end.
func Finalize() error { return nil }
