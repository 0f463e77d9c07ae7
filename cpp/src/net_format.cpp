// The .net format: NEURON and CONNECTION lines, and GliaGL's NEWNET block.
#include <charconv>
#include <string>
#include <vector>

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "net_generator.hpp"
#include "text_lines.hpp"

namespace glia {

using detail::expect_args;
using detail::fail;
using detail::LineReader;
using detail::number;

std::string format_float(float x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

namespace {

constexpr const char* kNeuronUsage =
    "NEURON <id> <threshold> <leak> <resting> [floor=0|1] [reset=resting|subtract|subtract_delayed] "
    "[alpha=<a>] [bias=<b>]";

/// The optional features after a NEURON line's four fields (DESIGN §2a): key=value tokens,
/// each key at most once; anything else is an error naming the line.
NeuronFeatures parse_features(const std::vector<std::string>& k, const std::string& name,
                              std::int64_t line) {
  NeuronFeatures f;
  std::vector<std::string> seen;
  for (std::size_t a = 5; a < k.size(); ++a) {
    const std::string& tok = k[a];
    const auto eq = tok.find('=');
    if (eq == std::string::npos || eq == 0)
      fail(name, line, std::string("expected '") + kNeuronUsage + "', got '" + tok + "'");
    const std::string key = tok.substr(0, eq), val = tok.substr(eq + 1);
    for (const auto& s : seen)
      if (s == key) fail(name, line, "NEURON feature '" + key + "' given twice");
    seen.push_back(key);
    if (key == "floor") {
      if (val != "0" && val != "1") fail(name, line, "floor must be 0 or 1, got '" + val + "'");
      f.floor = val == "1";
    } else if (key == "reset") {
      try {
        f.reset = reset_mode_of(val);
      } catch (const ValueError& e) {
        fail(name, line, e.what());
      }
    } else if (key == "alpha") {
      f.alpha = number(val, name, line, "alpha");
    } else if (key == "bias") {
      f.bias = number(val, name, line, "bias");
    } else {
      fail(name, line, "unknown NEURON feature '" + key + "' (expected floor, reset, alpha or bias)");
    }
  }
  return f;
}

}  // namespace

void parse_network(Network& out, const std::string& text, const std::string& name) {
  // Two passes over the text, nothing kept per line: the first checks every line's form
  // and reads the generator block (which may be spread over the file), the second applies
  // the NEURON and CONNECTION lines in file order. Peak memory: the text, the network and
  // 12 bytes per pending edge.
  detail::GenSpec gen;
  std::vector<std::string> t;
  std::size_t n_edges = 0;
  for (LineReader rd(text); rd.next(t);) {
    if (t.empty()) continue;
    if (t[0] == "NEURON") {
      if (t.size() < 5) expect_args(t, 5, name, rd.line_no, kNeuronUsage);
    } else if (t[0] == "CONNECTION") {
      expect_args(t, 4, name, rd.line_no, "CONNECTION <from> <to> <weight>");
      ++n_edges;
    } else if (!detail::parse_generator_line(gen, t, name, rd.line_no)) {
      fail(name, rd.line_no, "expected NEURON, CONNECTION or a NEWNET block keyword, got '" + t[0] + "'");
    }
  }
  Network net;
  if (gen.active) detail::generate(net, gen, name);
  // explicit lines add to or override the generated network, in file order
  std::vector<std::int32_t> S, D;
  std::vector<float> W;
  S.reserve(n_edges), D.reserve(n_edges), W.reserve(n_edges);
  auto flush_edges = [&]() {
    if (!S.empty()) net.set_edges(std::move(S), std::move(D), std::move(W));
    S.clear(); D.clear(); W.clear();
  };
  for (LineReader rd(text); rd.next(t);) {
    if (t.empty()) continue;
    const std::int64_t line = rd.line_no;
    if (t[0] == "NEURON") {
      float thr = number(t[2], name, line, "threshold");
      float leak = number(t[3], name, line, "leak");
      float rest = number(t[4], name, line, "resting");
      if (leak < 0.0f || leak > 1.0f) fail(name, line, "leak must be in [0, 1], got " + t[3]);
      const NeuronFeatures f = parse_features(t, name, line);
      try {
        Network::check_params(t[1], thr, leak, rest);
        Network::check_features(t[1], f);
      } catch (const ValueError& e) {
        fail(name, line, e.what());
      }
      // a new sensory neuron shifts indices: flush pending edges first
      if (kind_of(t[1]) == NeuronKind::kSensory && net.find(t[1]) < 0) flush_edges();
      net.set_features(net.add_neuron(t[1], thr, leak, rest), f);
    } else if (t[0] == "CONNECTION") {
      std::int32_t s = net.find(t[1]), d = net.find(t[2]);
      if (s < 0) fail(name, line, "CONNECTION from unknown neuron '" + t[1] + "'");
      if (d < 0) fail(name, line, "CONNECTION to unknown neuron '" + t[2] + "'");
      float w = number(t[3], name, line, "weight");
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
         format_float(net.leak()[k]) + " " + format_float(net.resting()[k]);
    const NeuronFeatures f = net.features(i);  // only what differs from the defaults
    if (!f.floor) s += " floor=0";
    if (f.reset != ResetMode::kResting) s += std::string(" reset=") + kResetModeNames[static_cast<int>(f.reset)];
    if (f.alpha != 0.0f) s += " alpha=" + format_float(f.alpha);
    if (f.bias != 0.0f) s += " bias=" + format_float(f.bias);
    s += "\n";
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

}  // namespace glia
