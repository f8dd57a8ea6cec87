//go:build mpi

package mpi

/*
#cgo pkg-config: ompi
#include <mpi.h>
#include <stdlib.h>

static int toongan_init(void) {
	int done = 0;
	MPI_Initialized(&done);
	if (done) return MPI_SUCCESS;
	return MPI_Init(NULL, NULL);
}
static int toongan_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static int toongan_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }
static int toongan_sum_f32(float *p, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static int toongan_sum_f64(double *p, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static int toongan_gather_f32(const float *p, float *all, int n) {
	return MPI_Allgather(p, n, MPI_FLOAT, all, n, MPI_FLOAT, MPI_COMM_WORLD);
}
static int toongan_gather_f64(const double *p, double *all, int n) {
	return MPI_Allgather(p, n, MPI_DOUBLE, all, n, MPI_DOUBLE, MPI_COMM_WORLD);
}
static int toongan_bcast(void *p, int n, int root) {
	return MPI_Bcast(p, n, MPI_BYTE, root, MPI_COMM_WORLD);
}
static int toongan_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static void toongan_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static int toongan_finalize(void) { return MPI_Finalize(); }
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// Enabled reports whether this build talks to an MPI library (-tags mpi).
const Enabled = true

// Launched reports whether the environment says this process is one of
// several started by an MPI launcher (mpirun, srun --mpi=pmi2).
func Launched() bool { return launchedEnv() }

// Init starts MPI (once; a second call does nothing).
func Init() error { return check("MPI_Init", C.toongan_init()) }

// Rank is this process's rank in MPI_COMM_WORLD.
func Rank() int { return int(C.toongan_rank()) }

// Size is the number of ranks in MPI_COMM_WORLD.
func Size() int { return int(C.toongan_size()) }

// SumFloat32 replaces buf with its element-wise sum over all ranks.
func SumFloat32(buf []float32) error {
	if len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("mpi: allreduce of %d values is over MPI's count limit", len(buf))
	}
	return check("MPI_Allreduce", C.toongan_sum_f32((*C.float)(unsafe.Pointer(&buf[0])), C.int(len(buf))))
}

// SumFloat64 replaces buf with its element-wise sum over all ranks.
func SumFloat64(buf []float64) error {
	if len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("mpi: allreduce of %d values is over MPI's count limit", len(buf))
	}
	return check("MPI_Allreduce", C.toongan_sum_f64((*C.double)(unsafe.Pointer(&buf[0])), C.int(len(buf))))
}

// gatherFloat32 fills all (Size() x len(piece) values) with every rank's
// piece, rank-major (MPI_Allgather).
func gatherFloat32(piece, all []float32) error {
	if len(piece) > math.MaxInt32 || len(all) != Size()*len(piece) {
		return fmt.Errorf("mpi: allgather of %d values into %d", len(piece), len(all))
	}
	return check("MPI_Allgather", C.toongan_gather_f32((*C.float)(unsafe.Pointer(&piece[0])), (*C.float)(unsafe.Pointer(&all[0])), C.int(len(piece))))
}

// gatherFloat64 is gatherFloat32 for float64 values.
func gatherFloat64(piece, all []float64) error {
	if len(piece) > math.MaxInt32 || len(all) != Size()*len(piece) {
		return fmt.Errorf("mpi: allgather of %d values into %d", len(piece), len(all))
	}
	return check("MPI_Allgather", C.toongan_gather_f64((*C.double)(unsafe.Pointer(&piece[0])), (*C.double)(unsafe.Pointer(&all[0])), C.int(len(piece))))
}

// Bcast copies root's buf to every rank's buf (same length everywhere).
func Bcast(buf []byte, root int) error {
	if len(buf) == 0 {
		return nil
	}
	if len(buf) > math.MaxInt32 {
		return fmt.Errorf("mpi: broadcast of %d bytes is over MPI's count limit", len(buf))
	}
	return check("MPI_Bcast", C.toongan_bcast(unsafe.Pointer(&buf[0]), C.int(len(buf)), C.int(root)))
}

// Barrier waits until every rank has reached it.
func Barrier() error { return check("MPI_Barrier", C.toongan_barrier()) }

// Abort ends every rank of the job with code.
func Abort(code int) { C.toongan_abort(C.int(code)) }

// Finalize shuts MPI down; call it once, at the end.
func Finalize() error { return check("MPI_Finalize", C.toongan_finalize()) }

func check(what string, rc C.int) error {
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("mpi: %s failed with code %d", what, int(rc))
	}
	return nil
}
