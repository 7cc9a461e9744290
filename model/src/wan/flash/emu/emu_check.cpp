// Runs flash.cu's kernels on the CPU (emu.h) against a double-precision reference on the same
// bf16-rounded inputs, with the tolerances of check.rs. Build and run: emu/run.sh.
#include "emu.h"
#define FLASH_EMULATE
#include "../flash.cu"

#include <random>
#include <string>

// Same formula as cuda.rs `wmma_smem_bytes`.
static unsigned wmma_smem_bytes(int d) {
    int br = 64, bc = 64, warps = 4, ldk = d + 8, lds = bc + 4, ldp = bc + 8, ldo = d + 4;
    return 2 * bc * ldk * 2 + warps * 16 * lds * 4 + warps * 16 * ldp * 2 + warps * 16 * ldo * 4 + br * 4;
}

struct Case {
    std::string name;
    int B, H, D, Sq, qcl, qc0;
    std::vector<std::pair<int, int>> segs;  // (len, chunk)
    bool narrow;                            // segment 0 is rows 40.. of a longer tensor
};

struct Data {
    std::vector<float> q;                       // bf16-rounded values
    std::vector<std::vector<float>> k, v;       // full buffers (with the narrow padding)
    std::vector<long long> off, tokens;         // start offset (elements), tokens in the buffer
};

