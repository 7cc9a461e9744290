// Runs flash.cu's kernels on a real GPU, without Rust: the small cases of emu_check.cpp against
// a double-precision CPU reference, plus timed Wan-scale cases checked on a sample of rows.
// Build and run on a machine with nvcc and a GPU (sm_80+):
//   nvcc -O3 -std=c++17 -arch=sm_90 -o /tmp/flash_gpu_check model/src/wan/flash/emu/gpu_check.cu && /tmp/flash_gpu_check
#include "../flash.cu"
#include "cases.h"

#include <cuda_runtime.h>

#define CK(x)                                                                                     \
    do {                                                                                          \
        cudaError_t e_ = (x);                                                                     \
        if (e_ != cudaSuccess) {                                                                  \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
            std::exit(2);                                                                         \
        }                                                                                         \
    } while (0)

template <typename T> static T* upload(const std::vector<float>& x) {
    std::vector<T> h(x.size());
    for (size_t i = 0; i < x.size(); ++i) h[i] = conv<T>(x[i]);
    T* d = nullptr;
    CK(cudaMalloc(&d, std::max<size_t>(h.size(), 1) * sizeof(T)));
    CK(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

// Runs one kernel `reps` times after a warm-up; returns the output, *ms = mean time.
template <typename T>
static std::vector<float> run(const Case& c, const Data& d, int mode, int reps = 0, double* ms = nullptr) {
    T* q = upload<T>(d.q);
    std::vector<T*> bufs;
    std::vector<Seg> segs;
    for (size_t s = 0; s < d.k.size(); ++s) {
        T* k = upload<T>(d.k[s]);
        T* v = upload<T>(d.v[s]);
        bufs.push_back(k), bufs.push_back(v);
        Seg g{};
        g.k = (long long)(k + d.off[s]);
        g.v = (long long)(v + d.off[s]);
        g.len = c.segs[s].first, g.chunk = c.segs[s].second;
        g.kb = g.vb = d.sb[s];
        g.kh = g.vh = d.sh[s];
        g.kt = g.vt = d.st[s];
        segs.push_back(g);
    }
    Seg* dsegs = nullptr;
    CK(cudaMalloc(&dsegs, std::max<size_t>(segs.size(), 1) * sizeof(Seg)));
    CK(cudaMemcpy(dsegs, segs.data(), segs.size() * sizeof(Seg), cudaMemcpyHostToDevice));
    size_t n = d.q.size();
    T* out = nullptr;
    CK(cudaMalloc(&out, n * sizeof(T)));
    CK(cudaMemset(out, 0x7f, n * sizeof(T)));  // poison: every element must be written
    int nseg = (int)segs.size();
    auto launch = [&] {
        if (mode != SIMPLE) {
            if constexpr (std::is_same_v<T, __nv_bfloat16>) {
                unsigned smem = wmma_smem_bytes(c.D, mode == WMMA_REG);
                dim3 grid((c.Sq + 63) / 64, c.B * c.H);
                float sl2 = (float)(1.0 / std::sqrt((double)c.D) * 1.4426950408889634);
                auto f = c.D == 64 ? (mode == WMMA_REG ? flash_wmma_reg_d64 : flash_wmma_d64)
                                   : (mode == WMMA_REG ? flash_wmma_reg_d128 : flash_wmma_d128);
                CK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
                f<<<grid, 128, smem>>>(q, out, dsegs, nseg, c.H, c.Sq, c.qcl, c.qc0, sl2);
            }
        } else {
            dim3 grid((c.Sq + 3) / 4, c.B * c.H);
            float scale = 1.0f / std::sqrt((float)c.D);
            if constexpr (std::is_same_v<T, float>) flash_simple_f32<<<grid, 128>>>(q, out, dsegs, nseg, c.H, c.Sq, c.D, c.qcl, c.qc0, scale);
            else if constexpr (std::is_same_v<T, __half>) flash_simple_f16<<<grid, 128>>>(q, out, dsegs, nseg, c.H, c.Sq, c.D, c.qcl, c.qc0, scale);
            else flash_simple_bf16<<<grid, 128>>>(q, out, dsegs, nseg, c.H, c.Sq, c.D, c.qcl, c.qc0, scale);
        }
        CK(cudaGetLastError());
    };
    launch();
    CK(cudaDeviceSynchronize());
    std::vector<T> h(n);
    CK(cudaMemcpy(h.data(), out, n * sizeof(T), cudaMemcpyDeviceToHost));
    if (reps > 0 && ms) {
        cudaEvent_t a, b;
        CK(cudaEventCreate(&a));
        CK(cudaEventCreate(&b));
        CK(cudaEventRecord(a));
        for (int i = 0; i < reps; ++i) launch();
        CK(cudaEventRecord(b));
        CK(cudaEventSynchronize(b));
        float t = 0;
        CK(cudaEventElapsedTime(&t, a, b));
        *ms = t / reps;
    }
    for (T* p : bufs) CK(cudaFree(p));
    CK(cudaFree(q));
    CK(cudaFree(out));
    CK(cudaFree(dsegs));
    std::vector<float> r(n);
    for (size_t i = 0; i < n; ++i) r[i] = back(h[i]);
    return r;
}

// `gpu_check small` runs the small cases only (e.g. under compute-sanitizer).
int main(int argc, char** argv) {
    const bool small_only = argc > 1 && std::string(argv[1]) == "small";
    std::mt19937 rng(7);
    check_small_cases(rng, [](auto t, const Case& c, const Data& d, int m) { return run<decltype(t)>(c, d, m); });
    if (small_only) {
        std::printf("%s\n", failures ? "FAILED" : "all ok");
        return failures ? 1 : 0;
    }
    // Wan-scale: rows sampled every 197 for the CPU truth; timed (mean of 5 after a warm-up).
    std::vector<Case> big = {
        {"d128 H=4 Sq=4680 3 segs of 4680", 1, 4, 128, 4680, 4680, 2, {{4680, 0}, {4680, 1}, {4680, 2}}, false},
        {"d128 H=12 Sq=4680 block-causal qcl=1560, 7+3 segs", 1, 12, 128, 4680, 1560, 7, {}, false},
        {"d64 H=12 Sq=4680 8 segs Sk=37440", 1, 12, 64, 4680, 4680, 7, {}, false},
        {"d128 H=12 Sq=4680 8 segs Sk=37440 (Wan-1.3B chunk)", 1, 12, 128, 4680, 4680, 7, {}, false},
    };
    for (int i = 0; i < 7; ++i) big[1].segs.push_back({4680, i});
    for (int i = 0; i < 3; ++i) big[1].segs.push_back({1560, 7 + i});  // the chunk's own 3 frames
    for (int i = 0; i < 8; ++i) big[2].segs.push_back({4680, i}), big[3].segs.push_back({4680, i});
    for (auto& c : big) {
        Data d = make(c, rng);
        auto want = truth(c, d, 197);
        double pairs = 0;
        for (int i = 0; i < c.Sq; ++i)
            for (auto& s : c.segs) pairs += s.second <= c.qc0 + i / c.qcl ? s.first : 0;
        double flops = 4.0 * c.D * pairs * c.B * c.H, ms = 0;
        for (int m : {WMMA, WMMA_REG}) {
            auto got = run<__nv_bfloat16>(c, d, m, 5, &ms);
            report(mode_name(m), c, d, want, got, 197, ms);
            std::printf("%-18s %.1f TFLOP/s effective\n", "", flops / (ms * 1e-3) / 1e12);
        }
        auto got = run<__nv_bfloat16>(c, d, SIMPLE, 1, &ms);
        report(mode_name(SIMPLE), c, d, want, got, 197, ms);
    }
    std::printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
