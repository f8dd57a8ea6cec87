//go:build !mpi

// Command mpibench times MPI_Allreduce for the gradients of a training
// step; it needs -tags mpi (see main.go).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "mpibench: build with -tags mpi: go build -tags mpi -o bin/mpibench ./scripts/mpibench")
	os.Exit(2)
}
