#!/usr/bin/env bash
# GPU check of the flash attention kernels, in two steps (see mod.rs).
#
#   here, no GPU needed:  model/src/wan/flash/gpu-check.sh build
#       builds cine-model's unit tests with `--features cuda` (release) and stores them,
#       stripped and gzipped (the 64 MiB carry limit), as target/flash-check/cine_model_tests.gz
#   on the GPU machine:   model/src/wan/flash/gpu-check.sh run     (carry target/flash-check)
#       1. emu/gpu_check.cu through nvcc: the kernels alone vs a CPU double reference, Wan-scale
#          timings (~1 min); 2. the Rust path: `flash_cuda_self_check` (CustomOp, segment table,
#          cudarc launch) against candle's f32 attention; 3. ptxas resource usage; 4. with
#          FLASH_SANITIZE=1, compute-sanitizer memcheck + racecheck on the small cases (<= 90 s each).
set -uo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$root"
out=target/flash-check
case "${1:-}" in
build)
    set -e
    # shellcheck disable=SC1091
    source ../shared/cuda/toolchain.sh
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-cuda}
    log=$(cargo test --release -p cine-model --features cuda --lib --no-run 2>&1) || { echo "$log"; exit 1; }
    bin=$(echo "$log" | sed -n 's/.*Executable unittests src\/lib.rs (\(.*\))/\1/p' | tail -n 1)
    [ -x "$bin" ] || { echo "$log"; echo "test binary not found" >&2; exit 1; }
    mkdir -p "$out"
    strip -o "$out/cine_model_tests" "$bin"
    gzip -9 -f "$out/cine_model_tests"
    ls -la "$out"
    ;;
run)
    arch=${CUDA_COMPUTE_CAP:-90}
    status=0
    echo "== 1. flash.cu kernels, native harness (nvcc sm_$arch)"
    nvcc -O3 -std=c++17 -arch=sm_$arch -o /tmp/flash_gpu_check model/src/wan/flash/emu/gpu_check.cu || exit 1
    /tmp/flash_gpu_check || status=1
    if [ "${FLASH_SKIP_RUST:-0}" = 1 ]; then
        echo "== 2. Rust path: skipped (FLASH_SKIP_RUST=1; scripts/gpu.sh runs it as cine bench --check-kernels)"
    else
    echo "== 2. Rust path: flash_cuda_self_check"
    libs=""
    py=$(python3 -c 'import nvidia,os;print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)
    for d in "$py/nvidia/cu13/lib" /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
        [ -e "$d/libcublas.so.13" ] && libs="$libs:$d"
    done
    export LD_LIBRARY_PATH="${libs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if gunzip -c "$out/cine_model_tests.gz" > /tmp/cine_model_tests && chmod +x /tmp/cine_model_tests; then
        ldd /tmp/cine_model_tests | grep "not found"
        /tmp/cine_model_tests flash --nocapture --test-threads=1 || status=1
    else
        echo "no $out/cine_model_tests.gz: run '$0 build' here first and carry $out"; status=1
    fi
    fi
    echo "== 3. ptxas resource usage"
    nvcc -cubin -O3 -std=c++17 -arch=sm_$arch -Xptxas -v -o /tmp/flash.cubin model/src/wan/flash/flash.cu 2>&1 | grep -E "Compiling entry|Used"
    if [ -n "${FLASH_SANITIZE:-}" ] && command -v compute-sanitizer >/dev/null; then
        for tool in memcheck racecheck; do
            echo "== 4. compute-sanitizer --tool $tool (small cases)"
            timeout 90 compute-sanitizer --tool $tool --error-exitcode 3 /tmp/flash_gpu_check small | tail -n 4
            echo "exit ${PIPESTATUS[0]}"
        done
    fi
    exit $status
    ;;
*)
    echo "usage: $0 build|run" >&2
    exit 2
    ;;
esac