static float bf(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

static Data make(const Case& c, std::mt19937& rng) {
    std::normal_distribution<float> n(0.f, 1.f);
    Data d;
    d.q.resize((size_t)c.B * c.H * c.Sq * c.D);
    for (auto& x : d.q) x = bf(n(rng));
    for (size_t i = 0; i < c.segs.size(); ++i) {
        long long tokens = c.segs[i].first + ((i == 0 && c.narrow) ? 60 : 0);
        long long off = (i == 0 && c.narrow) ? 40LL * c.D : 0;
        std::vector<float> k((size_t)c.B * c.H * tokens * c.D), v(k.size());
        for (auto& x : k) x = bf(n(rng));
        for (auto& x : v) x = bf(n(rng));
        d.k.push_back(k), d.v.push_back(v), d.off.push_back(off), d.tokens.push_back(tokens);
    }
    return d;
}

static std::vector<double> truth(const Case& c, const Data& d) {
    std::vector<double> out((size_t)c.B * c.H * c.Sq * c.D, 0.0);
    const double scale = 1.0 / std::sqrt((double)c.D);
    for (int b = 0; b < c.B; ++b)
        for (int h = 0; h < c.H; ++h)
            for (int i = 0; i < c.Sq; ++i) {
                long long chunk = c.qc0 + i / c.qcl;
                const float* q = &d.q[(((size_t)b * c.H + h) * c.Sq + i) * c.D];
                std::vector<double> logit;
                std::vector<const float*> vals;
                for (size_t s = 0; s < c.segs.size(); ++s) {
                    if (c.segs[s].second > chunk) continue;
                    size_t base = ((size_t)b * c.H + h) * d.tokens[s] * c.D + d.off[s];
                    for (int t = 0; t < c.segs[s].first; ++t) {
                        const float* k = &d.k[s][base + (size_t)t * c.D];
                        double dot = 0;
                        for (int j = 0; j < c.D; ++j) dot += (double)q[j] * k[j];
                        logit.push_back(dot * scale);
                        vals.push_back(&d.v[s][base + (size_t)t * c.D]);
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

// Runs one kernel; returns the output as floats.
template <typename T>
static std::vector<float> run(const Case& c, const Data& d, bool wmma, unsigned smem_override = 0) {
    std::vector<T> q(d.q.size());
    for (size_t i = 0; i < q.size(); ++i) q[i] = conv<T>(d.q[i]);
    std::vector<std::vector<T>> k(d.k.size()), v(d.v.size());
    std::vector<Seg> segs;
    for (size_t s = 0; s < d.k.size(); ++s) {
        k[s].resize(d.k[s].size()), v[s].resize(d.v[s].size());
        for (size_t i = 0; i < k[s].size(); ++i) k[s][i] = conv<T>(d.k[s][i]), v[s][i] = conv<T>(d.v[s][i]);
        long long tok = d.tokens[s];
        Seg g{};
        g.k = (long long)(k[s].data() + d.off[s]);
        g.v = (long long)(v[s].data() + d.off[s]);
        g.len = c.segs[s].first, g.chunk = c.segs[s].second;
        g.kb = g.vb = (long long)c.H * tok * c.D;
        g.kh = g.vh = tok * c.D;
        g.kt = g.vt = c.D;
        segs.push_back(g);
    }
    std::vector<T> out(q.size(), conv<T>(12345.f));  // poison: every element must be written
    int nseg = (int)segs.size();
    float scale = 1.0f / std::sqrt((float)c.D);
    if (wmma) {
        if constexpr (std::is_same_v<T, __nv_bfloat16>) {
            unsigned smem_bytes = smem_override ? smem_override : wmma_smem_bytes(c.D);
            dim3 grid{unsigned((c.Sq + 63) / 64), unsigned(c.B * c.H), 1}, block{128, 1, 1};
            float sl2 = (float)(1.0 / std::sqrt((double)c.D) * 1.4426950408889634);
            emu::launch(grid, block, smem_bytes, [&] {
                if (c.D == 64) flash_wmma_d64(q.data(), out.data(), segs.data(), nseg, c.H, c.Sq, c.qcl, c.qc0, sl2);
                else flash_wmma_d128(q.data(), out.data(), segs.data(), nseg, c.H, c.Sq, c.qcl, c.qc0, sl2);
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

static int failures = 0;

static void report(const char* kernel, const Case& c, const Data& d, const std::vector<double>& want, const std::vector<float>& got) {
    float vmax = 0;
    for (auto& v : d.v)
        for (float x : v) vmax = std::max(vmax, std::fabs(x));
    double mx = 0, sum = 0;
    bool finite = true;
    for (size_t i = 0; i < got.size(); ++i) {
        if (!std::isfinite(got[i])) finite = false;
        double e = std::fabs(got[i] - want[i]);
        mx = std::max(mx, e), sum += e;
    }
    double mean = sum / got.size(), tol = vmax / 128.0, mean_tol = vmax / 512.0;
    bool ok = finite && mx <= tol && mean <= mean_tol;
    failures += !ok;
    std::printf("%-18s %-52s max %.2e mean %.2e tol %.2e %s\n", kernel, c.name.c_str(), mx, mean, tol, ok ? "ok" : "FAIL");
}

int main() {
    std::vector<Case> cases = {
        {"d64 1 seg Sq=Sk=100 (partial tiles)", 1, 2, 64, 100, 100, 0, {{100, 0}}, false},
        {"d128 3 segs 37+64+130, Sq=130, B=2", 2, 3, 128, 130, 130, 2, {{37, 0}, {64, 1}, {130, 2}}, false},
        {"d128 narrow()ed seg 77 + 90, Sq=90", 1, 2, 128, 90, 90, 1, {{77, 0}, {90, 1}}, true},
        {"d64 block-causal qcl=48 Sq=144 (+ unseen seg)", 1, 2, 64, 144, 48, 1, {{50, 0}, {48, 1}, {48, 2}, {48, 3}, {20, 7}}, false},
        {"d128 block-causal qcl=40 Sq=120, chunk 0 sees none", 2, 2, 128, 120, 40, 0, {{40, 1}, {40, 2}}, false},
        {"d64 qcl=7 (chunks split warps), Sq=70", 1, 1, 64, 70, 7, 0, {{9, 0}, {30, 3}, {5, 6}, {64, 9}}, false},
        {"d128 no segments", 1, 1, 128, 20, 20, 0, {}, false},
        {"d128 large logits (q x4)", 1, 1, 128, 64, 64, 0, {{200, 0}}, false},
    };
    std::mt19937 rng(7);
    for (auto& c : cases) {
        Data d = make(c, rng);
        if (c.name.find("large logits") != std::string::npos)
            for (auto& x : d.q) x = bf(4 * x);
        auto want = truth(c, d);
        report("cuda-flash-wmma", c, d, want, run<__nv_bfloat16>(c, d, true));
        report("cuda-flash-simple", c, d, want, run<__nv_bfloat16>(c, d, false));
    }
    // Other dtypes and head dims of the simple kernel.
    {
        Case c{"d96 f32 block-causal", 1, 2, 96, 40, 16, 0, {{10, 0}, {16, 1}, {16, 2}}, true};
        Data d = make(c, rng);
        report("simple f32", c, d, truth(c, d), run<float>(c, d, false));
        report("simple f16", c, d, truth(c, d), run<__half>(c, d, false));
    }
    // Launched with too little shared memory: the wmma kernel must write NaN, not garbage.
    {
        Case c{"d64 smem guard", 1, 1, 64, 16, 16, 0, {{16, 0}}, false};
        Data d = make(c, rng);
        auto got = run<__nv_bfloat16>(c, d, true, wmma_smem_bytes(64) - 4);
        bool nan = std::all_of(got.begin(), got.end(), [](float x) { return std::isnan(x); });
        std::printf("%-18s %-52s %s\n", "cuda-flash-wmma", "too little dynamic smem -> NaN", nan ? "ok" : "FAIL");
        failures += !nan;
    }
    std::printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
