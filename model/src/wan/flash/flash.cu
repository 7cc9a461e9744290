// Segmented block-causal attention forward kernels (see mod.rs for the contract).
//
// out[b,h,i,:] = softmax_j(q[b,h,i,:] . k_j / sqrt(d)) v_j over the keys j of every segment
// whose `chunk` is <= the chunk of query row i (q_chunk0 + i / q_chunk_len). Rows that see no
// key at all are written as zeros.
//
// flash_simple_*: one warp per query row, f32 math, online softmax. Obviously correct, slow.
// flash_wmma_d*: FlashAttention-2 style, bf16 tensor cores (nvcuda::wmma 16x16x16, sm_80+),
//   64 query rows per CTA (4 warps x 16 rows), 64-key K/V tiles in shared memory, f32 scores,
//   f32 output accumulator in shared memory, online softmax in the exp2 domain.
//
// Compiled to PTX by model/build.rs: nvcc --ptx -arch=sm_XX -O3 -std=c++17.

#ifndef FLASH_EMULATE  // emu/ runs this file on the CPU with stand-ins for these
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>
#endif
#include <stdint.h>

using bf16 = __nv_bfloat16;

// One K/V segment, built on the host (cuda.rs, `SEG_WORDS` i64 words). Addresses are in bytes
// and already include the tensor's start offset; strides are in elements. Last dim stride is 1.
struct Seg {
    long long k, v;
    long long len, chunk;
    long long kb, kh, kt;
    long long vb, vh, vt;
    long long pad0, pad1;
};
static_assert(sizeof(Seg) == 12 * 8, "Seg must match SEG_WORDS in cuda.rs");

__device__ __forceinline__ float to_f(float x) { return x; }
__device__ __forceinline__ float to_f(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_f(bf16 x) { return __bfloat162float(x); }
template <typename T> __device__ __forceinline__ T from_f(float x);
template <> __device__ __forceinline__ float from_f<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_f<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ bf16 from_f<bf16>(float x) { return __float2bfloat16_rn(x); }

// ---------------------------------------------------------------------------------------------
// Simple kernel: grid (ceil(Sq / 4), B * H), 128 threads; warp w of block x owns row 4x + w.
// Head dim up to 256 (lane l holds dims l, l + 32, ...).

constexpr int SIMPLE_MAX_D = 256;

template <typename T>
__device__ __forceinline__ void flash_simple_body(const T* __restrict__ q, T* __restrict__ out,
                                                  const Seg* __restrict__ segs, int nseg, int H,
                                                  int Sq, int D, int qcl, int qc0, float scale) {
    constexpr int PER = SIMPLE_MAX_D / 32;
    const int lane = threadIdx.x & 31;
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= Sq) return;  // whole warp leaves together; no block-level sync below
    const int bh = blockIdx.y;
    const long long b = bh / H, h = bh % H;
    const long long chunk = (long long)qc0 + row / qcl;
    const T* qr = q + ((size_t)bh * Sq + row) * D;

    float qv[PER], acc[PER];
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const int c = lane + 32 * i;
        qv[i] = c < D ? to_f(qr[c]) : 0.f;
        acc[i] = 0.f;
    }
    float m = -INFINITY, l = 0.f;
    for (int s = 0; s < nseg; ++s) {
        const Seg sg = segs[s];
        if (sg.chunk > chunk) continue;
        const T* kbase = reinterpret_cast<const T*>(sg.k) + b * sg.kb + h * sg.kh;
        const T* vbase = reinterpret_cast<const T*>(sg.v) + b * sg.vb + h * sg.vh;
        for (long long t = 0; t < sg.len; ++t) {
            const T* kr = kbase + t * sg.kt;
            const T* vr = vbase + t * sg.vt;
            float dot = 0.f;
#pragma unroll
            for (int i = 0; i < PER; ++i) {
                const int c = lane + 32 * i;
                if (c < D) dot += qv[i] * to_f(kr[c]);
            }
#pragma unroll
            for (int off = 16; off > 0; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);
            const float x = dot * scale;
            const float m_new = fmaxf(m, x);
            const float corr = expf(m - m_new);  // m = -inf (first key) gives 0
            const float p = expf(x - m_new);
            l = l * corr + p;
#pragma unroll
            for (int i = 0; i < PER; ++i) {
                const int c = lane + 32 * i;
                if (c < D) acc[i] = acc[i] * corr + p * to_f(vr[c]);
            }
            m = m_new;
        }
    }
    const float inv = l > 0.f ? 1.f / l : 0.f;  // no visible key: zeros
    T* orow = out + ((size_t)bh * Sq + row) * D;
