// gocxx::detail::task: a move-only, type-erased `void()` callable with inline storage,
// the body of a goroutine. Callables up to 48 bytes (a lambda capturing a few handles)
// live inline, so `go` allocates nothing beyond the goroutine record; larger ones, and
// over-aligned ones (alignof > 8: a capture of long double or a vector type), are boxed
// on the heap. Pointer alignment keeps the goroutine record free of padding.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace gocxx::detail {

class task {
 public:
  static constexpr std::size_t inline_size = 48;

  task() noexcept = default;
  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, task> && std::is_invocable_v<D&>>>
  task(F&& f) {  // NOLINT(google-explicit-constructor): a task is made from any callable
    if constexpr (sizeof(D) <= inline_size && alignof(D) <= alignof(void*) &&
                  std::is_nothrow_move_constructible_v<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      invoke_ = [](task& t) { (*std::launder(reinterpret_cast<D*>(t.buf_)))(); };
      manage_ = [](task* dst, task* src) noexcept {
        D* s = std::launder(reinterpret_cast<D*>(src->buf_));
        if (dst) ::new (static_cast<void*>(dst->buf_)) D(std::move(*s));
        s->~D();
      };
    } else {
      D* boxed = new D(std::forward<F>(f));
      ::new (static_cast<void*>(buf_)) D*(boxed);
      invoke_ = [](task& t) { (**std::launder(reinterpret_cast<D**>(t.buf_)))(); };
      manage_ = [](task* dst, task* src) noexcept {
        D** s = std::launder(reinterpret_cast<D**>(src->buf_));
        if (dst) {
          ::new (static_cast<void*>(dst->buf_)) D*(*s);
        } else {
          delete *s;
        }
      };
    }
  }
  task(task&& o) noexcept : invoke_(o.invoke_), manage_(o.manage_) {
    if (manage_) manage_(this, &o);
    o.invoke_ = nullptr;
    o.manage_ = nullptr;
  }
  task& operator=(task&& o) noexcept {
    if (this != &o) {
      reset();
      invoke_ = o.invoke_;
      manage_ = o.manage_;
      if (manage_) manage_(this, &o);
      o.invoke_ = nullptr;
      o.manage_ = nullptr;
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  explicit operator bool() const noexcept { return invoke_ != nullptr; }
  void operator()() { invoke_(*this); }
  void reset() noexcept {
    if (manage_) manage_(nullptr, this);
    invoke_ = nullptr;
    manage_ = nullptr;
  }

 private:
  alignas(void*) unsigned char buf_[inline_size];
  void (*invoke_)(task&) = nullptr;
  void (*manage_)(task* dst, task* src) noexcept = nullptr;
};

}  // namespace gocxx::detail
