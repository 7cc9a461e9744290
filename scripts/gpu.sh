#!/usr/bin/env bash
# The GPU checks and benchmarks of issue 7, in two steps, so that a lent GPU machine spends its
# minutes measuring, not compiling (see README, "On a GPU").
#
#   here (no GPU needed):  bash scripts/gpu.sh build
#       builds the lean CUDA binary (`--no-default-features --features cuda`: no ffmpeg, whose
#       system libraries the GPU image lacks); stores it stripped and gzipped in target/gpu
#       (the device tool carries at most 64 MiB).
#   on the GPU machine:    bash scripts/gpu.sh run        (carry target/gpu)
#       1. the flash attention kernels against the reference: flash.cu alone through nvcc
#          (model/src/wan/flash/gpu-check.sh), then through cine (`cine bench --check-kernels`);
#       2. `cine bench --config wan2.1-1.3b --size 832x480 --steps 4` with CAMR, window and full
#          memory, GPU_SECONDS (default 60; full cache GPU_FULL_SECONDS, 10) seconds of video each;
#          JSON and logs to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=target/gpu
case "${1:-}" in
build)
    set -e
    # shellcheck disable=SC1091
    source ../shared/cuda/toolchain.sh
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-cuda}
    cargo build --release --locked --no-default-features --features cuda --bin cine
    mkdir -p "$dir"
    strip -o "$dir/cine" "$CARGO_TARGET_DIR/release/cine"
    gzip -9 -f "$dir/cine"
    ls -la "$dir"
    du -sh "$dir"
    ;;
run)
    export RUST_BACKTRACE=0  # errors as one line in the logs
    out=${OUT:-/tmp/cine-gpu}
    mkdir -p "$out"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv,noheader | tee "$out/gpu.txt"
    libs=""
    py=$(python3 -c 'import nvidia,os;print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)
    for d in "$py/nvidia/cu13/lib" "$py/nvidia/cublas/lib" "$py/nvidia/cuda_runtime/lib" "$py/nvidia/curand/lib" /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
        [ -d "$d" ] && libs="$libs:$d"
    done
    export LD_LIBRARY_PATH="${libs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    gunzip -c "$dir/cine.gz" > /tmp/cine && chmod +x /tmp/cine || exit 1
    if ldd /tmp/cine | grep "not found"; then
        echo "missing libraries above; searched: $LD_LIBRARY_PATH" >&2
        find / -name 'libcublas.so.13*' -not -path '/proc/*' 2>/dev/null | head -n 3 >&2
        exit 1
    fi
    if [ "${GPU_SKIP_CHECK:-0}" != 1 ]; then
        FLASH_SKIP_RUST=1 timeout "${GPU_CHECK_TIMEOUT:-150}" model/src/wan/flash/gpu-check.sh run 2>&1 | tee "$out/flash-check.txt" | tail -n 30
        echo "== cine bench --check-kernels --device cuda"
        timeout 120 /tmp/cine bench --check-kernels --device cuda 2>&1 | tee "$out/check-kernels.txt" | tail -n 30
    fi
    for mem in ${GPU_MEMORY:-camr window full}; do
        # The full cache grows by ~0.86 GB of KV a chunk at this size and its attention with it:
        # keep its stream short (GPU_FULL_SECONDS) or it runs out of memory and time.
        secs=${GPU_SECONDS:-60}
        [ "$mem" = full ] && secs=${GPU_FULL_SECONDS:-10}
        echo "== cine bench --config wan2.1-1.3b --size 832x480 --steps 4 --seconds $secs --memory $mem"
        timeout "${GPU_RUN_TIMEOUT:-150}" /tmp/cine bench --config wan2.1-1.3b --size 832x480 --steps 4 --seconds "$secs" \
            --memory "$mem" --device cuda --json "$out/bench-$mem.json" > "$out/bench-$mem.txt" 2> "$out/bench-$mem.log"
        echo "exit $?"
        tail -n 3 "$out/bench-$mem.log"
        cat "$out/bench-$mem.txt"
    done
    ;;
*)
    echo "usage: $0 build|run" >&2
    exit 2
    ;;
esac
