//! Runs corten's matmul kernels on bare metal under the Bochs emulator, whose
//! CPU models have AVX-512 (the CI machine has not), and checks every
//! product against an f64 oracle: the portable, AVX2+FMA and AVX-512F
//! kernels, on the shapes around each kernel's tile edges, on the streaming
//! and blocked paths, accumulating or not, strided, transposed, summed over
//! segments, and with B at every offset within a cache line.
//!
//! A Multiboot loader (syslinux's `mboot.c32`) starts `_start` in 32-bit
//! protected mode; it maps the first GiB, enters long mode, enables the
//! x87/SSE/AVX/AVX-512 register state and calls `rust_main`, which reports
//! on the first serial port and then asks Bochs to shut down. `run.sh`
//! builds it, boots it and reads the report.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};
use corten::linalg::{Gemm, Isa, Segments};

core::arch::global_asm!(
    r#"
    .section .multiboot, "a"
    .p2align 2
multiboot_header:
    .long 0x1BADB002
    .long 0x00010002
    .long -(0x1BADB002 + 0x00010002)
    .long multiboot_header
    .long __load_start
    .long __load_end
    .long __bss_end
    .long _start

    .section .text.boot, "ax"
    .code32
    .global _start
_start:
    cli
    movl $boot_stack_top, %esp
    movl $pml4, %edi
    xorl %eax, %eax
    movl $(3 * 4096 / 4), %ecx
    rep stosl
    movl $pdpt, %eax
    orl $3, %eax
    movl %eax, pml4
    movl $pd, %eax
    orl $3, %eax
    movl %eax, pdpt
    xorl %ecx, %ecx
1:
    movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, pd(,%ecx,8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b
    movl $pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl $0xC0000080, %ecx
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax
    movl %eax, %cr0
    lgdt gdt_pointer
    ljmp $0x08, $long_mode

    .code64
long_mode:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movq %cr0, %rax
    andq $~4, %rax
    orq $2, %rax
    movq %rax, %cr0
    movq %cr4, %rax
    orq $0x40600, %rax
    movq %rax, %cr4
    xorl %ecx, %ecx
    movl $0xE7, %eax
    xorl %edx, %edx
    xsetbv
    movq $stack_top, %rsp
    call rust_main
2:
    cli
    hlt
    jmp 2b

    .section .rodata
    .p2align 3
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF
    .quad 0x00CF92000000FFFF
gdt_pointer:
    .word gdt_pointer - gdt - 1
    .long gdt

    .section .bss
    .p2align 12
pml4:
    .skip 4096
pdpt:
    .skip 4096
pd:
    .skip 4096
    .skip 16384
boot_stack_top:
    .p2align 4
    .skip 4 * 1024 * 1024
stack_top:
"#,
    options(att_syntax)
);

/// The first serial port, where the report goes (Bochs writes it to a file).
struct Serial;

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for byte in s.bytes() {
            // Wait until the transmitter holds no byte.
            while line_status() & 0x20 == 0 {}
            // COM1's data register.
            write_port(0x3F8, byte);
        }
        Ok(())
    }
}

impl Serial {
    /// Sets the line to 8 data bits, no parity, 1 stop bit (it starts at 5).
    fn init() -> Serial {
        // COM1's line control register.
        write_port(0x3FB, 0x03);
        Serial
    }
}

/// Writes `byte` to I/O port `port`: on this emulated PC only the serial
/// port and Bochs's shutdown port are written.
fn write_port(port: u16, byte: u8) {
    // SAFETY: a port write touches no memory; the ports written here (COM1's
    // registers, Bochs's shutdown port) have no effect on this program's
    // memory either.
    unsafe {
        core::arch::asm!("out dx, al", in("dx") port, in("al") byte,
            options(nomem, nostack, preserves_flags))
    };
}

/// COM1's line status register.
fn line_status() -> u8 {
    let status: u8;
    // SAFETY: port 0x3FD is COM1's line status register; reading it touches
    // no memory.
    unsafe {
        core::arch::asm!("in al, dx", in("dx") 0x3FDu16, out("al") status,
            options(nomem, nostack, preserves_flags))
    };
    status
}

