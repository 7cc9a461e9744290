// Runs flash.cu's kernels on the CPU (emu.h) against a double-precision reference on the same
// bf16-rounded inputs, with the tolerances of check.rs. Build and run: emu/run.sh.
#include "emu.h"
#define FLASH_EMULATE
#include "../flash.cu"
#include "cases.h"

// Runs one kernel; returns the output as floats.
template <typename T>
static std::vector<float> run(const Case& c, const Data& d, int mode, unsigned smem_override = 0) {
    std::vector<T> q(d.q.size());
    for (size_t i = 0; i < q.size(); ++i) q[i] = conv<T>(d.q[i]);
    std::vector<std::vector<T>> k(d.k.size()), v(d.v.size());
    std::vector<Seg> segs;
    for (size_t s = 0; s < d.k.size(); ++s) {
        k[s].resize(d.k[s].size()), v[s].resize(d.v[s].size());
        for (size_t i = 0; i < k[s].size(); ++i) k[s][i] = conv<T>(d.k[s][i]), v[s][i] = conv<T>(d.v[s][i]);
        Seg g{};
        g.k = (long long)(k[s].data() + d.off[s]);
        g.v = (long long)(v[s].data() + d.off[s]);
        g.len = c.segs[s].first, g.chunk = c.segs[s].second;
        g.kb = g.vb = d.sb[s];
        g.kh = g.vh = d.sh[s];
        g.kt = g.vt = d.st[s];
        segs.push_back(g);
    }
    std::vector<T> out(q.size(), conv<T>(12345.f));  // poison: every element must be written
    int nseg = (int)segs.size();
    float scale = 1.0f / std::sqrt((float)c.D);
    if (mode != SIMPLE) {
        if constexpr (std::is_same_v<T, __nv_bfloat16>) {
            unsigned smem_bytes = smem_override ? smem_override : wmma_smem_bytes(c.D, mode == WMMA_REG);
            dim3 grid{unsigned((c.Sq + 63) / 64), unsigned(c.B * c.H), 1}, block{128, 1, 1};
            float sl2 = (float)(1.0 / std::sqrt((double)c.D) * 1.4426950408889634);
            emu::launch(grid, block, smem_bytes, [&] {
                auto f = c.D == 64 ? (mode == WMMA_REG ? flash_wmma_reg_d64 : flash_wmma_d64)
                                   : (mode == WMMA_REG ? flash_wmma_reg_d128 : flash_wmma_d128);
                f(q.data(), out.data(), segs.data(), nseg, c.H, c.Sq, c.qcl, c.qc0, sl2);
            });
        }
    } else {
        dim3 grid{unsigned((c.Sq + 3) / 4), unsigned(c.B * c.H), 1}, block{128, 1, 1};
        emu::launch(grid, block, 0, [&] {
            if constexpr (std::is_same_v<T, float>) flash_simple_f32(q.data(), out.data(), segs.data(), nseg, c.H, c.Sq, c.D, c.qcl, c.qc0, scale);
            else if constexpr (std::is_same_v<T, __half>) flash_simple_f16(q.data(), out.data(), segs.data(), nseg, c.H, c.Sq, c.D, c.qcl, c.qc0, scale);
            else flash_simple_bf16(q.data(), out.data(), segs.data(), nseg, c.H, c.Sq, c.D, c.qcl, c.qc0, scale);
        });
    }
    std::vector<float> r(out.size());
    for (size_t i = 0; i < r.size(); ++i) r[i] = back(out[i]);
    return r;
}

int main() {
    std::mt19937 rng(7);
    check_small_cases(rng, [](auto t, const Case& c, const Data& d, int m) { return run<decltype(t)>(c, d, m); });
    // Launched with too little shared memory: the wmma kernels must write NaN, not garbage.
    for (int m : {WMMA, WMMA_REG}) {
        Case c{"d64 smem guard", 1, 1, 64, 16, 16, 0, {{16, 0}}, false};
        Data d = make(c, rng);
        auto got = run<__nv_bfloat16>(c, d, m, wmma_smem_bytes(64, m == WMMA_REG) - 4);
        bool nan = std::all_of(got.begin(), got.end(), [](float x) { return std::isnan(x); });
        std::printf("%-18s %-52s %s\n", mode_name(m), "too little dynamic smem -> NaN", nan ? "ok" : "FAIL");
        failures += !nan;
    }
    std::printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
