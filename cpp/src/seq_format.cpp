// The .seq format: DURATION, LOOP and one event per line.
#include <string>
#include <vector>

#include "glia/io.hpp"
#include "text_lines.hpp"

namespace glia {

using detail::expect_args;
using detail::fail;
using detail::integer;
using detail::LineReader;
using detail::number;

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
