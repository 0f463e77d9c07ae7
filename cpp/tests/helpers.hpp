// Helpers shared by the engine's tests: networks written as lists, random networks from
// the generator, random drives, files of a folder, the parallel cut-off for a scope.
#pragma once
#include <dirent.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "glia/io.hpp"
#include "glia/network.hpp"
#include "glia/random.hpp"

namespace test_helpers {

struct NeuronSpec {
  const char* id;
  float threshold, leak, resting;
};
struct EdgeSpec {
  const char* from;
  const char* to;
  float weight;
};

/// A network with these neurons (in this order of creation) and edges.
inline glia::Network make_net(std::initializer_list<NeuronSpec> neurons,
                              std::initializer_list<EdgeSpec> edges) {
  glia::Network net;
  for (const NeuronSpec& n : neurons) net.add_neuron(n.id, n.threshold, n.leak, n.resting);
  for (const EdgeSpec& e : edges) net.set_edge(net.index(e.from), net.index(e.to), e.weight);
  return net;
}

/// Sets the parallel cut-off for one scope (0: every network on a team).
struct MinWork {
  explicit MinWork(std::int64_t w) : old(glia::set_parallel_step_min_work(w)) {}
  ~MinWork() { glia::set_parallel_step_min_work(old); }
  MinWork(const MinWork&) = delete;
  MinWork& operator=(const MinWork&) = delete;
  std::int64_t old;
};

/// A random network from the generator (NEWNET): `p_hh` the H->H density (< 0: the
/// generator's default), weights scaled by `w_scale`.
inline glia::Network random_net(int n_s, int n_h, int n_o, int seed, double p_hh = -1.0,
                                double w_scale = 40.0) {
  std::string text = "NEWNET S=" + std::to_string(n_s) + " H=" + std::to_string(n_h) +
                     " O=" + std::to_string(n_o) + "\n";
  if (p_hh >= 0.0) text += "DENSITY H->H " + std::to_string(p_hh) + "\n";
  text += "SEED " + std::to_string(seed) + "\nW_SCALE " + std::to_string(w_scale) +
          "\nTHRESHOLDS S 1 H 20 O 20\n";
  glia::Network net;
  glia::parse_network(net, text, "random.net");
  return net;
}

/// Random drive: T x n_s, each entry 0 or 150 with probability p.
inline std::vector<float> random_drive(std::int64_t T, int n_s, double p, std::uint64_t seed) {
  glia::Rng rng(seed);
  std::vector<float> X(static_cast<std::size_t>(T * n_s));
  for (auto& x : X) x = rng.uniform() < p ? 150.0f : 0.0f;
  return X;
}

inline bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// The names in a folder (without "." and "..").
inline std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  return out;
}

}  // namespace test_helpers
