// The Go twins of bench/micro_blocking.cpp: the same shapes at GOMAXPROCS 1, printed
// as "<name> <ns/op>" (BM_HandoffLatency: its latency in ns). Standard library only.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func main() {
	runtime.GOMAXPROCS(1)
	benches := []struct {
		name string
		fn   func(b *testing.B)
	}{
		{"BM_RawGetpid", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
			}
		}},
		{"BM_BlockingGetpid", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0)
			}
		}},
	}
	for _, bm := range benches {
		r := testing.Benchmark(bm.fn)
		fmt.Printf("%s %.1f\n", bm.name, float64(r.T.Nanoseconds())/float64(r.N))
	}
	// BM_HandoffLatency: 200 rounds, as the C++ side.
	var total int64
	const rounds = 200
	for i := 0; i < rounds; i++ {
		var started, ran int64
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			go func() {
				ran = time.Now().UnixNano()
				wg.Done()
			}()
			ts := syscall.Timespec{Nsec: 2_000_000}
			started = time.Now().UnixNano()
			syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
			wg.Done()
		}()
		wg.Wait()
		if d := ran - started; d > 0 {
			total += d
		}
	}
	fmt.Printf("BM_HandoffLatency %.1f\n", float64(total)/rounds)
}
