// Tour: a buffered channel's sends do not block until it is full. Ports seed 000, program
// 1, part 2, bufferedChannelPattern: three sends fill a channel of capacity 3; a fourth,
// in a goroutine, blocks until main receives.
//
//   messages := make(chan string, 3)             gocxx::chan<std::string> messages(3);
//   messages <- "Message 1"                      messages.send("Message 1");
//   fmt.Println("Received:", <-messages)         std::printf("Received: %s\n", messages.recv()->c_str());
//
// The fourth sender's "sent" line comes during main's second sleep, after the first
// receive made room. The port joins that goroutine before returning (Go's program does
// not: the goroutine has printed by then in practice, and the program goes on).
#include <chrono>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(buffered_channel, "000", "three sends fill a buffered channel; the fourth blocks until a receive") {
  std::printf("\n=== PATTERN 2: BUFFERED CHANNEL ===\n");

  gocxx::chan<std::string> messages(3);  // buffered channel with capacity 3

  // These sends don't block because the buffer has space.
  messages.send("Message 1");
  messages.send("Message 2");
  messages.send("Message 3");
  std::printf("✅ Sent 3 messages without blocking\n");

  // This one blocks, because the buffer is full.
  gocxx::wait_group wg;
  wg.go([messages] {
    std::printf("Trying to send 4th message...\n");
    messages.send("Message 4");  // blocks until someone receives
    std::printf("✅ 4th message sent after space available\n");
  });

  gocxx::sleep(tour::d(100ms));

  // Receiving creates space in the buffer.
  std::printf("Received: %s\n", messages.recv()->c_str());
  gocxx::sleep(tour::d(100ms));

  // Receive the rest.
  std::printf("Received: %s\n", messages.recv()->c_str());
  std::printf("Received: %s\n", messages.recv()->c_str());
  std::printf("Received: %s\n", messages.recv()->c_str());
  wg.wait();
}
