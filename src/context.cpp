// The context package (gocxx/context.hpp), after Go's context/context.go.
//
// Nodes. Every context is a reference-counted node with a counted pointer to its parent
// (values and deadlines are looked up through it) and an uncounted pointer to its
// `anchor`, the nearest cancellable node at or above it (itself, for a cancellable one;
// null when nothing above can be cancelled). done(), err(), cause() and stop_token() of
// any node are its anchor's, so a value node adds no cost to them. Deadlines are
// inherited at creation (a child's is never later than its parent's), so deadline() is
// one load.
//
// The tree. A cancellable node (cancel_ctx) keeps the entries below it in a doubly
// linked list (ctx_link): child cancel_ctxs whose `up` (their parent's anchor) it is,
// after_func registrations, and watches. A child is linked into `up` at birth, unless
// `up` is already done (then it is born done with up's error and cause), and unlinked
// when it is cancelled, by itself or by `up`. A linked child holds a reference to its
// parent, so `up` lives as long as its linked children do.
//
// Orphans. When the last handle of a linked, not-done child goes, the child unlinks and
// dies, unless something may still observe it: a done() channel handed out and still
// held elsewhere, a stop token handed out, or entries of its own (orphans, after_funcs).
// Then it stays in up's list as an orphan that the list owns: it drops its parent
// reference (so it pins nothing), and is cancelled and freed by up's cancellation, or
// freed with up (when up can no longer be cancelled, nothing below it can fire).
//
// Cancellation (cancel_node) sets err and cause, closes the done channel and walks the
// subtree depth first, without recursion (stacks are fixed-size): each node is locked
// from the moment it is marked until its list is empty, so its entries cannot go away
// under the walk (a child whose last handle goes meanwhile waits for its up's lock to
// unlink itself, and then finds itself unlinked). What may run user code or take other
// locks (stopping timers, std::stop_source::request_stop, spawning after_func
// goroutines, freeing orphans) is collected and done once every lock is released.
//
// Invariants (c a cancel_ctx)
// - c->err goes 0 -> canceled or deadline_exceeded once, under c->mu, after c->cause is
//   set (so a reader that sees err may read cause without the lock); done is closed at
//   the same time, or created closed later.
// - Once c is done its list is empty and stays so: entries are unlinked by the walk, and
//   nothing is linked into a done node.
// - An entry's prev/next/linked/orphan are guarded by its owner's mu.
//
// Lock order: a parent's mu -> its child's mu (down the tree; never up) -> a watch's
// leaf lock (the semaphore's) and a channel's lock (close) -> the scheduler's (ready).
// Nothing that takes a context lock runs while one is held, except as just said.
#include "gocxx/context.hpp"

#include <cstdlib>
#include <new>
#include <vector>

#include "context_node.hpp"
#include "runtime/sched.hpp"

namespace gocxx {

namespace {

class context_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "context"; }
  std::string message(int ev) const override {
    switch (static_cast<context_errc>(ev)) {
      case context_errc::canceled:
        return "context canceled";
      case context_errc::deadline_exceeded:
        return "context deadline exceeded";
    }
    return "unknown context error";
  }
  // So that ctx.err() == std::errc::timed_out (Go's DeadlineExceeded is a net.Error
  // whose Timeout() is true) and == std::errc::operation_canceled.
  std::error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<context_errc>(ev)) {
      case context_errc::canceled:
        return std::errc::operation_canceled;
      case context_errc::deadline_exceeded:
        return std::errc::timed_out;
    }
    return {ev, *this};
  }
};

}  // namespace

const std::error_category& context_category() noexcept {
  static const context_category_impl category;
  return category;
}

