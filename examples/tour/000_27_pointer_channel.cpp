// Tour: a pointer sent on a channel shares its object with the receiver. Ports seed 000,
// program 2 (the diagrams), diagram 12, "complete example with all concepts": a producer
// sends a *User on a buffered channel and then renames the user; the consumer prints the
// name it received, which may already be "Modified".
//
//   ch := make(chan *User, 2)                    gocxx::chan<std::shared_ptr<user>> ch(2);
//   ch <- u; u.Name = "Modified"                 ch.send(u); u->set_name("Modified");
//   received := <-ch; ...received.Name           auto received = *ch.recv(); received->name();
//
// Bugs in the seed, fixed here:
// - main returns as soon as it has started the two goroutines, so the program ends before
//   either runs and prints nothing. The port waits for both.
// - The producer's write of Name and the consumer's read of it are a data race (the
//   diagram says so: "UNDEFINED which value consumer sees"); in C++ that is undefined
//   behaviour, not merely an unknown value. The port takes the diagram's own SOLUTION
//   line, both ways: the shared user guards its name with a mutex (the consumer sees
//   "Alice" or "Modified", whichever came first, with no race), and a User sent by value
//   is the consumer's own copy ("Alice", always).
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

// The user the pointer shares: its name is read and written under its lock.
class shared_user {
 public:
  shared_user(int id, std::string name) : id_(id), name_(std::move(name)) {}
  int id() const { return id_; }
  std::string name() {
    std::lock_guard lock(mu_);
    return name_;
  }
  void set_name(std::string name) {
    std::lock_guard lock(mu_);
    name_ = std::move(name);
  }

 private:
  const int id_;
  gocxx::mutex mu_;
  std::string name_;  // guarded by mu_
};

struct user {
  int id;
  std::string name;
};

}  // namespace

TOUR_EXAMPLE(pointer_channel, "000", "diagram 12: a *User sent on a channel is shared: the consumer may see \"Modified\"") {
  std::printf("\n=== DIAGRAM 12: COMPLETE EXAMPLE WITH ALL CONCEPTS ===\n");
  {
    gocxx::chan<std::shared_ptr<shared_user>> ch(2);  // buffered, pointer type
    gocxx::wait_group wg;
    wg.go([ch] {  // producer
      auto u = std::make_shared<shared_user>(1, "Alice");
      ch.send(u);
      u->set_name("Modified");  // affects the shared object!
    });
    wg.go([ch] {  // consumer
      std::shared_ptr<shared_user> received = *ch.recv();
      std::printf("chan *User: consumer sees %s\n", received->name().c_str());  // may print "Modified"
    });
    wg.wait();  // the seed's main does not wait
  }
  {
    gocxx::chan<user> ch(2);  // the solution: a value type
    gocxx::wait_group wg;
    wg.go([ch] {
      user u{1, "Alice"};
      ch.send(u);           // a copy goes
      u.name = "Modified";  // the sender's own
    });
    wg.go([ch] {
      user received = *ch.recv();
      std::printf("chan User: consumer sees %s\n", received.name.c_str());
    });
    wg.wait();
  }
}
