// The x86-64 (System V) context switch under every goroutine switch.
//
//   void* gocxx_context_switch(void** save_sp, void* target_sp, void* arg)
//
// Saves the callee-saved integer registers (r12-r15 rbx rbp) in a 0x40-byte frame on the
// current stack (slot 0 is unused padding, the return address sits on top), stores the
// stack pointer in *save_sp, loads target_sp and restores the same set from there.
// MXCSR and the x87 control word are NOT switched: the floating-point environment is per
// thread, as in Go (docs/differences.md). Reloading them cost 3.4 ns per round trip, and
// ~140 ns whenever two goroutines' sticky status flags differ (docs/internals.md). The value `arg` travels across: the resumed side sees it as
// this function's return value (rax), and a fresh context's entry sees it in rdi.
// A fresh context is laid out by make_context (fiber.cpp): saved-register slots with the
// entry function in r12 and gocxx_context_entry as the return address.
// Why our own and not Boost.Context: see docs/internals.md ("Context switch").
        .text
        .globl  gocxx_context_switch
        .type   gocxx_context_switch, @function
        .p2align 4
gocxx_context_switch:
        .cfi_startproc
        leaq    -0x38(%rsp), %rsp
        movq    %r12, 0x08(%rsp)
        movq    %r13, 0x10(%rsp)
        movq    %r14, 0x18(%rsp)
        movq    %r15, 0x20(%rsp)
        movq    %rbx, 0x28(%rsp)
        movq    %rbp, 0x30(%rsp)
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        movq    0x08(%rsp), %r12
        movq    0x10(%rsp), %r13
        movq    0x18(%rsp), %r14
        movq    0x20(%rsp), %r15
        movq    0x28(%rsp), %rbx
        movq    0x30(%rsp), %rbp
        leaq    0x38(%rsp), %rsp
        movq    %rdx, %rax
        movq    %rdx, %rdi
        // ret, not a jump through a register: the call that entered here pushed a
        // return-stack-buffer entry, and only a ret pops it. Switches mostly happen from
        // the same call site on both sides (schedule_away), so the ret is predicted right
        // and every return after it too; with an indirect jmp the RSB kept one stale entry
        // per switch and each return up the resumed goroutine's frames (schedule_away ->
        // park -> chan_recv -> ...) mispredicted (ring of 10 goroutines, procs 1:
        // 65 -> 36 ns/hop; docs/internals.md, "Context switch").
        ret
        .cfi_endproc
        .size   gocxx_context_switch, .-gocxx_context_switch

// First instructions of a fresh context: rdi holds the switch's arg, r12 the entry.
// The entry never returns; ud2 makes a broken invariant loud.
        .globl  gocxx_context_entry
        .type   gocxx_context_entry, @function
        .p2align 4
gocxx_context_entry:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        callq   *%r12
        ud2
        .cfi_endproc
        .size   gocxx_context_entry, .-gocxx_context_entry

        .section .note.GNU-stack,"",@progbits
