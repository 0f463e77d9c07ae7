// libFuzzer target for the .seq parser (glia::parse_sequence).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/sequence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  glia::Sequence seq;
  try {
    seq = glia::parse_sequence(text, "fuzz.seq");
  } catch (const glia::Error&) {
    return 0;
  }
  if (seq.duration < 0 || seq.duration > glia::kMaxTick)
    glia_fuzz::finding("duration out of range", text);
  std::int64_t prev = -1;
  for (const auto& e : seq.events()) {
    if (e.tick < prev || e.tick < 0 || e.tick > glia::kMaxTick)
      glia_fuzz::finding("events not sorted or tick out of range", text);
    if (e.name < 0 || static_cast<std::size_t>(e.name) >= seq.names().size())
      glia_fuzz::finding("event names an unknown id", text);
    prev = e.tick;
  }
  (void)seq.length();
  glia_fuzz::check_round_trip(text, glia::format_sequence(seq), [](const std::string& saved) {
    return glia::format_sequence(glia::parse_sequence(saved, "saved.seq"));
  });
  return 0;
}
