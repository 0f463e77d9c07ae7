// Internal: GliaGL's NEWNET block of .net files (a seeded random layered network).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glia/network.hpp"

namespace glia {
namespace detail {

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

/// Reads one NEWNET-block line into `g`; false when `t` is not such a line.
bool parse_generator_line(GenSpec& g, const std::vector<std::string>& t, const std::string& name,
                          std::int64_t line);

/// Builds the network `g` describes into `net` (empty), refusing sizes over the limits.
void generate(Network& net, const GenSpec& g, const std::string& name);

}  // namespace detail
}  // namespace glia