#pragma unroll
    for (int i = 0; i < PER; ++i) {
        const int c = lane + 32 * i;
        if (c < D) orow[c] = from_f<T>(acc[i] * inv);
    }
}

#define SIMPLE_KERNEL(NAME, T)                                                                 \
    extern "C" __global__ void NAME(const T* q, T* out, const Seg* segs, int nseg, int H,     \
                                    int Sq, int D, int qcl, int qc0, float scale) {            \
        flash_simple_body<T>(q, out, segs, nseg, H, Sq, D, qcl, qc0, scale);                   \
    }
SIMPLE_KERNEL(flash_simple_f32, float)
SIMPLE_KERNEL(flash_simple_f16, __half)
SIMPLE_KERNEL(flash_simple_bf16, bf16)

// ---------------------------------------------------------------------------------------------
// WMMA kernel: grid (ceil(Sq / 64), B * H), 128 threads, dynamic shared memory Smem<D>::BYTES
// (cuda.rs computes the same number with `wmma_smem_bytes`).

constexpr int BR = 64;   // query rows per CTA
constexpr int BC = 64;   // keys per K/V tile
constexpr int WARPS = 4; // 16 query rows each
constexpr int THREADS = WARPS * 32;

// Shared memory of one CTA. REG_O: the output accumulator lives in wmma registers (no O region)
// and Q stays in shared memory (its own region; too few registers to hold both), else O is in
// shared memory and Q in registers (Q staged in the O region first).
template <int D, bool REG_O>
struct Smem {
    static constexpr int LDK = D + 8;   // bf16 row stride of the K, V (and Q staging) tiles
    static constexpr int LDS = BC + 4;  // f32 row stride of the scores
    static constexpr int LDP = BC + 8;  // bf16 row stride of the probabilities
    static constexpr int LDO = D + 4;   // f32 row stride of the output accumulator
    static constexpr int K_OFF = 0;
    static constexpr int V_OFF = K_OFF + BC * LDK * 2;
    static constexpr int S_OFF = V_OFF + BC * LDK * 2;
    static constexpr int P_OFF = S_OFF + WARPS * 16 * LDS * 4;
    static constexpr int O_OFF = P_OFF + WARPS * 16 * LDP * 2;
    static constexpr int QR_OFF = O_OFF + (REG_O ? 0 : WARPS * 16 * LDO * 4);
    static constexpr int R_OFF = QR_OFF + (REG_O ? BR * LDK * 2 : 0);  // per-row factor, f32
    static constexpr int BYTES = R_OFF + BR * 4;
    static constexpr int Q_OFF = REG_O ? QR_OFF : O_OFF;
    // wmma needs 256-bit aligned fragment pointers: every region and per-warp slice is.
    static_assert(V_OFF % 32 == 0 && S_OFF % 32 == 0 && P_OFF % 32 == 0, "align");
    static_assert(O_OFF % 32 == 0 && QR_OFF % 32 == 0 && R_OFF % 32 == 0, "align");
    static_assert((16 * LDS * 4) % 32 == 0 && (16 * LDP * 2) % 32 == 0, "align");
    static_assert((16 * LDO * 4) % 32 == 0 && (16 * LDK * 2) % 32 == 0, "align");
    static_assert(REG_O || BR * LDK * 2 <= WARPS * 16 * LDO * 4, "Q staging fits in the O region");
};

// A row's reference max only moves when a tile's max exceeds it by this much (log2 units), so
// the accumulator is rarely rescaled; probabilities stay <= 2^8 (exact enough in f32 / bf16).
constexpr float RESCALE_LOG2 = 8.f;

