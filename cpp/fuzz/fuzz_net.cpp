// libFuzzer target for the .net parser (glia::parse_network).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/network.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (glia_fuzz::asks_for_large_network(text, 300)) return -1;  // keep out of the corpus
  glia::Network net;
  try {
    glia::parse_network(net, text, "fuzz.net");
  } catch (const glia::Error&) {
    if (net.size() != 0 || net.num_edges() != 0)
      glia_fuzz::finding("a failed parse changed the network", text);
    return 0;
  }
  try {
    net.validate();
  } catch (const glia::Error& e) {
    glia_fuzz::finding("parsed network is invalid", std::string(e.what()) + "\n--- input:\n" + text);
  }
  glia_fuzz::check_round_trip(text, glia::format_network(net), [](const std::string& saved) {
    glia::Network back;
    glia::parse_network(back, saved, "saved.net");
    back.validate();
    return glia::format_network(back);
  });
  // a few steps of the parsed network must stay finite-safe (no UB on odd parameters)
  if (net.size() <= 2000 && net.num_edges() <= 20000) net.step(3);
  return 0;
}
