//! Ctrl-C and SIGTERM during a render: the first signal sets a flag that the render loop
//! reads before every chunk, so it stops cleanly (the MP4 writer's temporary file is removed,
//! finished shots stay in the render cache); a second signal kills at once.
//!
//! Plain POSIX `signal(2)` from the C library std already links: no extra crate. The handler
//! only stores an atomic and resets the disposition, both async-signal-safe.

use std::sync::atomic::{AtomicBool, Ordering};

static FLAG: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
mod sys {
    use std::sync::atomic::Ordering;

    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGINT: i32 = 2;
    const SIGTERM: i32 = 15;
    const SIG_DFL: usize = 0;

    extern "C" fn on_signal(sig: i32) {
        super::FLAG.store(true, Ordering::SeqCst);
        // The next one terminates the process.
        unsafe { signal(sig, SIG_DFL) };
    }

    pub fn install() {
        let h = on_signal as extern "C" fn(i32) as usize;
        unsafe {
            signal(SIGINT, h);
            signal(SIGTERM, h);
        }
    }
}

/// Installs the handler (once is enough; later calls re-arm it) and returns the flag.
pub fn install() -> &'static AtomicBool {
    #[cfg(unix)]
    sys::install();
    &FLAG
}

/// The flag alone (set by the handler once [`install`]ed).
pub fn flag() -> &'static AtomicBool {
    &FLAG
}

/// Whether a signal arrived.
pub fn requested() -> bool {
    FLAG.load(Ordering::SeqCst)
}
