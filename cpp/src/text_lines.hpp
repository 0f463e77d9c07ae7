// Internal: the line and token rules shared by the .net and .seq parsers (comments, a BOM,
// CR line ends; numbers read exactly; errors as "file:line: what").
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "glia/error.hpp"

namespace glia {
namespace detail {

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

[[noreturn]] inline void fail(const std::string& name, std::int64_t line, const std::string& what) {
  throw FormatError(name + ":" + std::to_string(line) + ": " + what);
}

inline bool parse_double(const std::string& s, double& out) {
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
inline float number(const std::string& tok, const std::string& name, std::int64_t line,
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

inline std::int64_t integer(const std::string& tok, const std::string& name, std::int64_t line,
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

inline void expect_args(const std::vector<std::string>& t, std::size_t n, const std::string& name,
                 std::int64_t line, const char* usage) {
  if (t.size() != n)
    fail(name, line, std::string("expected '") + usage + "', got " + std::to_string(t.size() - 1) +
                         " argument(s)");
}

}  // namespace detail
}  // namespace glia
