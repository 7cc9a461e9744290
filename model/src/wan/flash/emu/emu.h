// CPU stand-ins for the CUDA features flash.cu uses, so its kernels run unchanged on a machine
// without a GPU (a development check, not a simulator of timing or of the memory model).
//
// - A CTA's threads are fibers (ucontext, then _setjmp/_longjmp) of one OS thread, run round-robin until each blocks
//   at a barrier: __syncthreads (all threads), __syncwarp / shuffles / votes / wmma (the warp).
// - wmma fragments hold the whole 16x16 tile in every lane; load/store are warp-collective
//   (barrier, everyone reads / lane 0 writes, barrier), mma is f32 with exact bf16 products,
//   as on the tensor cores (summation order differs).
// - CTAs run one after another; dynamic shared memory is one global buffer `smem`.
#pragma once
#include <setjmp.h>
#include <ucontext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(x)
#define __shared__
#define __align__(n)  // the definition of `smem` below is aligned

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
struct uint4 {
    unsigned x, y, z, w;
};
static_assert(sizeof(uint4) == 16, "uint4");
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
template <typename T> inline T min(T a, T b) { return a < b ? a : b; }

// bf16 with round-to-nearest-even, f16 via the compiler's _Float16.
struct __nv_bfloat16 {
    uint16_t bits;
};
inline float __bfloat162float(__nv_bfloat16 x) {
    uint32_t u = uint32_t(x.bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if (std::isnan(f)) return {uint16_t(0x7fc0)};
    u += 0x7fff + ((u >> 16) & 1);
    return {uint16_t(u >> 16)};
}
inline __nv_bfloat16 __float2bfloat16(float f) { return __float2bfloat16_rn(f); }
struct __half {
    _Float16 v;
};
inline float __half2float(__half x) { return (float)x.v; }
inline __half __float2half_rn(float f) { return {(_Float16)f}; }

// ---- fibers and barriers ---------------------------------------------------------------------
namespace emu {
constexpr int MAX_THREADS = 1024;
constexpr size_t STACK = 512 * 1024;
struct Barrier {
    int expected = 0, arrived = 0;
    long gen = 0;
};
struct Jump {
    jmp_buf jb;
};
struct Cta {
    ucontext_t sched;
    std::vector<ucontext_t> ctx;
    jmp_buf sched_jb;
    std::vector<Jump> fiber_jb;
    std::vector<int> started;
    std::vector<int> done;
    int current = 0;
    Barrier block;
    std::vector<Barrier> warp;
    float xf[MAX_THREADS];
    int xi[MAX_THREADS];
    bool progressed = false;
};
inline Cta* cta = nullptr;
inline dim3 grid_dim, block_dim, block_idx;
inline std::vector<dim3> thread_idx;
inline unsigned dyn_smem = 0;
inline std::function<void()> body;
// Fiber stacks, allocated once and reused by every CTA (uninitialised: a fiber only touches
// the top of its stack, so only those pages are ever faulted in).
inline std::vector<std::unique_ptr<char[]>> stacks;

// Switching: a fiber is entered the first time through swapcontext, and from then on fibers
// and the scheduler switch with _setjmp/_longjmp, which (unlike swapcontext) make no system
// call to save the signal mask: the emulation switches millions of times.
inline void yield() {
    if (!_setjmp(cta->fiber_jb[cta->current].jb)) _longjmp(cta->sched_jb, 1);
}
inline void wait(Barrier& b) {
    long g = b.gen;
    cta->progressed = true;
    if (++b.arrived == b.expected) {
        b.arrived = 0;
        b.gen++;
        return;
    }
    while (b.gen == g) yield();
}
inline int tid() { return cta->current; }
inline int lane() { return tid() & 31; }
inline Barrier& warp_bar() { return cta->warp[tid() >> 5]; }
inline void entry() {
    body();
    cta->done[cta->current] = 1;
    cta->progressed = true;
    _longjmp(cta->sched_jb, 1);  // never returns into uc_link
}

// Runs `kernel` over the grid, one CTA at a time, `smem_bytes` of dynamic shared memory.
inline void launch(dim3 grid, dim3 block, unsigned smem_bytes, std::function<void()> kernel) {
    int n = block.x * block.y * block.z;
    if (n > MAX_THREADS || n % 32 != 0) {
        std::fprintf(stderr, "emu: block of %d threads unsupported\n", n);
        std::exit(2);
    }
    grid_dim = grid;
    block_dim = block;
    dyn_smem = smem_bytes;
    body = kernel;
    for (unsigned by = 0; by < grid.y; ++by)
        for (unsigned bx = 0; bx < grid.x; ++bx) {
            block_idx = {bx, by, 0};
            Cta c;
            cta = &c;
            c.ctx.resize(n);
            while (stacks.size() < size_t(n)) stacks.emplace_back(new char[STACK]);
            c.done.assign(n, 0);
            c.started.assign(n, 0);
            c.fiber_jb.resize(n);
            c.block.expected = n;
            c.warp.assign(n / 32, Barrier{});
            for (auto& w : c.warp) w.expected = 32;
            thread_idx.resize(n);
            for (int t = 0; t < n; ++t) {
                thread_idx[t] = {unsigned(t), 0, 0};
                getcontext(&c.ctx[t]);
                c.ctx[t].uc_stack.ss_sp = stacks[t].get();
                c.ctx[t].uc_stack.ss_size = STACK;
                c.ctx[t].uc_link = &c.sched;
                makecontext(&c.ctx[t], entry, 0);
            }
            for (;;) {
                int alive = 0;
                c.progressed = false;
                for (int t = 0; t < n; ++t) {
                    if (c.done[t]) continue;
                    c.current = t;
                    if (!_setjmp(c.sched_jb)) {
                        if (c.started[t]) _longjmp(c.fiber_jb[t].jb, 1);
                        c.started[t] = 1;
                        swapcontext(&c.sched, &c.ctx[t]);
                    }
                    alive += !c.done[t];
                }
                if (!alive) break;
                if (!c.progressed) {
                    std::fprintf(stderr, "emu: deadlock in block (%u, %u)\n", bx, by);
                    std::exit(2);
                }
            }
            cta = nullptr;
        }
}
}  // namespace emu

#define threadIdx (emu::thread_idx[emu::tid()])
#define blockIdx (emu::block_idx)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
inline unsigned dynamic_smem_size() { return emu::dyn_smem; }
alignas(1024) inline unsigned char smem[256 * 1024];

inline void __syncthreads() { emu::wait(emu::cta->block); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::wait(emu::warp_bar()); }
inline float __shfl_xor_sync(unsigned, float v, int m) {
    int t = emu::tid();
    emu::cta->xf[t] = v;
    __syncwarp();
    float r = emu::cta->xf[(t & ~31) | ((t & 31) ^ m)];
    __syncwarp();
    return r;
}
inline int __any_sync(unsigned, int p) {
    int t = emu::tid();
    emu::cta->xi[t] = p != 0;
    __syncwarp();
    int any = 0;
    for (int i = 0; i < 32; ++i) any |= emu::cta->xi[(t & ~31) | i];
    __syncwarp();
    return any;
}

// ---- wmma ------------------------------------------------------------------------------------
namespace nvcuda::wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment {
    float m[16][16];  // logical tile, row-major
};
inline float to_float(float x) { return x; }
inline float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename Use, typename T, typename Layout>
void load_matrix_sync(fragment<Use, 16, 16, 16, T, Layout>& f, const T* p, unsigned ldm) {
    __syncwarp();
    constexpr bool a = std::is_same_v<Use, matrix_a>;
    constexpr bool row = std::is_same_v<Layout, row_major>;
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) {
            // matrix_a (M x K) or matrix_b (K x N): element (i, j) of the logical tile.
            (void)a;
            f.m[i][j] = to_float(row ? p[i * ldm + j] : p[j * ldm + i]);
        }
    __syncwarp();
}
inline void load_matrix_sync(fragment<accumulator, 16, 16, 16, float>& f, const float* p, unsigned ldm, layout_t l) {
    __syncwarp();
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) f.m[i][j] = l == mem_row_major ? p[i * ldm + j] : p[j * ldm + i];
    __syncwarp();
}
inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ldm, layout_t l) {
    __syncwarp();
    if (emu::lane() == 0)
        for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 16; ++j) (l == mem_row_major ? p[i * ldm + j] : p[j * ldm + i]) = f.m[i][j];
    __syncwarp();
}
inline void fill_fragment(fragment<accumulator, 16, 16, 16, float>& f, float v) {
    for (auto& r : f.m)
        for (auto& x : r) x = v;
}
template <typename LA, typename LB>
void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const fragment<matrix_a, 16, 16, 16, __nv_bfloat16, LA>& a,
              const fragment<matrix_b, 16, 16, 16, __nv_bfloat16, LB>& b, const fragment<accumulator, 16, 16, 16, float>& c) {
    float out[16][16];
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) {
            float s = c.m[i][j];
            for (int k = 0; k < 16; ++k) s += a.m[i][k] * b.m[k][j];
            out[i][j] = s;
        }
    std::memcpy(d.m, out, sizeof out);
}
}  // namespace nvcuda::wmma
