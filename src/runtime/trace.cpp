// The tracer's buffers, their life across start and stop, the chunk pool and its
// background thread, the string table of user annotations, and the public API
// (gocxx::trace). trace.hpp states the invariants (cost, the stop protocol, time order);
// trace_write.cpp turns the collected events into the file.
//
// A buffer belongs to one thread and one trace (its generation): the thread finds it
// through a thread_local pointer, trusted only when the thread_local generation matches
// the trace's. Buffers live in the registry until the trace's stop collects them, so a
// plain thread that exits mid-trace loses nothing.
//
// Lock order: g_lock (the registry, the pool, the string table) is a leaf.
#include "runtime/trace.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gocxx/runtime.hpp"
#include "gocxx/trace.hpp"
#include "runtime/allg.hpp"
#include "runtime/diag.hpp"
#include "runtime/sched.hpp"
#include "runtime/trace_write.hpp"

namespace gocxx::detail {

std::atomic<bool> g_tracing{false};

namespace {

constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr std::size_t slab_bytes = 2 * 1024 * 1024;
constexpr std::size_t chunks_per_slab = slab_bytes / chunk_bytes;

struct chunk {
  chunk* next = nullptr;
  std::uint32_t n = 0;
  static constexpr std::uint32_t cap = (chunk_bytes - 16) / sizeof(trace_event);
  trace_event ev[cap];
};
static_assert(sizeof(chunk) <= chunk_bytes);

// A thread's buffer. Never freed: a writer that read its thread_local pointer may be
// about to mark it busy when a stop runs, so the record must outlive every trace. Its
// chunks belong to trace `gen` only; a writer in a later trace starts it afresh. The
// record of a thread that has exited is reused by a new thread once collected.
struct buffer {
  std::atomic<std::uint32_t> busy{0};
  std::atomic<bool> owner_gone{false};
  std::uint64_t gen = 0;  // the trace its chunks belong to; written by its writer
  chunk* head = nullptr;
  chunk* cur = nullptr;
  std::uint64_t dropped = 0;
  trace_thread who;
  buffer* next = nullptr;  // the registry: every buffer ever made, never unlinked
};

// Marks the thread's buffer reusable when the thread exits.
struct buffer_owner {
  buffer* b = nullptr;
  ~buffer_owner() {
    if (b) b->owner_gone.store(true, std::memory_order_release);
  }
};
thread_local buffer_owner tls_buf;

struct session {
  std::string path;
  std::FILE* file = nullptr;
  std::int64_t start_ns = 0;
  std::vector<trace_existing> existing;
  int procs = 0;
};

std::mutex g_lock;
// The running (or last) trace's generation; 0: none yet. Written under g_lock.
std::atomic<std::uint64_t> g_gen{0};
std::atomic<buffer*> g_buffers{nullptr};  // pushed under g_lock; walked without it
chunk* g_pool = nullptr;        // prefaulted free chunks; under g_lock
std::size_t g_pool_n = 0;
std::size_t g_chunks = 0;       // chunks of this trace (in buffers and the pool)
std::size_t g_chunk_limit = 0;  // GOCXX_TRACE_LIMIT_MB
std::vector<std::string> g_strings{""};  // id 0: none
std::unordered_map<std::string, std::uint32_t> g_string_ids;
session* g_session = nullptr;  // under g_lock
std::mutex g_api_lock;         // serialises start and stop (outside g_lock)
bool g_from_env = false;       // the running trace is GOCXX_TRACE's

// The refiller: keeps the pool stocked so that writers never fault pages in.
std::condition_variable g_refill_cv;
bool g_refill_stop = false;
std::thread g_refiller;

std::size_t pool_target() {
  // Two spare chunks per buffer, at least a slab's worth.
  std::size_t bufs = 0;
  std::uint64_t gen = g_gen.load(std::memory_order_relaxed);
  for (buffer* b = g_buffers.load(std::memory_order_acquire); b; b = b->next) bufs += b->gen == gen;
  return std::max<std::size_t>(chunks_per_slab, 2 * bufs);
}

// Chunks come from 2 MiB slabs backed by transparent huge pages where the kernel allows
// (madvise): one page fault per 32 chunks instead of 16 per chunk. On our VMs a 4 KiB
// fault costs ~18 us, which at 32 bytes an event was ~140 ns per event, four times the
// rest of an event's cost (docs/internals.md, "Tracer").
std::vector<void*> g_slabs;  // under g_lock: unmapped when the trace's chunks are freed

// A new slab, faulted in, its chunks linked; null if mmap fails. Called without g_lock.
chunk* new_slab(void*& base) {
  void* raw = mmap(nullptr, 2 * slab_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  // Keep the 2 MiB-aligned slab inside the mapping, give back the rest.
  auto r = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t a = (r + slab_bytes - 1) & ~(slab_bytes - 1);
  if (a > r) munmap(raw, a - r);
  if (a + slab_bytes < r + 2 * slab_bytes) munmap(reinterpret_cast<void*>(a + slab_bytes), r + 2 * slab_bytes - a - slab_bytes);
  base = reinterpret_cast<void*>(a);
  madvise(base, slab_bytes, MADV_HUGEPAGE);
  chunk* list = nullptr;
  for (std::size_t off = slab_bytes; off >= chunk_bytes; off -= chunk_bytes) {
    auto* c = reinterpret_cast<chunk*>(a + off - chunk_bytes);
    // One write per 4 KiB page: with a huge page the first faults in all of it.
    for (std::size_t pg = 0; pg < chunk_bytes; pg += 4096) reinterpret_cast<volatile char*>(c)[pg] = 0;
    c->next = list;
    c->n = 0;
    list = c;
  }
  return list;
}

// g_lock held: puts a new slab's chunks in the pool.
void add_slab_locked(void* base, chunk* list) {
  g_slabs.push_back(base);
  while (list) {
    chunk* c = list;
    list = c->next;
    c->next = g_pool;
    g_pool = c;
    ++g_pool_n;
  }
}


// g_lock held (through `l`, dropped while the slab is faulted in): adds a slab's chunks
// to the pool; false past the limit or if mmap fails.
bool grow_pool(std::unique_lock<std::mutex>& l) {
  if (g_chunks + chunks_per_slab > g_chunk_limit) return false;
  g_chunks += chunks_per_slab;  // reserved before the lock is dropped
  l.unlock();
  void* base = nullptr;
  chunk* list = new_slab(base);
  l.lock();
  if (!list) {
    g_chunks -= chunks_per_slab;
    return false;
  }
  add_slab_locked(base, list);
  return true;
}

// g_lock held (through `l`). A chunk for a writer: from the pool, else from a slab made
// here (the refiller fell behind); null past the limit.
chunk* take_chunk(std::unique_lock<std::mutex>& l) {
  if (!g_pool && !grow_pool(l)) return nullptr;
  chunk* c = g_pool;
  g_pool = c->next;
  --g_pool_n;
  c->next = nullptr;
  c->n = 0;
  if (g_pool_n < pool_target() / 2) g_refill_cv.notify_one();
  return c;
}

void refiller_main() {
  std::unique_lock<std::mutex> l(g_lock);
  while (!g_refill_stop) {
    while (!g_refill_stop && g_pool_n < pool_target() && grow_pool(l)) {
    }
    g_refill_cv.wait_for(l, std::chrono::milliseconds(5));
  }
}

trace_thread describe_this_thread() {
  trace_thread t;
  t.tid = static_cast<int>(syscall(SYS_gettid));
  m* mp = current_m();
  t.m_id = mp ? mp->id : -1;
  return t;
}

// The calling thread's buffer record, made (or a dead thread's reused) on first use.
buffer* this_buffer() {
  if (tls_buf.b) return tls_buf.b;
  std::lock_guard<std::mutex> l(g_lock);
  buffer* b = nullptr;
  for (buffer* x = g_buffers.load(std::memory_order_relaxed); x; x = x->next) {
    if (x->owner_gone.load(std::memory_order_acquire) && !x->head && x->busy.load(std::memory_order_acquire) == 0) {
      x->owner_gone.store(false, std::memory_order_relaxed);
      b = x;
      break;
    }
  }
  if (!b) {
    b = new buffer;
    b->next = g_buffers.load(std::memory_order_relaxed);
    g_buffers.store(b, std::memory_order_release);
  }
  b->gen = 0;
  b->who = describe_this_thread();
  tls_buf.b = b;
  return b;
}

// Busy, in trace `gen`: gives b its first chunk of this trace. False past the limit.
bool join_trace(buffer* b, std::uint64_t gen) {
  std::unique_lock<std::mutex> l(g_lock);
  chunk* c = take_chunk(l);
  if (!c) return false;
  b->head = b->cur = c;
  b->dropped = 0;
  b->gen = gen;
  return true;
}

std::uint32_t intern(std::string_view s) {
  std::lock_guard<std::mutex> l(g_lock);
  auto it = g_string_ids.find(std::string(s));
  if (it != g_string_ids.end()) return it->second;
  auto id = static_cast<std::uint32_t>(g_strings.size());
  g_strings.emplace_back(s);
  g_string_ids.emplace(std::string(s), id);
  return id;
}

// A log message is not interned (each is usually new): appended.
std::uint32_t add_string(std::string_view s) {
  std::lock_guard<std::mutex> l(g_lock);
  auto id = static_cast<std::uint32_t>(g_strings.size());
  g_strings.emplace_back(s);
  return id;
}

std::size_t limit_chunks() {
  long mb = 512;
  if (const char* e = std::getenv("GOCXX_TRACE_LIMIT_MB")) mb = std::max(1L, std::atol(e));
  return static_cast<std::size_t>(mb) * 1024 * 1024 / chunk_bytes;
}

// Whether the heavy fence (membarrier) is available; else every writer's busy store is
// followed by a full fence (trace_emit).
std::atomic<bool> g_heavy_fence{false};

void begin(const std::string& path, bool from_env) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::system_error(errno, std::generic_category(), "gocxx::trace::start: " + path);
  if (!from_env) ensure_started();  // GOCXX_TRACE's start runs inside it
  auto* s = new session;
  s->path = path;
  s->file = f;
  s->procs = sched().gomaxprocs.load(std::memory_order_relaxed);
  {
    // The goroutines that exist now, so that every later event names a known one.
    allg_snapshot snap;
    [[maybe_unused]] racy_reads quiet;  // fields of goroutines that run meanwhile
    for (const allg_entry& e : snap.entries()) {
      const g* gp = e.gp;
      trace_existing x;
      x.id = e.id;
      x.status = static_cast<int>(gp->status.load(std::memory_order_acquire));
      x.reason = static_cast<int>(gp->reason);
      x.file = gp->created_file;
      x.line = gp->created_line;
      x.parent = gp->parent_id;
      if (gp->id == e.id) s->existing.push_back(x);
    }
  }
  g_heavy_fence.store(freeze_supported(), std::memory_order_relaxed);
  std::lock_guard<std::mutex> l(g_lock);
  g_gen.fetch_add(1, std::memory_order_relaxed);
  g_session = s;
  g_from_env = from_env;
  g_chunk_limit = limit_chunks();
  g_chunks = 0;
  g_refill_stop = false;
  g_strings.assign(1, "");
  g_string_ids.clear();
  s->start_ns = nanotime();
  g_tracing.store(true, std::memory_order_seq_cst);
  g_refiller = std::thread(&refiller_main);
  note_helper_threads(1);
}

// Stops the running trace and returns what it collected (null if none ran).
struct collected {
  session* s = nullptr;
  std::vector<trace_stream> streams;
  std::vector<std::string> strings;
  std::vector<void*> slabs;  // every chunk's memory, unmapped once written
};

collected end() {
  collected out;
  g_tracing.store(false, std::memory_order_seq_cst);
  if (g_heavy_fence.load(std::memory_order_relaxed)) heavy_fence_all_threads();
  std::thread refiller;
  std::uint64_t gen;
  {
    std::lock_guard<std::mutex> l(g_lock);
    if (!g_session) return out;
    out.s = std::exchange(g_session, nullptr);
    gen = g_gen.load(std::memory_order_relaxed);
    g_refill_stop = true;
    refiller = std::move(g_refiller);
  }
  g_refill_cv.notify_all();
  if (refiller.joinable()) refiller.join();
  note_helper_threads(-1);
  // No writer enters a buffer now (trace.hpp); wait for those inside one. Without g_lock:
  // a writer inside may be taking a chunk.
  for (buffer* b = g_buffers.load(std::memory_order_acquire); b; b = b->next) {
    while (b->busy.load(std::memory_order_acquire) != 0) cpu_relax();
    if (b->gen != gen || !b->head) continue;
    trace_stream st;
    st.who = b->who;
    st.dropped = b->dropped;
    for (chunk* c = b->head; c; c = c->next) {
      st.parts.push_back({c->ev, c->n});
    }
    b->head = b->cur = nullptr;
    out.streams.push_back(std::move(st));
  }
  std::lock_guard<std::mutex> l(g_lock);
  out.strings = std::move(g_strings);
  g_strings.assign(1, "");
  g_string_ids.clear();
  out.slabs = std::move(g_slabs);
  g_slabs.clear();
  g_pool = nullptr;
  g_pool_n = 0;
  return out;
}

void write_and_free(collected& c) {
  if (!c.s) return;
  trace_input in;
  in.start_ns = c.s->start_ns;
  in.procs = c.s->procs;
  in.streams = std::move(c.streams);
  in.strings = std::move(c.strings);
  in.existing = std::move(c.s->existing);
  bool ok = write_trace_json(c.s->file, in);
  ok = std::fclose(c.s->file) == 0 && ok;
  for (void* slab : c.slabs) munmap(slab, slab_bytes);
  std::string path = c.s->path;
  delete c.s;
  c.s = nullptr;
  if (!ok) throw std::system_error(EIO, std::generic_category(), "gocxx::trace::stop: writing " + path);
}

void stop_at_exit() {
  if (!g_from_env) return;
  try {
    std::lock_guard<std::mutex> api(g_api_lock);
    collected c = end();
    write_and_free(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gocxx: GOCXX_TRACE: %s\n", e.what());
  }
}

}  // namespace

void trace_emit(trace_ev type, std::uint8_t reason, std::uint16_t p, std::uint32_t u32, std::uint64_t g,
                std::uint64_t arg) noexcept {
  buffer* b = this_buffer();
  b->busy.store(1, std::memory_order_relaxed);
  if (g_heavy_fence.load(std::memory_order_relaxed)) {
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the light side (trace.hpp)
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  if (!g_tracing.load(std::memory_order_relaxed)) {
    b->busy.store(0, std::memory_order_release);
    return;
  }
  // Inside the trace now (stop waits for us). Its generation is stable meanwhile: the
  // next start comes only after this trace's stop, which waits for busy == 0.
  if (std::uint64_t gen = g_gen.load(std::memory_order_relaxed); b->gen != gen && !join_trace(b, gen)) {
    b->busy.store(0, std::memory_order_release);
    return;
  }
  chunk* c = b->cur;
  if (c->n == chunk::cap) {
    chunk* fresh;
    {
      std::unique_lock<std::mutex> l(g_lock);
      fresh = take_chunk(l);
    }
    if (!fresh) {
      ++b->dropped;
      b->busy.store(0, std::memory_order_release);
      return;
    }
    c->next = fresh;
    b->cur = c = fresh;
  }
  trace_event& e = c->ev[c->n];
  e.ts = nanotime();
  e.type = type;
  e.reason = reason;
  e.p = p;
  e.u32 = u32;
  e.g = g;
  e.arg = arg;
  ++c->n;
  b->busy.store(0, std::memory_order_release);
}

void trace_start_from_env() {
  const char* path = std::getenv("GOCXX_TRACE");
  if (!path || !*path) return;
  try {
    std::lock_guard<std::mutex> api(g_api_lock);
    begin(path, true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gocxx: GOCXX_TRACE: %s\n", e.what());
    return;
  }
  std::atexit(&stop_at_exit);
}

void trace_before_exit() noexcept {
  if (!g_from_env || !g_tracing.load(std::memory_order_relaxed)) return;
  // The fatal path may run on a goroutine with a small stack: the writer runs on a
  // thread's own stack.
  on_thread_stack([](void*) { stop_at_exit(); }, nullptr);
}

}  // namespace gocxx::detail

namespace gocxx::trace {

void start(const std::string& path) {
  std::lock_guard<std::mutex> api(detail::g_api_lock);
  if (detail::g_tracing.load(std::memory_order_relaxed)) throw panic_error("trace: tracing is already enabled");
  detail::begin(path, false);
}

void stop() {
  detail::collected c;
  {
    std::lock_guard<std::mutex> api(detail::g_api_lock);
    c = detail::end();
    detail::write_and_free(c);
  }
}

bool is_enabled() noexcept { return detail::g_tracing.load(std::memory_order_relaxed); }

region::region(std::string_view name) : id_(0) {
  if (!detail::tracing()) return;
  id_ = detail::intern(name);
  detail::trace_emit(detail::trace_ev::region_begin, 0, 0, id_, goroutine_id(), 0);
}

region::~region() {
  if (id_ == 0 || !detail::tracing()) return;
  detail::trace_emit(detail::trace_ev::region_end, 0, 0, id_, goroutine_id(), 0);
}

void log(std::string_view category, std::string_view message) {
  if (!detail::tracing()) return;
  std::uint32_t cat = detail::intern(category);
  std::uint32_t msg = detail::add_string(message);
  detail::trace_emit(detail::trace_ev::log, 0, 0, cat, goroutine_id(), msg);
}

}  // namespace gocxx::trace
