// Unwinding (libunwind) and symbolizing (libdwfl) call stacks; see traceback.hpp.
//
// The symbolizer is one Dwfl session for the process, built on first use from
// /proc/self/maps and rebuilt when an address falls in no known module (a library
// dlopen'ed since). Each return address is turned into text once: a dump of 100,000
// goroutines parked at a handful of call sites formats a handful of addresses.
// Lock order: g_sym.mu is a leaf; it is never taken with a runtime lock held.
#include "runtime/traceback.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <link.h>
#include <unistd.h>
#include <unwind.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace gocxx::detail {

namespace {

struct logical_frame {
  std::string name;
  std::string where;  // "file:line", or "" when unknown
};

std::string demangle(const char* name) {
  if (!name) return {};
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status == 0 && d) {
    std::string s(d);
    std::free(d);
    return s;
  }
  return name;
}

// The path of DIEs from `parent` down to the DIE at offset `target` (exclusive).
bool die_path(Dwarf_Die* parent, Dwarf_Off target, std::vector<Dwarf_Die>& path) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return false;
  do {
    if (dwarf_dieoffset(&child) == target) return true;
    switch (dwarf_tag(&child)) {
      case DW_TAG_namespace:
      case DW_TAG_class_type:
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
      case DW_TAG_subprogram:
      case DW_TAG_lexical_block:
        path.push_back(child);
        if (die_path(&child, target, path)) return true;
        path.pop_back();
        break;
      default:
        break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// A function's name: demangled from its linkage name when it has one, else qualified
// by the scopes that enclose its declaration in `cu` (a lambda's operator() has no
// linkage name: it reads "main::{lambda}::operator()").
std::string die_name(Dwarf_Die* cu, Dwarf_Die* die) {
  Dwarf_Attribute a;
  const char* linkage = nullptr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) || dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a)) {
    linkage = dwarf_formstring(&a);
  }
  if (linkage) return demangle(linkage);
  const char* base = dwarf_diename(die);
  if (!base && dwarf_attr_integrate(die, DW_AT_name, &a)) base = dwarf_formstring(&a);
  std::string name = base ? base : "??";
  // The declaration: through the abstract origin, then the specification.
  Dwarf_Die decl = *die, tmp;
  if (dwarf_attr(&decl, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &tmp)) decl = tmp;
  if (dwarf_attr(&decl, DW_AT_specification, &a) && dwarf_formref_die(&a, &tmp)) decl = tmp;
  std::vector<Dwarf_Die> path;
  if (!cu || !die_path(cu, dwarf_dieoffset(&decl), path)) return name;
  std::string qual;
  for (Dwarf_Die& d : path) {
    int tag = dwarf_tag(&d);
    if (tag == DW_TAG_lexical_block) continue;
    const char* n = dwarf_diename(&d);
    if (n) {
      qual += n;
    } else if (tag == DW_TAG_namespace) {
      qual += "(anonymous namespace)";
    } else if (tag == DW_TAG_class_type || tag == DW_TAG_structure_type) {
      qual += "{lambda}";
    } else {
      continue;
    }
    qual += "::";
  }
  return qual + name;
}

std::string file_line(const char* file, int line) {
  if (!file || !*file) return {};
  std::string s(file);
  if (line > 0) {
    s += ':';
    s += std::to_string(line);
  }
  return s;
}

