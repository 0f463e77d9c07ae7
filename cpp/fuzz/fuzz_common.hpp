// Shared checks of the parser fuzz targets: every input either parses, and then the
// result is valid and survives format -> parse unchanged, or throws a glia::Error
// subclass. Anything else (another exception, a sanitizer report, abort) is a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "glia/error.hpp"

namespace glia_fuzz {

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n%s\n", what, detail.c_str());
  std::abort();
}

/// The round trip of a parsed `input`: its formatted text `saved` parses back and formats
/// to the same text; `reformat(saved)` parses and formats (a glia::Error is a finding).
template <class Reformat>
void check_round_trip(const std::string& input, const std::string& saved, Reformat reformat) {
  std::string again;
  try {
    again = reformat(saved);
  } catch (const glia::Error& e) {
    finding("saved text does not parse back",
            std::string(e.what()) + "\n--- input:\n" + input + "\n--- saved:\n" + saved);
  }
  if (again != saved)
    finding("save -> parse -> save changed the text",
            "--- input:\n" + input + "\n--- saved:\n" + saved + "\n--- again:\n" + again);
}

/// True when the text asks NEWNET for more than `limit` neurons in any KEY=<n> field.
/// Such inputs are valid (the parser allows up to 10^7 neurons) but make a single run
/// take seconds and gigabytes, which hides real findings behind timeouts and OOMs;
/// the size limits themselves are covered by the Catch2 and pytest suites.
inline bool asks_for_large_network(const std::string& text, std::uint64_t limit) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') continue;
    std::size_t j = i + 1;
    if (j < text.size() && text[j] == '+') ++j;
    std::uint64_t v = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(text[j] - '0');
      if (v > limit) return true;
      ++j;
    }
  }
  return false;
}

}  // namespace glia_fuzz
