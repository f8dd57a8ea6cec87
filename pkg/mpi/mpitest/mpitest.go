// Package mpitest stands in for the ranks of an MPI job inside one test
// process: goroutines, one per rank, each holding a Peer that sums values
// over the ranks as pkg/mpi does over processes.
package mpitest

import (
	"fmt"
	"slices"

	"github.com/toongan/toongan/pkg/mpi"
)

// Peer is a reducer (gan.Reducer, nn.Reducer) for one of the goroutines
// standing in for the ranks of a job: it posts its values to every other
// rank and adds theirs in rank order, so every rank gets the same sum (the
// one mpi.Ordered makes). link[r][s] carries rank s's messages to rank r,
// in the order of the calls.
type Peer struct {
	rank int
	link [][]chan any
}

// Peers returns the n peers of one job, rank r's at index r.
func Peers(n int) []Peer {
	link := make([][]chan any, n)
	for r := range link {
		link[r] = make([]chan any, n)
		for s := range link[r] {
			link[r][s] = make(chan any, 4)
		}
	}
	ps := make([]Peer, n)
	for r := range ps {
		ps[r] = Peer{rank: r, link: link}
	}
	return ps
}

// SumFloat64 replaces buf with the element-wise sum of every rank's buf,
// added in rank order (as mpi.Ordered adds).
func (p Peer) SumFloat64(buf []float64) error { return sum(p, buf) }

// SumFloat32 is SumFloat64 for float32 values (added in float32).
func (p Peer) SumFloat32(buf []float32) error { return sum(p, buf) }

// sum posts buf to the other ranks and writes ((b0 + b1) + b2) + ... into
// buf.
func sum[T float32 | float64](p Peer, buf []T) error {
	for r := range p.link {
		if r != p.rank {
			p.link[r][p.rank] <- slices.Clone(buf)
		}
	}
	all := make([]T, 0, len(p.link)*len(buf))
	for s := range p.link {
		if s == p.rank {
			all = append(all, buf...)
			continue
		}
		g, ok := (<-p.link[p.rank][s]).([]T)
		if !ok || len(g) != len(buf) {
			return fmt.Errorf("mpitest: rank %d got %d values of another type or length from rank %d, want %d", p.rank, len(g), s, len(buf))
		}
		all = append(all, g...)
	}
	mpi.AddInOrder(buf, all)
	return nil
}
