// The Go twins of bench/micro_context.cpp: the same shapes, timed with testing.Benchmark
// at GOMAXPROCS 1, printed as "<name> <ns/op>". Standard library only, so it runs with
// `go run context_micro.go` (bench/micro_context.sh does both sides).
package main

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

type key int

var sink interface{}

func main() {
	runtime.GOMAXPROCS(1)
	benches := []struct {
		name string
		fn   func(b *testing.B)
	}{
		{"BM_WithCancelAndCancel", func(b *testing.B) {
			parent, cancelParent := context.WithCancel(context.Background())
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithCancel(parent)
				cancel()
				sink = ctx
			}
			cancelParent()
		}},
		{"BM_WithCancelDropped", func(b *testing.B) {
			// Go keeps an uncancelled child in its parent until the parent is cancelled;
			// the parent is cancelled every 1,000 so the map stays the size gocxx's list does.
			parent, cancelParent := context.WithCancel(context.Background())
			for i := 0; i < b.N; i++ {
				ctx, _ := context.WithCancel(parent) //nolint:govet // the shape measured
				sink = ctx
				if i%1000 == 999 {
					cancelParent()
					parent, cancelParent = context.WithCancel(context.Background())
				}
			}
			cancelParent()
		}},
		{"BM_WithTimeoutAndCancel", func(b *testing.B) {
			parent, cancelParent := context.WithCancel(context.Background())
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithTimeout(parent, time.Hour)
				cancel()
				sink = ctx
			}
			cancelParent()
		}},
		{"BM_ValueEightLayersDown", func(b *testing.B) {
			ctx := context.WithValue(context.Background(), key(0), 1)
			for i := 0; i < 7; i++ {
				ctx = context.WithValue(ctx, key(1), i)
			}
			for i := 0; i < b.N; i++ {
				sink = ctx.Value(key(0))
			}
		}},
		{"BM_ErrOfALiveContext", func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			for i := 0; i < b.N; i++ {
				sink = ctx.Err()
			}
			cancel()
		}},
		{"BM_DoneOfALiveContext", func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			for i := 0; i < b.N; i++ {
				sink = ctx.Done()
			}
			cancel()
		}},
	}
	for _, bm := range benches {
		r := testing.Benchmark(bm.fn)
		fmt.Printf("%s %.1f\n", bm.name, float64(r.T.Nanoseconds())/float64(r.N))
	}
}
