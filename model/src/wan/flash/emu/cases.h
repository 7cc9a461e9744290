// Shapes, inputs, double-precision truth and the pass/fail rule shared by emu_check.cpp (CPU
// emulation) and gpu_check.cu (the real GPU). Include after flash.cu.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

// Same formula as cuda.rs `wmma_smem_bytes`.
static unsigned wmma_smem_bytes(int d, bool reg_o) {
    int br = 64, bc = 64, warps = 4, ldk = d + 8, lds = bc + 4, ldp = bc + 8, ldo = d + 4;
    int o_or_q = reg_o ? br * ldk * 2 : warps * 16 * ldo * 4;
    return 2 * bc * ldk * 2 + warps * 16 * lds * 4 + warps * 16 * ldp * 2 + o_or_q + br * 4;
}

// Kernels under test: the simple one, the wmma one with O in shared memory, with O in registers.
enum Mode { SIMPLE = 0, WMMA = 1, WMMA_REG = 2 };
static const char* mode_name(int m) { return m == SIMPLE ? "cuda-flash-simple" : m == WMMA ? "cuda-flash-wmma" : "wmma (reg O)"; }

struct Case {
    std::string name;
    int B, H, D, Sq, qcl, qc0;
    std::vector<std::pair<int, int>> segs;  // (len, chunk)
    bool narrow;                            // segment 0 is rows 40.. of a longer tensor
    bool bshd = false;                      // K/V stored [B, S, H, d] (transpose(1, 2) views)
};

struct Data {
    std::vector<float> q;                       // bf16-rounded values
    std::vector<std::vector<float>> k, v;       // full buffers (with the narrow padding)
    std::vector<long long> off;                 // start offset (elements)
    std::vector<long long> sb, sh, st;          // batch, head, token strides (elements)
};

static float bf(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

static Data make(const Case& c, std::mt19937& rng) {
    std::normal_distribution<float> n(0.f, 1.f);
    Data d;
    d.q.resize((size_t)c.B * c.H * c.Sq * c.D);
    for (auto& x : d.q) x = bf(n(rng));
    for (size_t i = 0; i < c.segs.size(); ++i) {
        long long tokens = c.segs[i].first + ((i == 0 && c.narrow) ? 60 : 0);
        long long off = 0;
        std::vector<float> k((size_t)c.B * c.H * tokens * c.D), v(k.size());
        for (auto& x : k) x = bf(n(rng));
        for (auto& x : v) x = bf(n(rng));
        long long sb = (long long)c.H * tokens * c.D, sh = tokens * c.D, st = c.D;
        if (c.bshd) sh = c.D, st = (long long)c.H * c.D;
        if (i == 0 && c.narrow) off = 40 * st;
        d.k.push_back(k), d.v.push_back(v), d.off.push_back(off);
        d.sb.push_back(sb), d.sh.push_back(sh), d.st.push_back(st);
    }
    return d;
}

// Rows i with i % every != 0 are skipped (left 0): large cases check a sample of rows.
static std::vector<double> truth(const Case& c, const Data& d, int every = 1) {
    std::vector<double> out((size_t)c.B * c.H * c.Sq * c.D, 0.0);
    const double scale = 1.0 / std::sqrt((double)c.D);
    for (int b = 0; b < c.B; ++b)
        for (int h = 0; h < c.H; ++h)
            for (int i = 0; i < c.Sq; i += every) {
                long long chunk = c.qc0 + i / c.qcl;
                const float* q = &d.q[(((size_t)b * c.H + h) * c.Sq + i) * c.D];
                std::vector<double> logit;
                std::vector<const float*> vals;
                for (size_t s = 0; s < c.segs.size(); ++s) {
                    if (c.segs[s].second > chunk) continue;
                    size_t base = b * d.sb[s] + h * d.sh[s] + d.off[s];
                    for (int t = 0; t < c.segs[s].first; ++t) {
                        const float* k = &d.k[s][base + t * d.st[s]];
                        double dot = 0;
                        for (int j = 0; j < c.D; ++j) dot += (double)q[j] * k[j];
                        logit.push_back(dot * scale);
                        vals.push_back(&d.v[s][base + t * d.st[s]]);
                    }
                }
                if (logit.empty()) continue;
                double m = *std::max_element(logit.begin(), logit.end()), z = 0;
                for (auto& x : logit) z += (x = std::exp(x - m));
                double* o = &out[(((size_t)b * c.H + h) * c.Sq + i) * c.D];
                for (size_t t = 0; t < logit.size(); ++t)
                    for (int j = 0; j < c.D; ++j) o[j] += logit[t] / z * vals[t][j];
            }
    return out;
}

template <typename T> static T conv(float x);
template <> float conv<float>(float x) { return x; }
template <> __half conv<__half>(float x) { return __float2half_rn(x); }
template <> __nv_bfloat16 conv<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }
static float back(float x) { return x; }
static float back(__half x) { return __half2float(x); }
static float back(__nv_bfloat16 x) { return __bfloat162float(x); }

static int failures = 0;

