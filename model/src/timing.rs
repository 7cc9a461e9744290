//! Opt-in stage timers for benchmarks. Off by default: a disabled timer costs one atomic load.
//! When on, the device is synchronised before and after each timed stage, so GPU time lands in
//! the stage that queued it (and the run is a little slower than an untimed one).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use candle_core::{Device, Result};

static ON: AtomicBool = AtomicBool::new(false);
static TOTALS: Mutex<Vec<Stage>> = Mutex::new(Vec::new());

/// Seconds spent in one named stage, and how many times it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: &'static str,
    pub secs: f64,
    pub calls: usize,
}

/// Turns the timers on or off (process-wide).
pub fn enable(on: bool) {
    ON.store(on, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The stages timed since the last call, in first-seen order; resets them.
pub fn take() -> Vec<Stage> {
    std::mem::take(&mut *TOTALS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Runs `f`, adding its (synchronised) wall time to stage `name` when timers are on.
pub fn time<T>(name: &'static str, dev: &Device, f: impl FnOnce() -> Result<T>) -> Result<T> {
    if !enabled() {
        return f();
    }
    dev.synchronize()?;
    let t = Instant::now();
    let out = f()?;
    dev.synchronize()?;
    let secs = t.elapsed().as_secs_f64();
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    match totals.iter_mut().find(|s| s.name == name) {
        Some(s) => {
            s.secs += secs;
            s.calls += 1;
        }
        None => totals.push(Stage { name, secs, calls: 1 }),
    }
    Ok(out)
}