namespace detail {

namespace {

enum class ctx_kind : std::uint8_t { root, value, cancel, without_cancel };

struct cancel_ctx;

struct ctx_base : ctx_node {
  ctx_kind kind = ctx_kind::root;
  bool has_stop_callback = false;  // a stop_ctx
  ctx_base* parent = nullptr;      // counted; null for roots and orphans
  cancel_ctx* anchor = nullptr;    // not counted (the parent chain keeps it alive)
  std::int64_t deadline = 0;       // CLOCK_MONOTONIC ns; 0: none
};

struct value_ctx : ctx_base {
  const void* key = nullptr;
  void* value = nullptr;                      // in the same allocation, after this
  void (*destroy)(void*) noexcept = nullptr;  // null until the value is constructed
};

struct cancel_ctx : ctx_base, ctx_link {
  cancel_ctx* up = nullptr;  // the parent's anchor, whose list this node goes in; null: none
  runtime_lock mu;
  std::atomic<std::uint8_t> err{0};  // 0, or a context_errc
  done_chan done_obj;                          // written once, under mu, before done_ptr
  std::atomic<const done_chan*> done_ptr{nullptr};  // &done_obj once it is made
  std::error_code cause;              // set once, before err
  ctx_link* children = nullptr;
  std::stop_source stop{std::nostopstate};  // made on the first stop_token()
  timer_rec* timer = nullptr;               // the deadline's, while armed (one reference)
  std::error_code deadline_cause;           // immutable
};

void cancel_node(cancel_ctx* c, std::uint8_t err, std::error_code cause) noexcept;

struct stop_cancel {
  cancel_ctx* c;
  void operator()() const noexcept { cancel_node(c, static_cast<std::uint8_t>(context_errc::canceled), {}); }
};

struct stop_ctx : cancel_ctx {
  std::optional<std::stop_callback<stop_cancel>> callback;
};

ctx_base* base(ctx_node* n) noexcept { return static_cast<ctx_base*>(n); }

// ---- children lists (owner->mu held) ----

void list_push(cancel_ctx* owner, ctx_link* l) noexcept {
  l->prev = nullptr;
  l->next = owner->children;
  if (l->next) l->next->prev = l;
  owner->children = l;
  l->linked = true;
}

void list_remove(cancel_ctx* owner, ctx_link* l) noexcept {
  if (l->prev) {
    l->prev->next = l->next;
  } else {
    owner->children = l->next;
  }
  if (l->next) l->next->prev = l->prev;
  l->prev = l->next = nullptr;
  l->linked = false;
}

// The shared channel of done() for a node that was done before anyone asked (Go's
// closedchan). Never freed.
hchan* closed_chan() {
  static hchan* const c = [] {
    hchan* ch = chan_make(&elem_ops_of<std::monostate>::value, 0);
    chan_close(ch);
    return ch;
  }();
  chan_retain(c);
  return c;
}

}  // namespace

// An after_func registration. refs: the handles' plus one while registered (linked, or
// about to run); handles: the handles', which also hold `anchor_ref` so that stop() may
// lock the anchor.
struct ctx_after : ctx_link {
  std::atomic<std::uint32_t> refs{1};
  std::atomic<std::uint32_t> handles{1};
  task fn;
  const char* file = "";
  unsigned line = 0;
  cancel_ctx* anchor = nullptr;  // null: the context can never be done, fn never runs
  ctx_ref anchor_ref;
  std::atomic<bool> stopped{false};  // anchor null: stop() was called
};

namespace {

void after_unref(ctx_after* a) noexcept {
  if (a->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete a;
}

// What a cancellation does once it holds no lock.
struct deferred {
  std::vector<timer_rec*> timers;
  std::vector<std::stop_source> stops;
  std::vector<ctx_after*> afters;
  std::vector<cancel_ctx*> orphans;
  void run() noexcept;
};

void free_unreachable(cancel_ctx* c) noexcept;

void run_after(ctx_after* a) noexcept {
  try {
    spawn(std::move(a->fn), go_options{}, source_location::current(a->file, "context.AfterFunc", a->line));
  } catch (...) {
    // Out of memory for a goroutine record: there is no caller to tell.
    std::abort();
  }
  after_unref(a);  // the registration's
}

void deferred::run() noexcept {
  for (timer_rec* t : timers) {
    timer_stop(t);
    timer_release(t);
  }
  for (std::stop_source& s : stops) s.request_stop();
  for (ctx_after* a : afters) run_after(a);
  for (cancel_ctx* c : orphans) free_unreachable(c);
}

// c->mu held, c not done.
void mark_done_locked(cancel_ctx* c, std::uint8_t err, const std::error_code& cause, deferred& d) {
  c->cause = cause;
  c->err.store(err, std::memory_order_release);
  if (c->done_ptr.load(std::memory_order_relaxed)) chan_close(chan_access::core(c->done_obj));
  if (c->timer) d.timers.push_back(std::exchange(c->timer, nullptr));
  if (c->stop.stop_possible()) d.stops.push_back(c->stop);
}

// The nodes of a walk whose locks are held, root first. Trees are shallow: a few
// levels live inline.
class walk_path {
 public:
  void push(cancel_ctx* c) {
    if (n_ < inline_depth) {
      inline_[n_] = c;
    } else {
      more_.push_back(c);
    }
    ++n_;
  }
  cancel_ctx* back() const noexcept { return n_ <= inline_depth ? inline_[n_ - 1] : more_.back(); }
  void pop() noexcept {
    if (n_ > inline_depth) more_.pop_back();
    --n_;
  }
  bool empty() const noexcept { return n_ == 0; }

 private:
  static constexpr std::size_t inline_depth = 16;
  cancel_ctx* inline_[inline_depth];
  std::vector<cancel_ctx*> more_;
  std::size_t n_ = 0;
};

// c->mu held, c just marked done: cancels everything below c with (err, cause), empties
// every list on the way, and unlocks c.
void cancel_below_locked(cancel_ctx* c, std::uint8_t err, const std::error_code& cause, deferred& d) {
  walk_path path;
  path.push(c);
  while (!path.empty()) {
    cancel_ctx* top = path.back();
    ctx_link* l = top->children;
    if (!l) {
      bool orphan = top != c && top->orphan;  // guarded by the owner's mu, still held
      top->mu.unlock();
      path.pop();
      if (orphan) d.orphans.push_back(top);
      continue;
    }
    list_remove(top, l);
    switch (l->lkind) {
      case ctx_link::child: {
        auto* k = static_cast<cancel_ctx*>(l);
        k->mu.lock();
        if (k->err.load(std::memory_order_relaxed) != 0) {
          k->mu.unlock();  // cancelling itself; it is not an orphan (it has a handle)
        } else {
          mark_done_locked(k, err, cause, d);
          path.push(k);
        }
        break;
      }
      case ctx_link::after:
        d.afters.push_back(static_cast<ctx_after*>(l));  // the registration's reference moves
        break;
      case ctx_link::watch: {
        auto* w = static_cast<ctx_watch*>(l);
        w->fire(w);
        break;
      }
    }
  }
}

void cancel_node(cancel_ctx* c, std::uint8_t err, std::error_code cause) noexcept {
  if (c->err.load(std::memory_order_acquire) != 0) return;
  if (!cause) cause = make_error_code(static_cast<context_errc>(err));
  deferred d;
  c->mu.lock();
  if (c->err.load(std::memory_order_relaxed) != 0) {
    c->mu.unlock();
    return;
  }
  try {
    mark_done_locked(c, err, cause, d);
    cancel_below_locked(c, err, cause, d);
  } catch (...) {
    std::abort();  // only bad_alloc of the deferred lists: locks are held, nothing to undo
  }
  if (cancel_ctx* up = c->up) {
    up->mu.lock();
    if (c->linked) list_remove(up, c);
    up->mu.unlock();
  }
  d.run();
}

// Links a new node into its up's list, or makes it born done when up is done.
void attach(cancel_ctx* c) noexcept {
  cancel_ctx* up = c->up;
  if (!up) return;
  up->mu.lock();
  if (std::uint8_t e = up->err.load(std::memory_order_relaxed)) {
    std::error_code cause = up->cause;
    up->mu.unlock();
    c->cause = cause;
    c->err.store(e, std::memory_order_release);
    return;
  }
  list_push(up, c);
  up->mu.unlock();
}

void init_child(ctx_base* n, ctx_kind kind, ctx_base* parent) noexcept {
  n->kind = kind;
  n->parent = parent;
  ctx_retain(parent);
  n->deadline = parent->deadline;
  n->anchor = parent->anchor;
}

template <class C>
C* new_cancel_ctx(ctx_base* parent) {
  auto* c = new C;
  init_child(c, ctx_kind::cancel, parent);
  c->up = parent->anchor;
  c->anchor = c;
  c->lkind = ctx_link::child;
  return c;
}

// c->mu held: whether c must outlive its handles (see Orphans).
bool observable_locked(cancel_ctx* c) noexcept {
  if (c->children || c->stop.stop_possible()) return true;
  if (!c->done_ptr.load(std::memory_order_relaxed)) return false;
  return chan_access::core(c->done_obj)->refs.load(std::memory_order_acquire) > 1;
}

// Frees c and whatever its list owns. c has no references and is in no list, so nothing
// else can reach it or its list.
void free_unreachable(cancel_ctx* c) noexcept {
  std::vector<cancel_ctx*> more;
  for (;;) {
    for (ctx_link* l = c->children; l;) {
      ctx_link* next = l->next;
      l->linked = false;
      if (l->lkind == ctx_link::child) {
        try {
          more.push_back(static_cast<cancel_ctx*>(l));
        } catch (...) {
          std::abort();
        }
      } else if (l->lkind == ctx_link::after) {
        after_unref(static_cast<ctx_after*>(l));  // never to run
      }
      l = next;
    }
    c->children = nullptr;
    if (c->timer) {
      timer_stop(c->timer);
      timer_release(c->timer);
    }
    if (c->has_stop_callback) {
      delete static_cast<stop_ctx*>(c);
    } else {
      delete c;
    }
    if (more.empty()) return;
    c = more.back();
    more.pop_back();
  }
}

}  // namespace

void ctx_free(ctx_node* n0) noexcept {
  ctx_base* n = base(n0);
  while (n) {
    ctx_base* parent = n->parent;
    switch (n->kind) {
      case ctx_kind::root:
        return;  // static; never reaches here (its count starts above every handle's)
      case ctx_kind::value: {
        auto* v = static_cast<value_ctx*>(n);
        if (v->destroy) v->destroy(v->value);
        v->~value_ctx();
        ::operator delete(static_cast<void*>(v));
        break;
      }
      case ctx_kind::without_cancel:
        delete n;
        break;
      case ctx_kind::cancel: {
        auto* c = static_cast<cancel_ctx*>(n);
        // No stop may cancel it from here on (waits for a callback running elsewhere).
        if (c->has_stop_callback) static_cast<stop_ctx*>(c)->callback.reset();
        bool keep = false;
        if (c->err.load(std::memory_order_acquire) != 0) {
          // Done, so no longer linked: born done, unlinked by up's walk before it was
          // marked, or unlinked by its own cancel, which finished before the reference
          // its caller held was dropped. A walk of up may still be below c, though:
          // c's lock is held until the walk is done with it.
          c->mu.lock();
          c->mu.unlock();
        } else if (cancel_ctx* up = c->up) {
          up->mu.lock();
          if (c->linked) {
            c->mu.lock();
            keep = c->err.load(std::memory_order_relaxed) == 0 && observable_locked(c);
            c->mu.unlock();
            if (keep) {
              c->orphan = true;
              c->parent = nullptr;
            } else {
              list_remove(up, c);
            }
          }
          up->mu.unlock();
        }
        if (!keep) free_unreachable(c);
        break;
      }
    }
    // Release the parent here rather than by recursion: a chain of a million contexts
    // must not need a million frames.
    n = parent && parent->refs.fetch_sub(1, std::memory_order_acq_rel) == 1 ? parent : nullptr;
  }
}

namespace {
constinit ctx_base background_node{};
constinit ctx_base todo_node{};
}  // namespace

ctx_node* ctx_background() noexcept {
  ctx_retain(&background_node);
  return &background_node;
}
ctx_node* ctx_todo() noexcept {
  ctx_retain(&todo_node);
  return &todo_node;
}

ctx_node* ctx_with_cancel(ctx_node* parent) {
  cancel_ctx* c = new_cancel_ctx<cancel_ctx>(base(parent));
  attach(c);
  return c;
}

ctx_node* ctx_with_deadline(ctx_node* parent0, std::int64_t when, std::error_code cause, const source_location& where) {
  ctx_base* parent = base(parent0);
  if (parent->deadline != 0 && parent->deadline <= when) return ctx_with_cancel(parent);  // the parent's comes first
  cancel_ctx* c = new_cancel_ctx<cancel_ctx>(parent);
  c->deadline = when;
  c->deadline_cause = cause;
  attach(c);
  if (c->err.load(std::memory_order_relaxed) != 0) return c;
  if (when <= nanotime()) {
    cancel_node(c, static_cast<std::uint8_t>(context_errc::deadline_exceeded), cause);
    return c;
  }
  timer_rec* t;
  try {
    ctx_retain(c);  // the timer's function holds the node
    t = timer_make_func(
        when,
        task([r = ctx_ref(c)] {
          auto* n = static_cast<cancel_ctx*>(r.get());
          cancel_node(n, static_cast<std::uint8_t>(context_errc::deadline_exceeded), n->deadline_cause);
        }),
        where);
  } catch (...) {
    ctx_cancel(c, {});
    ctx_release(c);
    throw;
  }
  c->mu.lock();
  bool armed = c->err.load(std::memory_order_relaxed) == 0;
  if (armed) c->timer = t;
  c->mu.unlock();
  if (!armed) {  // cancelled by its parent meanwhile
    timer_stop(t);
    timer_release(t);
  }
  return c;
}

ctx_node* ctx_with_stop_token(ctx_node* parent, std::stop_token st) {
  stop_ctx* c = new_cancel_ctx<stop_ctx>(base(parent));
  c->has_stop_callback = true;
  attach(c);
  if (c->err.load(std::memory_order_relaxed) == 0 && st.stop_possible()) {
    c->callback.emplace(std::move(st), stop_cancel{c});  // runs at once if already stopped
  }
  return c;
}

ctx_node* ctx_without_cancel(ctx_node* parent) {
  auto* n = new ctx_base;
  init_child(n, ctx_kind::without_cancel, base(parent));
  n->anchor = nullptr;
  n->deadline = 0;
  return n;
}

ctx_node* ctx_make_value(ctx_node* parent, const void* key, std::size_t size, std::size_t align, void** slot) {
  std::size_t off = (sizeof(value_ctx) + align - 1) / align * align;
  void* mem = ::operator new(off + size);
  auto* v = ::new (mem) value_ctx;
  init_child(v, ctx_kind::value, base(parent));
  v->key = key;
  v->value = static_cast<char*>(mem) + off;
  *slot = v->value;
  return v;
}

void ctx_value_ready(ctx_node* n, void (*destroy)(void*) noexcept) noexcept {
  static_cast<value_ctx*>(base(n))->destroy = destroy;
}

void ctx_value_abandon(ctx_node* n) noexcept { ctx_release(n); }  // destroy is null: no value to destroy

void ctx_cancel(ctx_node* n, std::error_code cause) noexcept {
  cancel_node(static_cast<cancel_ctx*>(base(n)), static_cast<std::uint8_t>(context_errc::canceled), cause);
}

const done_chan& ctx_done(ctx_node* n) {
  static const done_chan nil;
  cancel_ctx* c = base(n)->anchor;
  if (!c) return nil;
  if (const done_chan* d = c->done_ptr.load(std::memory_order_acquire)) return *d;
  // Made outside the lock (an allocation that may throw); the loser of a race drops its own.
  hchan* fresh = c->err.load(std::memory_order_acquire) != 0 ? closed_chan()
                                                            : chan_make(&elem_ops_of<std::monostate>::value, 0);
  c->mu.lock();
  if (!c->done_ptr.load(std::memory_order_relaxed)) {
    if (c->err.load(std::memory_order_relaxed) != 0 && !fresh->closed.load(std::memory_order_relaxed)) {
      chan_close(fresh);  // cancelled since we looked: born closed
    }
    chan_access::ref(c->done_obj) = chan_ref(fresh);
    c->done_ptr.store(&c->done_obj, std::memory_order_release);
    fresh = nullptr;
  }
  c->mu.unlock();
  if (fresh) chan_release(fresh);
  return c->done_obj;
}

std::error_code ctx_err(ctx_node* n) noexcept {
  cancel_ctx* c = base(n)->anchor;
  if (!c) return {};
  std::uint8_t e = c->err.load(std::memory_order_acquire);
  if (e == 0) return {};
  return make_error_code(static_cast<context_errc>(e));
}

std::error_code ctx_cause(ctx_node* n) noexcept {
  cancel_ctx* c = base(n)->anchor;
  if (!c || c->err.load(std::memory_order_acquire) == 0) return {};
  return c->cause;  // immutable once err is set
}

std::int64_t ctx_deadline(ctx_node* n) noexcept { return base(n)->deadline; }

const void* ctx_value(ctx_node* n, const void* key) noexcept {
  for (ctx_base* x = base(n); x; x = x->parent) {
    if (x->kind == ctx_kind::value) {
      auto* v = static_cast<value_ctx*>(x);
      if (v->key == key) return v->value;
    }
  }
  return nullptr;
}

std::stop_token ctx_stop_token(ctx_node* n) {
  cancel_ctx* c = base(n)->anchor;
  if (!c) return {};
  c->mu.lock();
  if (!c->stop.stop_possible()) {
    c->mu.unlock();
    std::stop_source fresh;  // allocates: outside the lock
    c->mu.lock();
    if (!c->stop.stop_possible()) c->stop = std::move(fresh);
  }
  std::stop_source s = c->stop;
  bool done = c->err.load(std::memory_order_relaxed) != 0;
  c->mu.unlock();
  if (done) s.request_stop();  // made after the cancellation, which could not stop it
  return s.get_token();
}

void ctx_nil_parent() { throw panic_error("cannot create context from nil parent"); }
void ctx_nil_method() { throw panic_error("runtime error: invalid memory address or nil pointer dereference"); }

// ---- after_func ----

ctx_after* ctx_after_func(ctx_node* n, task fn, const source_location& where) {
  auto* a = new ctx_after;
  a->lkind = ctx_link::after;
  a->fn = std::move(fn);
  a->file = where.file_name();
  a->line = where.line();
  cancel_ctx* c = base(n)->anchor;
  if (!c) return a;  // never runs; stop() only flips `stopped`
  a->anchor = c;
  ctx_retain(c);
  a->anchor_ref = ctx_ref(c);
  a->refs.fetch_add(1, std::memory_order_relaxed);  // the registration's
  c->mu.lock();
  if (c->err.load(std::memory_order_relaxed) != 0) {
    c->mu.unlock();
    run_after(a);
    return a;
  }
  list_push(c, a);
  c->mu.unlock();
  return a;
}

bool ctx_after_stop(ctx_after* a) noexcept {
  cancel_ctx* c = a->anchor;
  if (!c) return !a->stopped.exchange(true, std::memory_order_acq_rel);
  c->mu.lock();
  bool was = a->linked;
  if (was) list_remove(c, a);
  c->mu.unlock();
  if (was) after_unref(a);  // the registration's; fn is destroyed with the last handle
  return was;
}

void ctx_after_retain(ctx_after* a) noexcept {
  a->handles.fetch_add(1, std::memory_order_relaxed);
  a->refs.fetch_add(1, std::memory_order_relaxed);
}

void ctx_after_release(ctx_after* a) noexcept {
  ctx_ref anchor;  // released last: it may free the list that holds a's registration
  if (a->handles.fetch_sub(1, std::memory_order_acq_rel) == 1) anchor = std::move(a->anchor_ref);
  after_unref(a);
}

// ---- watches ----

bool ctx_watch_add(ctx_node* n, ctx_watch* w) noexcept {
  cancel_ctx* c = base(n)->anchor;
  if (!c) return true;
  w->lkind = ctx_link::watch;
  c->mu.lock();
  if (c->err.load(std::memory_order_relaxed) != 0) {
    c->mu.unlock();
    return false;
  }
  list_push(c, w);
  c->mu.unlock();
  return true;
}

void ctx_watch_remove(ctx_node* n, ctx_watch* w) noexcept {
  cancel_ctx* c = base(n)->anchor;
  if (!c) return;
  c->mu.lock();
  if (w->linked) list_remove(c, w);
  c->mu.unlock();
}

}  // namespace detail
}  // namespace gocxx