/// Waits until the serial line has sent everything, asks Bochs to stop (its
/// shutdown port), then halts.
fn shutdown() -> ! {
    // Bit 6: everything sent.
    while line_status() & 0x40 == 0 {}
    for &byte in b"Shutdown" {
        write_port(0x8900, byte);
    }
    loop {
        // SAFETY: halting with interrupts off only stops this CPU.
        unsafe { core::arch::asm!("cli; hlt", options(nomem, nostack)) };
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(Serial, "\nPANIC: {info}\nRESULT: FAIL");
    shutdown()
}

/// Hands out the RAM from 32 MiB to 480 MiB (Bochs is given 512 MiB, mapped
/// one to one); a block given back is reused when it is the latest one.
struct Bump {
    next: AtomicUsize,
}

const HEAP_START: usize = 32 << 20;
const HEAP_END: usize = 480 << 20;

// SAFETY: one CPU, no interrupts: `alloc` and `dealloc` never interleave;
// every block lies in RAM that nothing else uses.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let next = self.next.load(Ordering::Relaxed);
        let start = (next + layout.align() - 1) & !(layout.align() - 1);
        let end = start + layout.size();
        if end > HEAP_END {
            return core::ptr::null_mut();
        }
        self.next.store(end, Ordering::Relaxed);
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize + layout.size() == self.next.load(Ordering::Relaxed) {
            self.next.store(ptr as usize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static HEAP: Bump = Bump {
    next: AtomicUsize::new(HEAP_START),
};

// Built for the hosted x86_64 Linux target (hard-float ABI, which AVX-512
// needs) but linked with no C library: the memory functions the compiler
// calls are here, as string instructions (a loop would be turned back into a
// call to itself).

/// The prebuilt `alloc` of this target refers to the unwinder's personality
/// routine; with `panic = "abort"` nothing unwinds, so it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// # Safety
/// As C's `memcpy`.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, len: usize) -> *mut u8 {
    // SAFETY: the caller passes `len` readable bytes at `src` and writable
    // bytes at `dst`, not overlapping; the direction flag is clear.
    unsafe {
        core::arch::asm!("rep movsb", inout("rdi") dst => _, inout("rsi") src => _,
            inout("rcx") len => _, options(nostack, preserves_flags))
    };
    dst
}

/// # Safety
/// As C's `memmove`.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, len: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize) + len {
        // SAFETY: copying upwards never overwrites a byte not yet read.
        return unsafe { memcpy(dst, src, len) };
    }
    // SAFETY: backwards from the last byte (direction flag set, then
    // cleared again); the caller passes `len` bytes at both.
    unsafe {
        core::arch::asm!("std", "rep movsb", "cld",
            inout("rdi") dst.add(len - 1) => _, inout("rsi") src.add(len - 1) => _,
            inout("rcx") len => _, options(nostack))
    };
    dst
}

/// # Safety
/// As C's `memset`.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, value: i32, len: usize) -> *mut u8 {
    // SAFETY: the caller passes `len` writable bytes at `dst`.
    unsafe {
        core::arch::asm!("rep stosb", inout("rdi") dst => _, inout("rcx") len => _,
            in("al") value as u8, options(nostack, preserves_flags))
    };
    dst
}

/// # Safety
/// As C's `memcmp`.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, len: usize) -> i32 {
    for i in 0..len {
        // SAFETY: the caller passes `len` readable bytes at both.
        let (x, y) = unsafe {
            (
                core::ptr::read_volatile(a.add(i)),
                core::ptr::read_volatile(b.add(i)),
            )
        };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// # Safety
/// As C's `bcmp`.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, len: usize) -> i32 {
    // SAFETY: as `memcmp`.
    unsafe { memcmp(a, b, len) }
}