// The DIEs, from a subprogram down through its inlined calls, whose code holds `pc`
// (a CU-relative address). Descends through namespaces, classes and the scopes inside
// functions: dwarf_getscopes looks at none of them, and C++ puts most definitions there.
bool find_chain(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>& chain) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    switch (tag) {
      case DW_TAG_namespace:
      case DW_TAG_class_type:
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
        if (chain.empty() && find_chain(&child, pc, chain)) return true;
        break;
      case DW_TAG_subprogram:
      case DW_TAG_inlined_subroutine:
        if (dwarf_haspc(&child, pc) == 1) {
          chain.push_back(child);
          find_chain(&child, pc, chain);
          return true;
        }
        // A function with no code of its own here (an abstract instance) may still hold
        // the concrete code of a local class's members (a lambda's static invoker).
        if (chain.empty() && tag == DW_TAG_subprogram && find_chain(&child, pc, chain)) return true;
        break;
      case DW_TAG_lexical_block:
      case DW_TAG_try_block:
      case DW_TAG_catch_block:
        if (!chain.empty() && dwarf_haspc(&child, pc) == 1) return find_chain(&child, pc, chain);
        break;
      default:
        break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

class symbolizer {
 public:
  // The logical frames (inlined calls first, then the function) of one address.
  const std::vector<logical_frame>& lookup(std::uintptr_t addr) {
    auto it = cache_.find(addr);
    if (it != cache_.end()) return it->second;
    return cache_.emplace(addr, resolve(addr)).first->second;
  }

  // The frames of a suspended context whose registers are `regs` (DWARF numbering, see
  // unwind_saved), reading memory only inside [lo, hi). mu held.
  int unwind(const Dwarf_Word* regs, int nregs, Dwarf_Word pc, std::uintptr_t lo, std::uintptr_t hi,
             std::uintptr_t* pcs, int max) {
    Dwfl* d = session();
    if (!d) return 0;
    if (!attached_) {
      static const Dwfl_Thread_Callbacks cb = {&next_thread, &get_thread, &memory_read, &initial_registers, nullptr, nullptr};
      attached_ = dwfl_attach_state(d, nullptr, getpid(), &cb, this);
      if (!attached_) return 0;
    }
    target_ = {regs, nregs, pc, lo, hi, pcs, max, 0};
    dwfl_getthread_frames(d, getpid(), &on_frame, this);
    return target_.n;
  }

  // The data symbol that holds `addr` ("a", "counter+8"), or "" (heap, stack).
  std::string data_name(std::uintptr_t addr) {
    Dwfl_Module* mod = module_of(addr);
    if (!mod) mod = module_by_segments(addr);
    if (!mod) return {};
    GElf_Off off = 0;
    GElf_Sym esym;
    const char* name = dwfl_module_addrinfo(mod, addr, &off, &esym, nullptr, nullptr, nullptr);
    if (!name || GELF_ST_TYPE(esym.st_info) != STT_OBJECT || off >= esym.st_size) return {};
    std::string s = std::strncmp(name, "_Z", 2) == 0 ? demangle(name) : std::string(name);
    if (off) {
      s += '+';
      s.append(std::to_string(off));
    }
    return s;
  }

  std::mutex mu;

 private:
  struct target {
    const Dwarf_Word* regs;
    int nregs;
    Dwarf_Word pc;
    std::uintptr_t lo, hi;
    std::uintptr_t* pcs;
    int max, n;
  };

  // One pseudo-thread: whichever context `target_` describes.
  static pid_t next_thread(Dwfl*, void*, void** argp) {
    if (*argp) return 0;
    *argp = reinterpret_cast<void*>(1);
    return getpid();
  }
  static bool get_thread(Dwfl*, pid_t, void*, void**) { return true; }
  // Not instrumented: it reads another goroutine's stack, whose frames ASan keeps
  // poisoned redzones in (a parked frame's locals' guards). The bounds check is ours.
  [[gnu::no_sanitize_address]] static bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg) {
    const target& t = static_cast<symbolizer*>(arg)->target_;
    if (addr < t.lo || addr + sizeof(Dwarf_Word) > t.hi || addr % alignof(Dwarf_Word) != 0) return false;
    *result = *reinterpret_cast<const Dwarf_Word*>(addr);
    return true;
  }
  static bool initial_registers(Dwfl_Thread* th, void*) {
    symbolizer& s = sym_of(th);
    if (!dwfl_thread_state_registers(th, 0, static_cast<unsigned>(s.target_.nregs), s.target_.regs)) return false;
    dwfl_thread_state_register_pc(th, s.target_.pc);
    return true;
  }
  static symbolizer& sym_of(Dwfl_Thread*);
  static int on_frame(Dwfl_Frame* f, void* arg) {
    target& t = static_cast<symbolizer*>(arg)->target_;
    Dwarf_Addr pc = 0;
    bool activation = false;
    if (!dwfl_frame_pc(f, &pc, &activation) || pc == 0) return DWARF_CB_ABORT;
    t.pcs[t.n++] = static_cast<std::uintptr_t>(pc);
    return t.n < t.max ? DWARF_CB_OK : DWARF_CB_ABORT;
  }

  Dwfl* session() {
    if (!dwfl_) {
      callbacks_.find_elf = dwfl_linux_proc_find_elf;
      callbacks_.find_debuginfo = dwfl_standard_find_debuginfo;
      callbacks_.debuginfo_path = &debuginfo_path_;
      dwfl_ = dwfl_begin(&callbacks_);
      if (!dwfl_) return nullptr;
      dwfl_report_begin(dwfl_);
      dwfl_linux_proc_report(dwfl_, getpid());
      dwfl_report_end(dwfl_, nullptr, nullptr);
    }
    return dwfl_;
  }

  Dwfl_Module* module_of(std::uintptr_t addr) {
    Dwfl* d = session();
    if (!d) return nullptr;
    Dwfl_Module* mod = dwfl_addrmodule(d, addr);
    if (!mod && !rereported_) {
      // Perhaps a library loaded since the session was built: report the maps again.
      rereported_ = true;
      dwfl_report_begin_add(d);
      dwfl_linux_proc_report(d, getpid());
      dwfl_report_end(d, nullptr, nullptr);
      mod = dwfl_addrmodule(d, addr);
    }
    return mod;
  }

  // The module whose loaded segments (p_memsz, so .bss too) hold `addr`. The maps that
  // dwfl_linux_proc_report reads name only the file-backed pages: a .bss past the
  // file's last page is an anonymous mapping, outside every module's reported range.
  Dwfl_Module* module_by_segments(std::uintptr_t addr) {
    Dwfl* d = session();
    if (!d) return nullptr;
    struct query {
      std::uintptr_t addr;
      std::uintptr_t file_backed;  // an address of the same object that the maps name
    } q{addr, 0};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* arg) -> int {
          auto* q = static_cast<query*>(arg);
          std::uintptr_t first = 0;
          bool holds = false;
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const auto& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_LOAD) continue;
            std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
            if (!first && ph.p_filesz) first = lo;
            if (q->addr >= lo && q->addr - lo < ph.p_memsz) holds = true;
          }
          if (!holds) return 0;
          q->file_backed = first;
          return 1;
        },
        &q);
    return q.file_backed ? dwfl_addrmodule(d, q.file_backed) : nullptr;
  }

  std::vector<logical_frame> resolve(std::uintptr_t addr) {
    std::vector<logical_frame> out;
    Dwfl_Module* mod = module_of(addr);
    if (!mod) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "?? (0x%lx)", static_cast<unsigned long>(addr));
      out.push_back({buf, {}});
      return out;
    }
    const char* sym = dwfl_module_addrname(mod, addr);
    int line = 0;
    const char* file = nullptr;
    if (Dwfl_Line* l = dwfl_module_getsrc(mod, addr)) file = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr);
    std::string where = file_line(file, line);

    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dwfl_module_addrdie(mod, addr, &bias);
    std::vector<Dwarf_Die> chain;  // outermost (the function) first, then inlined calls
    if (cu) find_chain(cu, addr - bias, chain);
    Dwarf_Files* files = nullptr;
    std::size_t nfiles = 0;
    if (cu) dwarf_getsrcfiles(cu, &files, &nfiles);
    for (std::size_t i = chain.size(); i-- > 1;) {  // innermost inlined call first
      Dwarf_Die& d = chain[i];
      if (dwarf_tag(&d) != DW_TAG_inlined_subroutine) continue;
      out.push_back({die_name(cu, &d), where});
      // The next frame out is where this one was inlined.
      Dwarf_Attribute at;
      Dwarf_Word cf = 0, cl = 0;
      const char* cfile = nullptr;
      if (dwarf_attr(&d, DW_AT_call_file, &at) && dwarf_formudata(&at, &cf) == 0 && files && cf < nfiles) {
        cfile = dwarf_filesrc(files, cf, nullptr, nullptr);
      }
      if (dwarf_attr(&d, DW_AT_call_line, &at)) dwarf_formudata(&at, &cl);
      where = file_line(cfile, static_cast<int>(cl));
    }
    // The function the address is in: its ELF symbol names it with its namespaces.
    if (!out.empty() || sym) out.push_back({sym ? demangle(sym) : std::string(), where});
    if (out.empty()) {
      // No debug information: the ELF symbol, or the module and offset.
      out.clear();
      if (sym) {
        out.push_back({demangle(sym), where});
      } else {
        Dwarf_Addr start = 0;
        const char* mname = dwfl_module_info(mod, nullptr, &start, nullptr, nullptr, nullptr, nullptr, nullptr);
        char buf[64];
        std::snprintf(buf, sizeof buf, "+0x%lx", static_cast<unsigned long>(addr - start));
        out.push_back({std::string("?? (") + (mname ? mname : "?") + buf + ")", where});
      }
    }
    for (auto& f : out) {
      if (f.name.empty()) f.name = "??";
    }
    return out;
  }

  Dwfl* dwfl_ = nullptr;
  Dwfl_Callbacks callbacks_{};
  char* debuginfo_path_ = nullptr;
  bool rereported_ = false;
  bool attached_ = false;
  target target_{};
  std::unordered_map<std::uintptr_t, std::vector<logical_frame>> cache_;
};

