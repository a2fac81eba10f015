// Go's fatal errors of the sync package (include/gocxx/sync.hpp, issue 5): unlocking an
// unlocked mutex or rw_mutex prints Go's "fatal error: ..." text and exits with status
// 2; it is not an exception and cannot be caught. Each case runs in a child process
// ("threadsafe" death tests re-execute the binary, which the runtime's threads need).
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "gocxx/runtime.hpp"
#include "gocxx/sync.hpp"

namespace {

// Starts, with wait_group::go, a goroutine that panics. kPanickingGoLine is the line of
// that call, which the panic report must name as the goroutine's creation site.
constexpr int kPanickingGoLine = __LINE__ + 2;
void go_and_panic(gocxx::wait_group& wg) {
  wg.go([] { throw gocxx::panic_error("boom"); });
}

class SyncDeathTest : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(SyncDeathTest, UnlockOfUnlockedMutex) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::mutex mu;
                mu.unlock();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

TEST_F(SyncDeathTest, DoubleUnlockOfMutex) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::mutex mu;
                mu.lock();
                mu.unlock();
                mu.unlock();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

TEST_F(SyncDeathTest, UnlockOfUnlockedMutexWithAWaiterQueued) {
  // The check also holds on the slow path: at procs 1 the woken waiter has not run yet
  // when the second unlock comes, so the mutex is unlocked with a waiter pending.
  EXPECT_EXIT(gocxx::run([] {
                gocxx::set_max_procs(1);
                gocxx::mutex mu;
                mu.lock();
                gocxx::go([&] { mu.lock(); });
                for (int i = 0; i < 10; ++i) gocxx::yield();  // it parks on the mutex
                mu.unlock();  // wakes it
                mu.unlock();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

TEST_F(SyncDeathTest, UnlockOfUnlockedMutexOnAPlainThread) {
  EXPECT_EXIT(
      {
        gocxx::mutex mu;
        std::thread([&] { mu.unlock(); }).join();
      },
      testing::ExitedWithCode(2), "fatal error: sync: unlock of unlocked mutex");
}

TEST_F(SyncDeathTest, UnlockOfUnlockedRWMutex) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::rw_mutex rw;
                rw.unlock();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: Unlock of unlocked RWMutex");
}

TEST_F(SyncDeathTest, UnlockOfReadLockedRWMutex) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::rw_mutex rw;
                rw.lock_shared();
                rw.unlock();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: Unlock of unlocked RWMutex");
}

TEST_F(SyncDeathTest, RUnlockOfUnlockedRWMutex) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::rw_mutex rw;
                rw.unlock_shared();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: RUnlock of unlocked RWMutex");
}

TEST_F(SyncDeathTest, RUnlockOfWriteLockedRWMutex) {
  EXPECT_EXIT(gocxx::run([] {
                gocxx::rw_mutex rw;
                rw.lock();
                rw.unlock_shared();
              }),
              testing::ExitedWithCode(2), "fatal error: sync: RUnlock of unlocked RWMutex");
}

TEST_F(SyncDeathTest, PanicInWaitGroupGoIsReportedWithTheCallersSourceLocation) {
  // wait_group::go forwards the caller's std::source_location to the goroutine ("created
  // by" in the report). And, as Go 1.25 does, it does not call done() when fn panics, so
  // wait() cannot return and let the program exit before the panic is reported.
  EXPECT_EXIT(gocxx::run([] {
                gocxx::wait_group wg;
                go_and_panic(wg);
                wg.wait();
                std::_Exit(0);  // not reached: wait() never returns
              }),
              testing::ExitedWithCode(2),
              "panic: boom\n.*created by [^\n]*sync_death_test.cpp:" + std::to_string(kPanickingGoLine));
}

}  // namespace
