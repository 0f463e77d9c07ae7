// Reading and writing .net and .seq files.
#pragma once
#include <string>

#include "glia/network.hpp"
#include "glia/sequence.hpp"

namespace glia {

/// Reads a .net file into `net`, all or nothing: on any error `net` is unchanged.
/// Throws FileError (missing/unreadable) or FormatError (path, line, what was expected).
void load_network(Network& net, const std::string& path);
/// Parses .net text; `name` is used in error messages.
void parse_network(Network& net, const std::string& text, const std::string& name);
/// Writes NEURON then CONNECTION lines (shortest round-trip floats) to a temporary file
/// renamed over `path`.
void save_network(const Network& net, const std::string& path);
/// The .net text of `net`.
std::string format_network(const Network& net);

/// Reads a .seq file. Throws FileError or FormatError.
Sequence load_sequence(const std::string& path);
Sequence parse_sequence(const std::string& text, const std::string& name);
/// The .seq text of `seq` (what save_sequence writes): DURATION, LOOP, then the events by tick.
std::string format_sequence(const Sequence& seq);
void save_sequence(const Sequence& seq, const std::string& path);

/// Reads a whole file (throws FileError).
std::string read_file(const std::string& path);
/// Writes `text` atomically: a temporary file in the same folder, flushed, then renamed.
void write_file_atomic(const std::string& path, const std::string& text);
/// The shortest decimal form of `x` that reads back to the same float.
std::string format_float(float x);

}  // namespace glia
