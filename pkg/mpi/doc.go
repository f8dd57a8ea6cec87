// Package mpi is toongan's small binding to the system's MPI library, for
// data-parallel training launched by mpirun or Slurm's srun.
//
// Built with -tags mpi it calls MPI through cgo (Debian: libopenmpi-dev);
// without the tag it is a pure-Go stand-in for a job of one process (rank 0
// of 1, every reduction a no-op), so the default build needs no C
// toolchain. Its surface is what training needs: Init, Rank, Size, in-place
// sums of float32 and float64 slices over all ranks (MPI_Allreduce, or in
// rank order through MPI_Allgather: Ordered), Bcast, Barrier, Abort and
// Finalize, all on MPI_COMM_WORLD. Errors are fatal (MPI_ERRORS_ARE_FATAL):
// a rank that dies ends the job.
//
// No maintained Go MPI module was available (the module proxy's list in
// this environment has none; github.com/sbromberger/gompi and
// github.com/btracey/mpi are unmaintained), and the binding is a few C
// calls, so it is toongan's own.
package mpi