symbolizer& sym() {
  static symbolizer* s = new symbolizer;  // immortal: dumps may run during exit
  return *s;
}

symbolizer& symbolizer::sym_of(Dwfl_Thread*) { return sym(); }

struct backtrace_state {
  std::uintptr_t* pcs;
  int max, n;
  int skip;          // frames to leave out first
  bool from_signal;  // start at the interrupted frame (the first with ip_before_insn)
  bool started;
};

_Unwind_Reason_Code on_unwind_frame(_Unwind_Context* ctx, void* arg) {
  auto& st = *static_cast<backtrace_state*>(arg);
  int before = 0;
  std::uintptr_t ip = _Unwind_GetIPInfo(ctx, &before);
  if (st.from_signal && !st.started) {
    if (!before) return _URC_NO_REASON;
    st.started = true;
  }
  if (st.skip > 0) {
    --st.skip;
    return _URC_NO_REASON;
  }
  if (ip == 0 || st.n >= st.max) return _URC_END_OF_STACK;
  st.pcs[st.n++] = ip;
  return _URC_NO_REASON;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// A frame of the runtime itself: a function of gocxx::detail (after any return type of a
// template's demangled name), the context switch, or code inlined from the library's
// detail headers (a goroutine's entry thunk).
bool runtime_frame(const logical_frame& f) {
  const std::string& n = f.name;
  if (n == "??" || starts_with(n, "gocxx_context_")) return true;
  std::size_t head = n.find('(');
  std::size_t at = n.find("gocxx::detail::");
  if (at != std::string::npos && at < head && (at == 0 || n[at - 1] == ' ')) return true;
  return f.where.find("include/gocxx/detail/") != std::string::npos;
}

// A frame inlined from the library's public headers (gocxx::run's wrapper lambda).
bool library_frame(const logical_frame& f) { return f.where.find("include/gocxx/") != std::string::npos; }

}  // namespace

