// Package mpitest stands in for the ranks of an MPI job inside one test
// process: goroutines, one per rank, each holding a Peer that sums values
// over the ranks as pkg/mpi does over processes.
package mpitest

import "slices"

// Peer is a reducer (gan.Reducer, nn.Reducer) for one of the goroutines
// standing in for the ranks of a job: it posts its values to every other
// rank and adds theirs in rank order, so every rank gets the same sum.
// link[r][s] carries rank s's messages to rank r, in the order of the
// calls.
type Peer struct {
	rank int
	link [][]chan []float64
}

// Peers returns the n peers of one job, rank r's at index r.
func Peers(n int) []Peer {
	link := make([][]chan []float64, n)
	for r := range link {
		link[r] = make([]chan []float64, n)
		for s := range link[r] {
			link[r][s] = make(chan []float64, 4)
		}
	}
	ps := make([]Peer, n)
	for r := range ps {
		ps[r] = Peer{rank: r, link: link}
	}
	return ps
}

// SumFloat64 replaces buf with the element-wise sum of every rank's buf.
func (p Peer) SumFloat64(buf []float64) error {
	for r := range p.link {
		if r != p.rank {
			p.link[r][p.rank] <- slices.Clone(buf)
		}
	}
	sum := make([]float64, len(buf))
	for s := range p.link {
		g := buf
		if s != p.rank {
			g = <-p.link[p.rank][s]
		}
		for i := range sum {
			sum[i] += g[i]
		}
	}
	copy(buf, sum)
	return nil
}

// SumFloat32 is SumFloat64 for float32 values (summed in float64).
func (p Peer) SumFloat32(buf []float32) error {
	t := make([]float64, len(buf))
	for i, v := range buf {
		t[i] = float64(v)
	}
	if err := p.SumFloat64(t); err != nil {
		return err
	}
	for i, v := range t {
		buf[i] = float32(v)
	}
	return nil
}
