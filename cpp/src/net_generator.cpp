#include "net_generator.hpp"

#include <algorithm>
#include <cmath>

#include "glia/limits.hpp"
#include "glia/random.hpp"
#include "text_lines.hpp"

namespace glia {
namespace detail {
namespace {

constexpr double kMaxGeneratedEdges = 2.0e9;
constexpr double kBuildBytesPerEdge = 56.0;    // measured peak of generate() per edge
constexpr double kBuildBytesPerNeuron = 200.0;

/// Appends every (s, d) pair of src x dst kept with probability p (geometric skipping,
/// so the cost follows the edges made, not the pairs considered).
void bernoulli_edges(Rng& rng, std::int32_t s0, std::int32_t ns, std::int32_t d0,
                     std::int32_t nd, double p, bool no_self, std::vector<std::int32_t>& S,
                     std::vector<std::int32_t>& D) {
  if (p <= 0.0 || ns <= 0 || nd <= 0) return;
  const std::int64_t total = static_cast<std::int64_t>(ns) * nd;
  const double logq = p < 1.0 ? std::log1p(-p) : 0.0;
  std::int64_t k = -1;
  while (true) {
    if (p >= 1.0) {
      ++k;
    } else {
      double u = rng.uniform();
      if (u <= 0.0) u = 0x1.0p-53;
      double gap = std::floor(std::log(u) / logq);
      if (gap > static_cast<double>(total)) break;
      k += 1 + static_cast<std::int64_t>(gap);
    }
    if (k >= total) break;
    const std::int32_t s = s0 + static_cast<std::int32_t>(k / nd);
    const std::int32_t d = d0 + static_cast<std::int32_t>(k % nd);
    if (no_self && s == d) continue;
    S.push_back(s);
    D.push_back(d);
  }
}

}  // namespace

void generate(Network& net, const GenSpec& g, const std::string& name) {
  if (g.n_s + g.n_h + g.n_o + (g.pool ? 1 : 0) > kMaxNeurons)
    fail(name, g.line, "NEWNET asks for " + std::to_string(g.n_s + g.n_h + g.n_o) +
                           " neurons; at most " + std::to_string(kMaxNeurons) + " are allowed");
  const double expected = g.p_sh * g.n_s * g.n_h + g.p_so * g.n_s * g.n_o +
                          g.p_hh * g.n_h * (g.n_h - 1.0) + g.p_ho * g.n_h * g.n_o;
  if (expected > kMaxGeneratedEdges)
    fail(name, g.line, "NEWNET would make about " + std::to_string(static_cast<long long>(expected)) +
                           " edges; at most 2e9 are allowed");
  // Building takes about kBuildBytesPerEdge per edge at its peak (the generated lists, their
  // copy and the CSR sort); a request the machine cannot hold is refused up front instead
  // of being killed by the kernel half way.
  const double need = expected * kBuildBytesPerEdge +
                      static_cast<double>(g.n_s + g.n_h + g.n_o) * kBuildBytesPerNeuron;
  const double have = physical_memory_bytes();
  if (have > 0 && need > have)
    fail(name, g.line, "NEWNET would make about " + std::to_string(static_cast<long long>(expected)) +
                           " edges, needing about " + std::to_string(static_cast<long long>(need / 1e9)) +
                           " GB to build; this machine has " +
                           std::to_string(static_cast<long long>(have / 1e9)) + " GB of memory");
  for (std::int64_t i = 0; i < g.n_s; ++i) net.add_neuron("S" + std::to_string(i), g.thr_s, g.leak_s, 0.0f);
  for (std::int64_t i = 0; i < g.n_h; ++i) net.add_neuron("H" + std::to_string(i), g.thr_h, g.leak_h, 0.0f);
  for (std::int64_t i = 0; i < g.n_o; ++i) net.add_neuron("O" + std::to_string(i), g.thr_o, g.leak_o, 0.0f);
  const auto S0 = 0, H0 = static_cast<std::int32_t>(g.n_s),
             O0 = static_cast<std::int32_t>(g.n_s + g.n_h);
  const auto nS = static_cast<std::int32_t>(g.n_s), nH = static_cast<std::int32_t>(g.n_h),
             nO = static_cast<std::int32_t>(g.n_o);
  Rng rng(stream_key(g.seed, static_cast<std::uint64_t>(Purpose::kNewNetwork)));
  std::vector<std::int32_t> S, D;
  bernoulli_edges(rng, S0, nS, H0, nH, g.p_sh, false, S, D);
  bernoulli_edges(rng, S0, nS, O0, nO, g.p_so, false, S, D);
  bernoulli_edges(rng, H0, nH, H0, nH, g.p_hh, true, S, D);
  bernoulli_edges(rng, H0, nH, O0, nO, g.p_ho, false, S, D);
  const std::size_t n = static_cast<std::size_t>(net.size());
  std::vector<std::int64_t> fan_in(n, 0);
  for (std::size_t e = 0; e < S.size(); ++e) ++fan_in[static_cast<std::size_t>(D[e])];
  std::vector<float> W(S.size());
  for (std::size_t e = 0; e < S.size(); ++e) {
    const double fi = static_cast<double>(fan_in[static_cast<std::size_t>(D[e])]);
    const double limit = std::sqrt(6.0 / std::max(1.0, fi)) * g.w_scale;
    const double mag = rng.uniform() * limit;
    const bool excit = rng.uniform() < g.excit_ratio;
    W[e] = static_cast<float>(excit ? mag : -mag);
  }
  if (g.pool) {
    std::int32_t p = net.add_neuron("N0", 40.0f, 0.8f, 0.0f);
    for (std::int32_t o = O0; o < O0 + nO; ++o) {
      S.push_back(o); D.push_back(p); W.push_back(20.0f);
      S.push_back(p); D.push_back(o); W.push_back(-25.0f);
    }
  }
  net.assign_edges(S.data(), D.data(), W.data(), static_cast<std::int64_t>(S.size()));
}

bool parse_generator_line(GenSpec& g, const std::vector<std::string>& t, const std::string& name,
                          std::int64_t line) {
  const std::string& k = t[0];
  if (k == "NEWNET") {
    g.active = true;
    g.line = line;
    if (t.size() < 2) fail(name, line, "expected 'NEWNET S=<n> H=<n> O=<n> [POOL=1|WTA=1]'");
    for (std::size_t i = 1; i < t.size(); ++i) {
      auto eq = t[i].find('=');
      if (eq == std::string::npos)
        fail(name, line, "expected KEY=VALUE in NEWNET, got '" + t[i] + "'");
      std::string key = t[i].substr(0, eq), val = t[i].substr(eq + 1);
      if (key == "S") g.n_s = integer(val, name, line, "S", 0, kMaxNeurons * 100);
      else if (key == "H") g.n_h = integer(val, name, line, "H", 0, kMaxNeurons * 100);
      else if (key == "O") g.n_o = integer(val, name, line, "O", 0, kMaxNeurons * 100);
      else if (key == "POOL") g.pool = (integer(val, name, line, "POOL", 0, 1) != 0) || g.pool;
      else if (key == "WTA") g.pool = (integer(val, name, line, "WTA", 0, 1) != 0) || g.pool;
      else fail(name, line, "unknown NEWNET key '" + key + "' (expected S, H, O, POOL or WTA)");
    }
    return true;
  }
  if (k == "DENSITY") {
    expect_args(t, 3, name, line, "DENSITY S->H|S->O|H->H|H->O <p>");
    float p = number(t[2], name, line, "density");
    if (p < 0.0f || p > 1.0f) fail(name, line, "density must be in [0, 1], got " + t[2]);
    if (t[1] == "S->H") g.p_sh = p;
    else if (t[1] == "S->O") g.p_so = p;
    else if (t[1] == "H->H") g.p_hh = p;
    else if (t[1] == "H->O") g.p_ho = p;
    else fail(name, line, "expected S->H, S->O, H->H or H->O after DENSITY, got '" + t[1] + "'");
    return true;
  }
  if (k == "INIT") {
    expect_args(t, 2, name, line, "INIT he|xavier");
    if (t[1] == "he") g.xavier = false;
    else if (t[1] == "xavier") g.xavier = true;
    else fail(name, line, "expected 'he' or 'xavier' after INIT, got '" + t[1] + "'");
    return true;
  }
  if (k == "EXCIT_RATIO") {
    expect_args(t, 2, name, line, "EXCIT_RATIO <r>");
    float r = number(t[1], name, line, "EXCIT_RATIO");
    if (r < 0.0f || r > 1.0f) fail(name, line, "EXCIT_RATIO must be in [0, 1], got " + t[1]);
    g.excit_ratio = r;
    return true;
  }
  if (k == "W_SCALE") {
    expect_args(t, 2, name, line, "W_SCALE <s>");
    float s = number(t[1], name, line, "W_SCALE");
    if (!(s > 0.0f)) fail(name, line, "W_SCALE must be > 0, got " + t[1]);
    g.w_scale = s;
    return true;
  }
  if (k == "SEED") {
    expect_args(t, 2, name, line, "SEED <n>");
    g.seed = static_cast<std::uint64_t>(integer(t[1], name, line, "SEED", 0, INT64_MAX));
    return true;
  }
  if (k == "THRESHOLDS" || k == "LEAK") {
    const bool thr = k == "THRESHOLDS";
    if (t.size() < 3 || (t.size() - 1) % 2 != 0)
      fail(name, line, "expected '" + k + " S <v> H <v> O <v>'");
    for (std::size_t i = 1; i + 1 < t.size(); i += 2) {
      float v = number(t[i + 1], name, line, thr ? "threshold" : "leak");
      if (!thr && (v < 0.0f || v > 1.0f)) fail(name, line, "leak must be in [0, 1], got " + t[i + 1]);
      float* dst = nullptr;
      if (t[i] == "S") dst = thr ? &g.thr_s : &g.leak_s;
      else if (t[i] == "H") dst = thr ? &g.thr_h : &g.leak_h;
      else if (t[i] == "O") dst = thr ? &g.thr_o : &g.leak_o;
      else fail(name, line, "expected S, H or O in " + k + ", got '" + t[i] + "'");
      *dst = v;
    }
    return true;
  }
  return false;
}

}  // namespace detail
}  // namespace glia