#ifndef FLASH_EMULATE
__device__ __forceinline__ unsigned dynamic_smem_size() {
    unsigned n;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(n));
    return n;
}
#endif

#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
#define FLASH_HAS_WMMA_BF16 1
#endif

template <int D, bool REG_O>
__device__ __forceinline__ void flash_wmma_body(const bf16* __restrict__ q, bf16* __restrict__ out,
                                                const Seg* __restrict__ segs, int nseg, int H,
                                                int Sq, int qcl, int qc0, float scale_log2) {
#ifdef FLASH_HAS_WMMA_BF16
    using namespace nvcuda;
    using L = Smem<D, REG_O>;
    using Acc = wmma::fragment<wmma::accumulator, 16, 16, 16, float>;
    constexpr int VEC = D / 8;  // 16-byte vectors per row
    extern __shared__ __align__(128) unsigned char smem[];

    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int bh = blockIdx.y;
    const long long b = bh / H, h = bh % H;
    const int q0 = blockIdx.x * BR;
    const bf16* qh = q + (size_t)bh * Sq * D;
    bf16* oh = out + (size_t)bh * Sq * D;

    if (dynamic_smem_size() < (unsigned)L::BYTES) {
        // Launched with too little shared memory (host/kernel mismatch): fail loudly with NaN.
        for (int i = threadIdx.x; i < BR * D; i += THREADS) {
            const int r = q0 + i / D;
            if (r < Sq) oh[(size_t)r * D + i % D] = __float2bfloat16(NAN);
        }
        return;
    }

    bf16* sK = reinterpret_cast<bf16*>(smem + L::K_OFF);
    bf16* sV = reinterpret_cast<bf16*>(smem + L::V_OFF);
    bf16* sQ = reinterpret_cast<bf16*>(smem + L::Q_OFF);
    float* sS = reinterpret_cast<float*>(smem + L::S_OFF) + warp * 16 * L::LDS;
    bf16* sP = reinterpret_cast<bf16*>(smem + L::P_OFF) + warp * 16 * L::LDP;
    float* sO = reinterpret_cast<float*>(smem + L::O_OFF) + warp * 16 * L::LDO;
    float* sR = reinterpret_cast<float*>(smem + L::R_OFF) + warp * 16;

    // Q tile -> shared (rows past Sq are zeros) -> this warp's 16 rows into registers.
    for (int i = threadIdx.x; i < BR * VEC; i += THREADS) {
        const int r = i / VEC, c = i % VEC;
        uint4 x = make_uint4(0, 0, 0, 0);
        if (q0 + r < Sq) x = reinterpret_cast<const uint4*>(qh + (size_t)(q0 + r) * D)[c];
        reinterpret_cast<uint4*>(sQ + r * L::LDK)[c] = x;
    }
    __syncthreads();
    using QFrag = wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major>;
    QFrag qf[REG_O ? 1 : D / 16];
    const bf16* sQw = sQ + warp * 16 * L::LDK;  // this warp's 16 rows
    if constexpr (!REG_O) {
#pragma unroll
        for (int kk = 0; kk < D / 16; ++kk) wmma::load_matrix_sync(qf[kk], sQw + kk * 16, L::LDK);
    }
    __syncthreads();  // !REG_O: the staging area becomes the O accumulator
    Acc of[REG_O ? D / 16 : 1];  // REG_O: this warp's 16 x D output accumulator
    if constexpr (REG_O) {
#pragma unroll
        for (int nb = 0; nb < D / 16; ++nb) wmma::fill_fragment(of[nb], 0.f);
    } else {
        for (int i = lane; i < 16 * L::LDO; i += 32) sO[i] = 0.f;
    }

    // Softmax state: lanes 2r and 2r+1 both own row r of the warp (each reads half the tile).
    const int r = lane >> 1, half = lane & 1;
    const int row = q0 + warp * 16 + r;
    const long long row_chunk = row < Sq ? (long long)qc0 + row / qcl : -1;  // -1: sees nothing
    const int cta_last = min(q0 + BR, Sq) - 1;
    const long long cta_chunk = (long long)qc0 + cta_last / qcl;
    const int warp_first = q0 + warp * 16;
    const long long warp_chunk =
        warp_first < Sq ? (long long)qc0 + min(warp_first + 15, Sq - 1) / qcl : -1;
    float m = -INFINITY, l = 0.f;

    for (int s = 0; s < nseg; ++s) {
        const Seg sg = segs[s];
        if (sg.len <= 0 || sg.chunk > cta_chunk) continue;  // uniform over the CTA
        const bool warp_sees = sg.chunk <= warp_chunk;        // uniform over the warp
        const bool row_sees = row_chunk >= 0 && sg.chunk <= row_chunk;
        const bf16* kbase = reinterpret_cast<const bf16*>(sg.k) + b * sg.kb + h * sg.kh;
        const bf16* vbase = reinterpret_cast<const bf16*>(sg.v) + b * sg.vb + h * sg.vh;
        for (long long t0 = 0; t0 < sg.len; t0 += BC) {
            __syncthreads();  // every warp is done with the previous tile
            for (int i = threadIdx.x; i < BC * VEC; i += THREADS) {
                const int rr = i / VEC, c = i % VEC;
                const long long t = t0 + rr;
                uint4 kx = make_uint4(0, 0, 0, 0), vx = make_uint4(0, 0, 0, 0);
                if (t < sg.len) {
                    kx = reinterpret_cast<const uint4*>(kbase + t * sg.kt)[c];
                    vx = reinterpret_cast<const uint4*>(vbase + t * sg.vt)[c];
                }
                reinterpret_cast<uint4*>(sK + rr * L::LDK)[c] = kx;
                reinterpret_cast<uint4*>(sV + rr * L::LDK)[c] = vx;
            }
            __syncthreads();
            if (!warp_sees) continue;

            // S = Q K^T for this warp's 16 rows x 64 keys (f32).
#pragma unroll
            for (int nb = 0; nb < BC / 16; ++nb) {
                wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
                wmma::fill_fragment(acc, 0.f);
#pragma unroll
                for (int kk = 0; kk < D / 16; ++kk) {
                    wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> kf;
                    wmma::load_matrix_sync(kf, sK + nb * 16 * L::LDK + kk * 16, L::LDK);
                    if constexpr (REG_O) {
                        wmma::load_matrix_sync(qf[0], sQw + kk * 16, L::LDK);
                        wmma::mma_sync(acc, qf[0], kf, acc);
                    } else {
                        wmma::mma_sync(acc, qf[kk], kf, acc);
                    }
                }
                wmma::store_matrix_sync(sS + nb * 16, acc, L::LDS, wmma::mem_row_major);
            }
            __syncwarp();

            // Online softmax of row r over its 64 scores; lane reads 32 (rotated: no bank conflicts).
            const int nvalid = (int)min((long long)BC, sg.len - t0);
            // Two passes over the scores in shared memory (fewer registers than holding them).
            float tmax = -INFINITY;
#pragma unroll
            for (int j = 0; j < 32; ++j) {
                const int c = half * 32 + ((j + lane) & 31);
                if (row_sees && c < nvalid) tmax = fmaxf(tmax, sS[r * L::LDS + c] * scale_log2);
            }
            tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 1));
            const float m_new = tmax > m + RESCALE_LOG2 ? tmax : m;  // m = -inf: any finite tmax
            const float m_use = m_new == -INFINITY ? 0.f : m_new;     // nothing seen yet: p = 0
            const float alpha = exp2f(m - m_use);                     // m = -inf gives 0
            float psum = 0.f;
#pragma unroll
            for (int j = 0; j < 32; ++j) {
                const int c = half * 32 + ((j + lane) & 31);
                const float x = sS[r * L::LDS + c] * scale_log2;
                const bf16 p = __float2bfloat16_rn((row_sees && c < nvalid) ? exp2f(x - m_use) : 0.f);
                psum += __bfloat162float(p);  // l sums exactly the weights the MMA uses
                sP[r * L::LDP + c] = p;
            }
            psum += __shfl_xor_sync(0xffffffffu, psum, 1);
            l = l * alpha + psum;
            m = m_new;
            if (half == 0) sR[r] = alpha;
            __syncwarp();

            // O *= alpha (per row), skipped when no row's reference max moved.
            if (__any_sync(0xffffffffu, alpha != 1.f)) {
                if constexpr (REG_O) {
                    // Through this warp's score tile (already consumed), one 16x16 block at a time.
#pragma unroll
                    for (int nb = 0; nb < D / 16; ++nb) {
                        wmma::store_matrix_sync(sS, of[nb], L::LDS, wmma::mem_row_major);
                        __syncwarp();
                        for (int e = lane; e < 256; e += 32) sS[(e >> 4) * L::LDS + (e & 15)] *= sR[e >> 4];
                        __syncwarp();
                        wmma::load_matrix_sync(of[nb], sS, L::LDS, wmma::mem_row_major);
                        __syncwarp();
                    }
                } else {
                    for (int rr = 0; rr < 16; ++rr) {
                        const float a = sR[rr];
                        for (int c = lane; c < D; c += 32) sO[rr * L::LDO + c] *= a;
                    }
                    __syncwarp();
                }
            }

            // O += P V.
            wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> pf[BC / 16];
#pragma unroll
            for (int kb = 0; kb < BC / 16; ++kb) wmma::load_matrix_sync(pf[kb], sP + kb * 16, L::LDP);
#pragma unroll
            for (int nb = 0; nb < D / 16; ++nb) {
                Acc tmp;
                Acc& acc = REG_O ? of[nb] : tmp;
                if constexpr (!REG_O) wmma::load_matrix_sync(acc, sO + nb * 16, L::LDO, wmma::mem_row_major);
#pragma unroll
                for (int kb = 0; kb < BC / 16; ++kb) {
                    wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> vf;
                    wmma::load_matrix_sync(vf, sV + kb * 16 * L::LDK + nb * 16, L::LDK);
                    wmma::mma_sync(acc, pf[kb], vf, acc);
                }
                if constexpr (!REG_O) wmma::store_matrix_sync(sO + nb * 16, acc, L::LDO, wmma::mem_row_major);
            }
            __syncwarp();
        }
    }

    // out = O / l; rows that saw no key (l == 0) get zeros.
    if (half == 0) sR[r] = l > 0.f ? 1.f / l : 0.f;
    __syncwarp();
    if constexpr (REG_O) {
#pragma unroll
        for (int nb = 0; nb < D / 16; ++nb) {
            wmma::store_matrix_sync(sS, of[nb], L::LDS, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 256; e += 32) {
                const int rr = e >> 4, c = e & 15, grow = warp_first + rr;
                if (grow < Sq) oh[(size_t)grow * D + nb * 16 + c] = __float2bfloat16_rn(sS[rr * L::LDS + c] * sR[rr]);
            }
            __syncwarp();
        }
    } else {
        for (int rr = 0; rr < 16; ++rr) {
            const int grow = warp_first + rr;
            if (grow >= Sq) break;
            const float inv = sR[rr];
            for (int c = lane; c < D; c += 32)
                oh[(size_t)grow * D + c] = __float2bfloat16_rn(sO[rr * L::LDO + c] * inv);
        }
    }
#else
    // Built for an architecture without bf16 tensor cores: the host never picks this kernel.
    const int i = blockIdx.x * BR + threadIdx.x;
    if (i < Sq) out[(size_t)blockIdx.y * Sq * D + (size_t)i * D] = __float2bfloat16(NAN);
#endif
}

#define WMMA_KERNEL(NAME, D, REG_O)                                                            \
    extern "C" __global__ void __launch_bounds__(THREADS)                                      \
        NAME(const bf16* q, bf16* out, const Seg* segs, int nseg, int H, int Sq, int qcl,      \
             int qc0, float scale_log2) {                                                      \
        flash_wmma_body<D, REG_O>(q, out, segs, nseg, H, Sq, qcl, qc0, scale_log2);            \
    }
WMMA_KERNEL(flash_wmma_d64, 64, false)
WMMA_KERNEL(flash_wmma_d128, 128, false)
WMMA_KERNEL(flash_wmma_reg_d64, 64, true)
WMMA_KERNEL(flash_wmma_reg_d128, 128, true)
