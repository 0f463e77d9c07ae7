#include "glia/io.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glia/error.hpp"
#include "glia/random.hpp"

namespace glia {
namespace {

/// Splits text into lines, dropping comments, a leading UTF-8 BOM and CR line ends.
struct LineReader {
  const std::string& text;
  std::size_t pos = 0;
  std::int64_t line_no = 0;
  explicit LineReader(const std::string& t) : text(t) {
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
      pos = 3;
  }
  /// Next line's tokens (possibly empty); false at the end.
  bool next(std::vector<std::string>& tokens) {
    if (pos >= text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    tokens.clear();
    std::size_t i = pos;
    pos = end + 1;
    while (i < end) {
      char c = text[i];
      if (c == '#') break;
      if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < end && text[j] != ' ' && text[j] != '\t' && text[j] != '\r' && text[j] != '#' &&
             text[j] != '\v' && text[j] != '\f')
        ++j;
      tokens.emplace_back(text, i, j - i);
      i = j;
    }
    return true;
  }
};

[[noreturn]] void fail(const std::string& name, std::int64_t line, const std::string& what) {
  throw FormatError(name + ":" + std::to_string(line) + ": " + what);
}

bool parse_double(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return false;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

/// Parses a float32 straight from the decimal text (correctly rounded, so every float
/// written by format_float reads back to the same bits, FLT_MAX and denormals included).
/// Values too small for a float read as a signed zero; too large ones are an error.
float number(const std::string& tok, const std::string& name, std::int64_t line,
             const char* what) {
  double v;
  if (!parse_double(tok, v))
    fail(name, line, std::string("expected a number for ") + what + ", got '" + tok + "'");
  if (!std::isfinite(v))
    fail(name, line, std::string(what) + " must be finite, got '" + tok + "'");
  const char* b = tok.data();
  const char* e = b + tok.size();
  if (*b == '+') ++b;
  float f = 0.0f;
  auto r = std::from_chars(b, e, f);
  if (r.ec == std::errc::result_out_of_range) {
    if (std::fabs(v) >= 1.0)
      fail(name, line, std::string(what) + " is outside the float32 range, got '" + tok + "'");
    f = std::signbit(v) ? -0.0f : 0.0f;
  } else if (r.ec != std::errc() || r.ptr != e) {
    fail(name, line, std::string("expected a number for ") + what + ", got '" + tok + "'");
  }
  return f;
}

std::int64_t integer(const std::string& tok, const std::string& name, std::int64_t line,
                     const char* what, std::int64_t lo, std::int64_t hi) {
  const char* b = tok.data();
  const char* e = b + tok.size();
  if (b != e && *b == '+') ++b;
  std::int64_t v = 0;
  auto r = std::from_chars(b, e, v);
  if (b == e || r.ec != std::errc() || r.ptr != e) {
    if (r.ec == std::errc::result_out_of_range)
      fail(name, line, std::string(what) + " out of range [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]: '" + tok + "'");
    fail(name, line, std::string("expected an integer for ") + what + ", got '" + tok + "'");
  }
  if (v < lo || v > hi)
    fail(name, line, std::string(what) + " out of range [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "]: " + tok);
  return v;
}

void expect_args(const std::vector<std::string>& t, std::size_t n, const std::string& name,
                 std::int64_t line, const char* usage) {
  if (t.size() != n)
    fail(name, line, std::string("expected '") + usage + "', got " + std::to_string(t.size() - 1) +
                         " argument(s)");
}

// ---------------------------------------------------------------- NEWNET generator
// GliaGL's NEWNET defaults and rule (its Glia::configureNetworkFromFile): EXCIT_RATIO 0.7,
// W_SCALE 1; every non-pool edge gets a magnitude uniform in [0, sqrt(6 / fan_in) * W_SCALE]
// (fan_in: the target's generated in-edges) and is excitatory with probability EXCIT_RATIO.
// GliaGL computes the same limit for INIT xavier as for he, and WTA=1 is another name for
// POOL=1; glia keeps both so that GliaGL files build the same kind of network.
struct GenSpec {
  bool active = false;
  std::int64_t line = 0;
  std::int64_t n_s = 0, n_h = 0, n_o = 0;
  bool pool = false;  ///< POOL=1 or WTA=1
  double p_sh = 0.6, p_so = 0.2, p_hh = 0.1, p_ho = 0.6;
  bool xavier = false;  ///< accepted; builds the same limits as he (GliaGL's behaviour)
  double excit_ratio = 0.7, w_scale = 1.0;
  float thr_s = 100.0f, thr_h = 45.0f, thr_o = 55.0f;
  float leak_s = 1.0f, leak_h = 0.9f, leak_o = 1.0f;
  std::uint64_t seed = 0;
};

constexpr std::int64_t kMaxGeneratedNeurons = 10000000;   // 10^7
constexpr double kMaxGeneratedEdges = 2.0e9;
constexpr double kBuildBytesPerEdge = 56.0;    // measured peak of generate() per edge
constexpr double kBuildBytesPerNeuron = 200.0;

/// Total physical memory in bytes (0 if unknown).
double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

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

void generate(Network& net, const GenSpec& g, const std::string& name) {
  if (g.n_s + g.n_h + g.n_o + (g.pool ? 1 : 0) > kMaxGeneratedNeurons)
    fail(name, g.line, "NEWNET asks for " + std::to_string(g.n_s + g.n_h + g.n_o) +
                           " neurons; at most " + std::to_string(kMaxGeneratedNeurons) + " are allowed");
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
  Rng rng(stream_key(g.seed, 0x4E45574E4554ull /* "NEWNET" */));
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
      if (key == "S") g.n_s = integer(val, name, line, "S", 0, kMaxGeneratedNeurons * 100);
      else if (key == "H") g.n_h = integer(val, name, line, "H", 0, kMaxGeneratedNeurons * 100);
      else if (key == "O") g.n_o = integer(val, name, line, "O", 0, kMaxGeneratedNeurons * 100);
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

}  // namespace

std::string read_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw FileNotFound("No such file: '" + path + "'");
    throw FileError("cannot open '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw FileError("'" + path + "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

std::atomic<std::uint64_t> g_tmp_counter{0};

/// Writes all of `text` to `fd`; returns 0 or the errno of the failure.
int write_all(int fd, const std::string& text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  return 0;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void rename_over(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw FileError("cannot replace '" + path + "': " + std::strerror(err));
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  // unique per process and call (the counter is shared by threads saving at once)
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(g_tmp_counter.fetch_add(1) + 1);
#ifdef O_TMPFILE
  // Linux: write an unnamed file in the target's folder, then give it a name and rename it
  // over the target. A process killed while writing leaves nothing behind.
  {
    int fd = ::open(parent_dir(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      int err = write_all(fd, text);
      if (err == 0 && ::fsync(fd) != 0) err = errno;
      bool linked = false;
      if (err == 0) {
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        linked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) == 0;
      }
      ::close(fd);
      if (err != 0) throw FileError("cannot write '" + path + "': " + std::strerror(err));
      if (linked) {
        rename_over(tmp, path);
        return;
      }
      // no /proc or no linkat here: fall back to a named temporary file
    }
  }
#endif
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError("cannot write '" + path + "': " + std::strerror(errno));
  int err = write_all(fd, text);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw FileError("cannot write '" + path + "': " + std::strerror(err));
  }
  rename_over(tmp, path);
}

std::string format_float(float x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

void parse_network(Network& out, const std::string& text, const std::string& name) {
  struct Explicit {
    std::int64_t line;
    std::vector<std::string> tok;
  };
  GenSpec gen;
  std::vector<Explicit> lines;
  LineReader rd(text);
  std::vector<std::string> t;
  while (rd.next(t)) {
    if (t.empty()) continue;
    if (t[0] == "NEURON") {
      expect_args(t, 5, name, rd.line_no, "NEURON <id> <threshold> <leak> <resting>");
      lines.push_back({rd.line_no, t});
    } else if (t[0] == "CONNECTION") {
      expect_args(t, 4, name, rd.line_no, "CONNECTION <from> <to> <weight>");
      lines.push_back({rd.line_no, t});
    } else if (!parse_generator_line(gen, t, name, rd.line_no)) {
      fail(name, rd.line_no, "expected NEURON, CONNECTION or a NEWNET block keyword, got '" + t[0] + "'");
    }
  }
  Network net;
  if (gen.active) generate(net, gen, name);
  // explicit lines add to or override the generated network, in file order
  std::vector<std::int32_t> S, D;
  std::vector<float> W;
  auto flush_edges = [&]() {
    if (!S.empty()) net.set_edges(S.data(), D.data(), W.data(), static_cast<std::int64_t>(S.size()));
    S.clear(); D.clear(); W.clear();
  };
  for (const auto& l : lines) {
    const auto& k = l.tok;
    if (k[0] == "NEURON") {
      float thr = number(k[2], name, l.line, "threshold");
      float leak = number(k[3], name, l.line, "leak");
      float rest = number(k[4], name, l.line, "resting");
      if (leak < 0.0f || leak > 1.0f) fail(name, l.line, "leak must be in [0, 1], got " + k[3]);
      try {
        Network::check_params(k[1], thr, leak, rest);
      } catch (const ValueError& e) {
        fail(name, l.line, e.what());
      }
      // a new sensory neuron shifts indices: flush pending edges first
      if (kind_of(k[1]) == NeuronKind::kSensory && net.find(k[1]) < 0) flush_edges();
      net.add_neuron(k[1], thr, leak, rest);
    } else {
      std::int32_t s = net.find(k[1]), d = net.find(k[2]);
      if (s < 0) fail(name, l.line, "CONNECTION from unknown neuron '" + k[1] + "'");
      if (d < 0) fail(name, l.line, "CONNECTION to unknown neuron '" + k[2] + "'");
      float w = number(k[3], name, l.line, "weight");
      S.push_back(s); D.push_back(d); W.push_back(w);
    }
  }
  flush_edges();
  net.reset();
  out.swap(net);
}

void load_network(Network& net, const std::string& path) {
  parse_network(net, read_file(path), path);
}

std::string format_network(const Network& net) {
  std::string s;
  s.reserve(static_cast<std::size_t>(net.size()) * 32 + static_cast<std::size_t>(net.num_edges()) * 24);
  s += "# glia network: " + std::to_string(net.size()) + " neurons, " +
       std::to_string(net.num_edges()) + " connections\n";
  for (std::int32_t i = 0; i < net.size(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    s += "NEURON " + net.id(i) + " " + format_float(net.threshold()[k]) + " " +
         format_float(net.leak()[k]) + " " + format_float(net.resting()[k]) + "\n";
  }
  const auto& rp = net.row_ptr();
  for (std::int32_t i = 0; i < net.size(); ++i)
    for (std::int64_t e = rp[static_cast<std::size_t>(i)]; e < rp[static_cast<std::size_t>(i) + 1]; ++e)
      s += "CONNECTION " + net.id(i) + " " + net.id(net.col()[static_cast<std::size_t>(e)]) + " " +
           format_float(net.weight()[static_cast<std::size_t>(e)]) + "\n";
  return s;
}

void save_network(const Network& net, const std::string& path) {
  write_file_atomic(path, format_network(net));
}

Sequence parse_sequence(const std::string& text, const std::string& name) {
  Sequence seq;
  LineReader rd(text);
  std::vector<std::string> t;
  while (rd.next(t)) {
    if (t.empty()) continue;
    const std::int64_t ln = rd.line_no;
    if (t[0] == "DURATION") {
      expect_args(t, 2, name, ln, "DURATION <n>");
      seq.duration = integer(t[1], name, ln, "DURATION", 0, kMaxTick);
    } else if (t[0] == "LOOP") {
      expect_args(t, 2, name, ln, "LOOP true|false|1|0");
      if (t[1] == "true" || t[1] == "1" || t[1] == "TRUE" || t[1] == "True") seq.loop = true;
      else if (t[1] == "false" || t[1] == "0" || t[1] == "FALSE" || t[1] == "False") seq.loop = false;
      else fail(name, ln, "expected true, false, 1 or 0 after LOOP, got '" + t[1] + "'");
    } else {
      std::size_t o = t[0] == "EVENT" ? 1 : 0;
      if (t.size() != o + 3)
        fail(name, ln, "expected '<tick> <neuron_id> <value>' or 'EVENT <tick> <neuron_id> <value>'");
      std::int64_t tick = integer(t[o], name, ln, "tick", 0, kMaxTick);
      float v = number(t[o + 2], name, ln, "value");
      seq.add_event(tick, t[o + 1], v);
    }
  }
  return seq;
}

Sequence load_sequence(const std::string& path) { return parse_sequence(read_file(path), path); }

std::string format_sequence(const Sequence& seq) {
  std::string s = "DURATION " + std::to_string(seq.duration) + "\nLOOP " +
                  (seq.loop ? "true" : "false") + "\n";
  for (const auto& e : seq.events())
    s += std::to_string(e.tick) + " " + seq.names()[static_cast<std::size_t>(e.name)] + " " +
         format_float(e.value) + "\n";
  return s;
}

void save_sequence(const Sequence& seq, const std::string& path) {
  write_file_atomic(path, format_sequence(seq));
}

}  // namespace glia
