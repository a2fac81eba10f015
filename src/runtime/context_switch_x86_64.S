// The x86-64 (System V) context switch under every goroutine switch.
//
//   void* gocxx_context_switch(void** save_sp, void* target_sp, void* arg)
//
// Saves the callee-saved registers (rbp rbx r12-r15), MXCSR and the x87 control word on
// the current stack, stores the stack pointer in *save_sp, loads target_sp and restores
// the same set from there. The value `arg` travels across: the resumed side sees it as
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
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        movq    %rdx, %rax
        movq    %rdx, %rdi
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
