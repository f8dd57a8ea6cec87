package mpi

import (
	"os"
	"strconv"
)

// launchedEnv reports whether the environment says this process is one of
// several started by mpirun (Open MPI; MPICH's Hydra and srun --mpi=pmi2 set
// PMI_SIZE).
func launchedEnv() bool {
	for _, k := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 1 {
			return true
		}
	}
	return false
}
