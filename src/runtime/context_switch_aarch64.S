// The AArch64 (AAPCS64) context switch under every goroutine switch.
//
//   void* gocxx_context_switch(void** save_sp, void* target_sp, void* arg)
//
// Saves x19-x30 and d8-d15 on the current stack, stores sp in *save_sp, loads target_sp
// and restores the same set. `arg` is returned in x0 to the resumed side (a fresh
// context's entry receives it as its first argument). A fresh context holds the entry
// function in the x19 slot and gocxx_context_entry in the x30 (lr) slot (fiber.cpp).
// Not yet run on hardware in CI (our machines are x86-64): see docs/internals.md.
        .text
        .globl  gocxx_context_switch
        .type   gocxx_context_switch, %function
        .p2align 4
gocxx_context_switch:
        sub     sp, sp, #0xb0
        stp     d8,  d9,  [sp, #0x00]
        stp     d10, d11, [sp, #0x10]
        stp     d12, d13, [sp, #0x20]
        stp     d14, d15, [sp, #0x30]
        stp     x19, x20, [sp, #0x40]
        stp     x21, x22, [sp, #0x50]
        stp     x23, x24, [sp, #0x60]
        stp     x25, x26, [sp, #0x70]
        stp     x27, x28, [sp, #0x80]
        stp     x29, x30, [sp, #0x90]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldp     d8,  d9,  [sp, #0x00]
        ldp     d10, d11, [sp, #0x10]
        ldp     d12, d13, [sp, #0x20]
        ldp     d14, d15, [sp, #0x30]
        ldp     x19, x20, [sp, #0x40]
        ldp     x21, x22, [sp, #0x50]
        ldp     x23, x24, [sp, #0x60]
        ldp     x25, x26, [sp, #0x70]
        ldp     x27, x28, [sp, #0x80]
        ldp     x29, x30, [sp, #0x90]
        add     sp, sp, #0xb0
        mov     x0, x2
        ret
        .size   gocxx_context_switch, .-gocxx_context_switch

        .globl  gocxx_context_entry
        .type   gocxx_context_entry, %function
        .p2align 4
gocxx_context_entry:
        mov     x29, #0
        blr     x19
        brk     #0
        .size   gocxx_context_entry, .-gocxx_context_entry

        .section .note.GNU-stack,"",%progbits
