//! The CUDA attention kernels (src/wan/flash/flash.cu) checked without a GPU: the emulator in
//! src/wan/flash/emu runs the kernel source on the CPU (fibers for threads, stand-ins for the
//! warp-level WMMA ops) against a float64 reference on every case, so an edit to flash.cu that
//! breaks its arithmetic fails here, in CI. About 20 s (half of it compiling); needs g++ (on every CI machine).

use std::process::Command;

#[test]
fn flash_cu_passes_the_cpu_emulation() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/wan/flash/emu/run.sh");
    let out = Command::new("bash").arg(script).env("TMPDIR", env!("CARGO_TARGET_TMPDIR")).output().expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "emulation failed ({}):\n{text}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(text.trim_end().ends_with("all ok"), "{text}");
    assert!(text.lines().filter(|l| l.ends_with(" ok")).count() >= 20, "fewer checks ran than expected:\n{text}");
}