int unwind_saved(const void* sp, std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t* pcs, int max) {
  if (!sp) return 0;
  auto s = reinterpret_cast<std::uintptr_t>(sp);
  const auto* slot = static_cast<const std::uintptr_t*>(sp);
#if defined(__x86_64__)
  // gocxx_context_switch's frame: [0] pad, r12 r13 r14 r15 rbx rbp, return address.
  // DWARF numbers: rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5, rbp 6, rsp 7, r8-r15 8-15.
  // Caller-saved registers are dead across the switch's call: zero.
  constexpr std::uintptr_t frame = 0x40;
  if (s < lo || s + frame > hi) return 0;
  Dwarf_Word regs[16] = {};
  regs[3] = slot[5];
  regs[6] = slot[6];
  regs[7] = s + frame;
  regs[12] = slot[1];
  regs[13] = slot[2];
  regs[14] = slot[3];
  regs[15] = slot[4];
  Dwarf_Word pc = slot[7];
#elif defined(__aarch64__)
  // d8-d15 at 0x00, x19-x28 at 0x40, x29 x30 at 0x90; DWARF x0-x30 are 0-30, sp 31.
  constexpr std::uintptr_t frame = 0xb0;
  if (s < lo || s + frame > hi) return 0;
  Dwarf_Word regs[32] = {};
  for (int i = 0; i < 10; ++i) regs[19 + i] = slot[8 + i];
  regs[29] = slot[18];
  regs[30] = slot[19];
  regs[31] = s + frame;
  Dwarf_Word pc = slot[19];
#else
  (void)s;
  (void)slot;
  return 0;
#endif
  symbolizer& sy = sym();
  std::lock_guard<std::mutex> l(sy.mu);
  return sy.unwind(regs, static_cast<int>(sizeof regs / sizeof regs[0]), pc, lo, hi, pcs, max);
}

