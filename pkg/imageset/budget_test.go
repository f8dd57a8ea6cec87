package imageset

import (
	"context"
	"testing"
)

func TestByteBudget(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := newByteBudget(ctx, 10)
	if !b.acquire(100) {
		t.Fatal("a single acquire over the budget must pass when nothing is held")
	}
	b.release(100)
	if !b.acquire(8) {
		t.Fatal("acquire(8) of 10 failed")
	}
	seen := make(chan int64)
	go func() {
		ok := b.acquire(5)
		b.mu.Lock()
		used := b.used
		b.mu.Unlock()
		if !ok {
			used = -1
		}
		seen <- used
	}()
	// The second acquire can only return once the first 8 bytes are back:
	// had it not waited, it would see 13 bytes in use.
	b.release(8)
	if used := <-seen; used != 5 {
		t.Fatalf("second acquire saw %d bytes in use, want 5 (it must wait for the release)", used)
	}

	// A waiting acquire gives up when the context ends.
	go func() { seen <- map[bool]int64{true: 1, false: 0}[b.acquire(9)] }()
	cancel()
	if got := <-seen; got != 0 {
		t.Fatal("acquire did not give up on cancellation")
	}
}
