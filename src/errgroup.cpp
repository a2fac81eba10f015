// gocxx::errgroup (gocxx/errgroup.hpp), after golang.org/x/sync/errgroup.
//
// Invariants
// - Every goroutine of the group was counted in wg before it started, and is uncounted
//   after it has recorded its failure and given back its limit token, so wait() sees
//   every failure, and a goroutine started under a limit holds one token of that limit's
//   channel (whose size is then the number of such goroutines active).
// - The first failure wins the `failed` flag and alone writes err / thrown; readers
//   read them after wg.wait() (the writer's wg.done() happens before).
#include "gocxx/errgroup.hpp"

#include <string>

namespace gocxx {

namespace {

class errgroup_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "errgroup"; }
  std::string message(int ev) const override {
    if (static_cast<errgroup_errc>(ev) == errgroup_errc::exception) {
      return "errgroup: a goroutine of the group threw an exception";
    }
    return "unknown errgroup error";
  }
};

}  // namespace

const std::error_category& errgroup_category() noexcept {
  static const errgroup_category_impl category;
  return category;
}

namespace detail {

void errgroup_state::fail(std::error_code e) noexcept {
  if (failed.exchange(true, std::memory_order_acq_rel)) return;
  err = e;
  if (cancel) cancel(e);
}

void errgroup_state::fail(std::exception_ptr ex) noexcept {
  if (failed.exchange(true, std::memory_order_acq_rel)) return;
  thrown = std::move(ex);
  err = errgroup_errc::exception;
  if (cancel) cancel(err);
}

void errgroup_state::done(const chan<std::monostate>& token) noexcept {
  if (token) token.try_recv();  // our own token is in the buffer: never blocks
  wg.done();
}

}  // namespace detail

errgroup_with_context errgroup::with_context(const context& parent) {
  auto [ctx, cancel] = with_cancel_cause(parent);
  errgroup g;
  g.st_->cancel = std::move(cancel);
  return {std::move(g), std::move(ctx)};
}

void errgroup::set_limit(int n) {
  if (n < 0) {
    st_->sem = {};
    return;
  }
  if (std::size_t active = st_->sem.size(); active != 0) {
    throw panic_error("errgroup: modify limit while " + std::to_string(active) +
                      " goroutines in the group are still active");
  }
  st_->sem = chan<std::monostate>(n);
}

std::error_code errgroup::wait() {
  st_->wg.wait();
  if (st_->cancel) st_->cancel(st_->err);
  if (st_->thrown) std::rethrow_exception(st_->thrown);
  return st_->err;
}

}  // namespace gocxx