/// Deterministic data in [-1, 1), never all zeros (as the library's tests).
fn data(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// Runs `g` (summed over `seg`) on `isa` over C poisoned with NaN (or
/// holding data when accumulating) and compares every element with the f64
/// oracle.
fn check(isa: Isa, g: Gemm<'_>, seg: Segments, label: &str, out: &mut Serial) -> bool {
    let c0 = data(g.m * g.ldc, 7);
    let mut c = if g.accumulate {
        c0.clone()
    } else {
        vec![f32::NAN; g.m * g.ldc]
    };
    g.run_segmented_with(isa, seg, &mut c);
    let tol = 4e-6 * (g.k * seg.count.max(1)) as f64 + 4e-6;
    for i in 0..g.m {
        for j in 0..g.n {
            let mut want = if g.accumulate {
                c0[i * g.ldc + j] as f64
            } else {
                0.0
            };
            for s in 0..seg.count {
                for p in 0..g.k {
                    let a = g.a[s * seg.a_step + i * g.rsa + p * g.csa] as f64;
                    let b = g.b[s * seg.b_step + p * g.rsb + j * g.csb] as f64;
                    want += a * b;
                }
            }
            let got = c[i * g.ldc + j] as f64;
            // NaN (an element never written) fails too.
            let close = (got - want).abs() <= tol * want.abs().max(1.0);
            if !close {
                let _ = writeln!(
                    out,
                    "MISMATCH {isa:?} {label} m={} k={} n={}: C[{i}][{j}] = {got}, oracle {want}",
                    g.m, g.k, g.n
                );
                return false;
            }
        }
    }
    true
}

/// Products checked and failed so far.
struct Tally {
    checked: usize,
    failed: usize,
}

impl Tally {
    fn run(&mut self, isa: Isa, g: Gemm<'_>, seg: Segments, label: &str, out: &mut Serial) {
        self.checked += 1;
        if !check(isa, g, seg, label, out) {
            self.failed += 1;
        }
    }
}

/// A contiguous row-major product.
fn plain<'a>(m: usize, k: usize, n: usize, a: &'a [f32], b: &'a [f32], acc: bool) -> Gemm<'a> {
    Gemm {
        m,
        k,
        n,
        a,
        rsa: k,
        csa: 1,
        b,
        rsb: n,
        csb: 1,
        ldc: n,
        accumulate: acc,
    }
}

#[no_mangle]
extern "C" fn rust_main() -> ! {
    let mut out = Serial::init();
    let _ = writeln!(out, "corten bare-metal matmul check");
    let mut tally = Tally {
        checked: 0,
        failed: 0,
    };
    // Around every tile edge: AVX-512 has 12×32 register tiles, 16 lanes,
    // small-m passes up to 8 vectors, chunks of 6 rows; AVX2 6×16, 8 lanes.
    let rows = [0, 1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 25];
    let cols = [1, 7, 15, 16, 17, 31, 32, 33, 65, 129];
    let depths = [1, 19, 130];
    let large = [
        (1, 784, 128),
        (4, 784, 128),
        (32, 784, 128),
        (33, 1030, 17),
        (64, 300, 130),
        (67, 257, 130),
        (25, 129, 512),
        (161, 19, 17),
        (200, 600, 41),
        (37, 53, 29),
    ];
    for isa in [Isa::Portable, Isa::Avx2Fma, Isa::Avx512] {
        if !isa.is_available() {
            let _ = writeln!(out, "MISSING {isa:?}: this CPU cannot run it");
            tally.failed += 1;
            continue;
        }
        let before = (tally.checked, tally.failed);
        let mut shapes: Vec<(usize, usize, usize)> = Vec::new();
        for &m in &rows {
            for &n in &cols {
                for &k in &depths {
                    shapes.push((m, k, n));
                }
            }
        }
        shapes.extend_from_slice(&large);
        for (index, &(m, k, n)) in shapes.iter().enumerate() {
            let (a, b) = (data(m * k, 1 + index as u64), data(k * n, 2 + index as u64));
            let accumulate = index % 2 == 1;
            let g = plain(m, k, n, &a, &b, accumulate);
            tally.run(isa, g, Segments::ONE, "plain", &mut out);
        }
        // Transposed operands (training's Aᵀ·B and A·Bᵀ) and a C wider than n.
        for &(m, k, n) in &[(13, 19, 33), (40, 70, 50), (1, 300, 130), (70, 300, 40)] {
            let (a, b) = (data(m * k, 3), data(k * n, 4));
            let at = Gemm {
                rsa: 1,
                csa: m,
                ..plain(m, k, n, &a, &b, false)
            };
            tally.run(isa, at, Segments::ONE, "A transposed", &mut out);
            let bt = Gemm {
                rsb: 1,
                csb: k,
                ..plain(m, k, n, &a, &b, true)
            };
            tally.run(isa, bt, Segments::ONE, "B transposed", &mut out);
            let wide = Gemm {
                ldc: n + 5,
                ..plain(m, k, n, &a, &b, false)
            };
            tally.run(isa, wide, Segments::ONE, "C stride", &mut out);
        }
        // Sums over segments (convolutions' kernel rows).
        for &(m, k, n, count) in &[
            (1, 48, 32, 3),
            (6, 192, 64, 3),
            (30, 20, 17, 2),
            (9, 150, 70, 3),
        ] {
            let (a, b) = (data(m * k + count * k, 5), data(count * k * n, 6));
            let g = Gemm {
                rsa: k,
                ..plain(m, k, n, &a, &b, false)
            };
            let seg = Segments {
                count,
                a_step: k,
                b_step: k * n,
            };
            tally.run(isa, g, seg, "segments", &mut out);
        }
        // B at every offset within a cache line (one row over a B beyond L1
        // whose rows are whole lines is read line by line).
        for &(m, k, n) in &[
            (1, 37, 128),
            (1, 9, 144),
            (1, 128, 256),
            (1, 2048, 16),
            (3, 19, 64),
            (5, 11, 40),
            (2, 7, 9),
            (6, 130, 100),
        ] {
            let a = data(m * k, 8);
            let buffer = data(k * n + 16, 9);
            for offset in 0..16 {
                let g = plain(
                    m,
                    k,
                    n,
                    &a,
                    &buffer[offset..offset + k * n],
                    offset % 2 == 0,
                );
                tally.run(isa, g, Segments::ONE, "B offset", &mut out);
            }
        }
        let _ = writeln!(
            out,
            "{isa:?}: {} products, {} failed",
            tally.checked - before.0,
            tally.failed - before.1
        );
    }
    let verdict = if tally.failed == 0 { "PASS" } else { "FAIL" };
    let _ = writeln!(
        out,
        "RESULT: {verdict} ({} products, {} failed)",
        tally.checked, tally.failed
    );
    shutdown()
}
