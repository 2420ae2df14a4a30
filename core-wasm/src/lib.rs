//! The npm package's wasm: the duplex-ws engine ([`duplex_ws::Connection`]) alone, behind a
//! small numeric interface that the package's JavaScript (js/core.js, js/driver.js) drives.
//!
//! Why not wasm-bindgen and the Rust shell: every page that uses the package downloads it,
//! and the browser socket, its events and the JS class are cheaper written in JS. The engine
//! keeps every decision (queue, reconnects, heartbeats, sessions, the rules of URLs, close
//! codes and options, the error messages); JS carries them out.
//!
//! The interface: strings go in through [`io`] (the JS writes UTF-8 into buffers it asks for
//! with `dx_arg`), numbers as arguments; what comes out is a tag, with numbers in the shared
//! `fields` array and strings in the `out` list. Messages stay in JS: the engine queues
//! handles ([`message::Handle`]) and tells JS which it let go of.
#![no_std]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without atomics has one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The engine never panics by design (its tests and property tests check it); if it ever
/// did, the wasm traps and the JS call throws a `RuntimeError`, without Rust's formatting
/// machinery in the download.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

pub mod encode;
pub mod exports;
pub mod io;
pub mod message;
