// cpu_per_wall: the Go twin of bench/cpu_per_wall.cpp (same modes, same output).
//
//	cpu_per_wall pingpong|light <procs> <round trips>
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: cpu_per_wall pingpong|light <procs> <round trips>")
		os.Exit(2)
	}
	mode := os.Args[1]
	light := mode == "light"
	procs, _ := strconv.Atoi(os.Args[2])
	n, _ := strconv.Atoi(os.Args[3])
	runtime.GOMAXPROCS(procs)
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	start := time.Now()
	v := 0
	for i := 0; i < n; i++ {
		if light {
			time.Sleep(100 * time.Microsecond)
		}
		ping <- v
		v = <-pong
	}
	close(ping)
	ns := float64(time.Since(start).Nanoseconds())
	if v != n {
		fmt.Fprintln(os.Stderr, "cpu_per_wall: wrong count", v)
		os.Exit(1)
	}
	fmt.Printf("RESULT %s %d %.1f ns/roundtrip\n", mode, procs, ns/float64(n))
}