static void report(const char* kernel, const Case& c, const Data& d, const std::vector<double>& want, const std::vector<float>& got,
                   int every = 1, double ms = -1) {
    float vmax = 0;
    for (auto& v : d.v)
        for (float x : v) vmax = std::max(vmax, std::fabs(x));
    double mx = 0, sum = 0;
    size_t n = 0;
    bool finite = true;
    for (size_t i = 0; i < got.size(); ++i) {
        if (!std::isfinite(got[i])) finite = false;
        if ((i / c.D % c.Sq) % every) continue;
        ++n;
        double e = std::fabs(got[i] - want[i]);
        mx = std::max(mx, e), sum += e;
    }
    double mean = sum / std::max<size_t>(n, 1), tol = vmax / 128.0, mean_tol = vmax / 512.0;
    bool ok = finite && mx <= tol && mean <= mean_tol;
    failures += !ok;
    std::printf("%-18s %-52s max %.2e mean %.2e tol %.2e %s", kernel, c.name.c_str(), mx, mean, tol, ok ? "ok" : "FAIL");
    if (ms >= 0) std::printf(" %9.3f ms", ms);
    std::printf("\n");
}

// Input tweaks some cases ask for by name.
static void adjust(const Case& c, Data& d) {
    if (c.name.find("large logits") != std::string::npos)
        for (auto& x : d.q) x = bf(4 * x);
    // Near-equal logits (k x0.01) and V = +1 on the first half of the keys, -1 on the rest:
    // the truth is ~0, and any per-tile drift in the running rescale (O or l off by a factor
    // each key tile) weighs one half over the other by far more than the tolerance.
    if (c.name.find("signed halves") != std::string::npos)
        for (size_t s = 0; s < d.k.size(); ++s) {
            const long long tokens = c.segs[s].first;
            for (auto& x : d.k[s]) x = bf(0.01f * x);
            for (size_t i = 0; i < d.v[s].size(); ++i) d.v[s][i] = (long long)(i / c.D) % tokens < tokens / 2 ? 1.f : -1.f;
        }
    if (c.name.find("growing by segment") != std::string::npos)
        for (size_t s = 0; s < d.k.size(); ++s)
            for (auto& x : d.k[s]) x = bf((1 + 3 * s) * x);
}

static std::vector<Case> small_cases() {
    return {
        {"d64 1 seg Sq=Sk=100 (partial tiles)", 1, 2, 64, 100, 100, 0, {{100, 0}}, false},
        {"d128 3 segs 37+64+130, Sq=130, B=2", 2, 3, 128, 130, 130, 2, {{37, 0}, {64, 1}, {130, 2}}, false},
        {"d128 narrow()ed seg 77 + 90, Sq=90", 1, 2, 128, 90, 90, 1, {{77, 0}, {90, 1}}, true},
        {"d64 block-causal qcl=48 Sq=144 (+ unseen seg)", 1, 2, 64, 144, 48, 1, {{50, 0}, {48, 1}, {48, 2}, {48, 3}, {20, 7}}, false},
        {"d128 block-causal qcl=40 Sq=120, chunk 0 sees none", 2, 2, 128, 120, 40, 0, {{40, 1}, {40, 2}}, false},
        {"d64 qcl=7 (chunks split warps), Sq=70", 1, 1, 64, 70, 7, 0, {{9, 0}, {30, 3}, {5, 6}, {64, 9}}, false},
        {"d128 no segments", 1, 1, 128, 20, 20, 0, {}, false},
        {"d128 [B,S,H,d] K/V views (token stride H*d), B=2", 2, 3, 128, 70, 35, 1, {{50, 0}, {35, 1}, {35, 2}}, true, true},
        {"d128 large logits (q x4)", 1, 1, 128, 64, 64, 0, {{200, 0}}, false},
        {"d128 logits growing by segment (k x1, x4, x7): rescales", 1, 2, 128, 80, 80, 0, {{64, 0}, {64, 0}, {70, 0}}, false},
        {"d64 signed halves over 8 key tiles: no drift", 1, 2, 64, 64, 64, 0, {{512, 0}}, false},
    };
}

// The checks every harness runs: the small cases through all three kernels, then the simple
// kernel in f32 and f16. `run(T{}, case, data, mode)` is the harness's launcher for element type T.
template <typename Run> static void check_small_cases(std::mt19937& rng, Run run) {
    for (auto& c : small_cases()) {
        Data d = make(c, rng);
        adjust(c, d);
        auto want = truth(c, d);
        for (int m : {WMMA, WMMA_REG, SIMPLE}) report(mode_name(m), c, d, want, run(__nv_bfloat16{}, c, d, m));
    }
    Case c{"d96 f32 block-causal", 1, 2, 96, 40, 16, 0, {{10, 0}, {16, 1}, {16, 2}}, true};
    Data d = make(c, rng);
    report("simple f32", c, d, truth(c, d), run(float{}, c, d, SIMPLE));
    report("simple f16", c, d, truth(c, d), run(__half{}, c, d, SIMPLE));
}