int unwind_here(std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t* pcs, int max) {
  (void)lo;
  (void)hi;
  backtrace_state st{pcs, max, 0, 1, false, false};  // skip this function's own frame
  _Unwind_Backtrace(&on_unwind_frame, &st);
  return st.n;
}

int unwind_signal(void* ucontext, std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t* pcs, int max) {
  (void)ucontext;
  (void)lo;
  (void)hi;
  // Called from the handler: libgcc's unwinder steps through the kernel's signal frame,
  // which it reports with ip_before_insn set; the walk starts there.
  backtrace_state st{pcs, max, 0, 0, true, false};
  _Unwind_Backtrace(&on_unwind_frame, &st);
  return st.n;
}

std::string describe_address(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  std::string out = buf;
  symbolizer& s = sym();
  std::lock_guard<std::mutex> l(s.mu);
  std::string name = s.data_name(reinterpret_cast<std::uintptr_t>(p));
  if (!name.empty()) out += " (" + name + ")";
  return out;
}

bool traceback_all_frames() {
  const char* e = std::getenv("GOCXX_TRACEBACK");
  return e && (std::strcmp(e, "system") == 0 || std::strcmp(e, "crash") == 0);
}

void format_frames(std::string& out, const std::uintptr_t* pcs, int n, bool all_frames, bool first_is_pc) {
  std::vector<logical_frame> frames;
  {
    symbolizer& s = sym();
    std::lock_guard<std::mutex> l(s.mu);
    for (int i = 0; i < n; ++i) {
      // A return address points after its call; the call itself is one byte before.
      std::uintptr_t a = (i == 0 && first_is_pc) ? pcs[i] : pcs[i] - 1;
      const auto& fs = s.lookup(a);
      frames.insert(frames.end(), fs.begin(), fs.end());
    }
  }
  std::size_t begin = 0, end = frames.size();
  if (!all_frames) {
    while (begin < end && runtime_frame(frames[begin])) ++begin;
    // The goroutine's entry and everything below it: the first runtime frame under the
    // user's, and the public wrappers (gocxx::run's lambda) just above it.
    for (std::size_t i = begin; i < end; ++i) {
      if (runtime_frame(frames[i])) {
        end = i;
        break;
      }
    }
    while (end > begin + 1 && library_frame(frames[end - 1])) --end;
    if (begin == end) {
      // Nothing but the runtime: the goroutine's own code was inlined into its entry
      // thunk and there is no debug information to tell. Show the innermost thunk (its
      // name carries the goroutine's function type), or everything if there is none.
      begin = 0;
      end = frames.size();
      for (std::size_t i = 0; i < frames.size(); ++i) {
        if (starts_with(frames[i].name, "gocxx::detail::task::task<")) {
          begin = i;
          end = i + 1;
          break;
        }
      }
    }
  }
  for (std::size_t i = begin; i < end; ++i) {
    out += frames[i].name;
    if (!frames[i].where.empty()) {
      out += " at ";
      out += frames[i].where;
    }
    out += '\n';
  }
}

}  // namespace gocxx::detail
