// Limits every entry point shares: the most neurons a network may have, and the memory
// that requests for large arrays are checked against.
#pragma once
#include <cstdint>

namespace glia {

/// The most neurons a network may have (files, generators and the Python constructor).
constexpr std::int32_t kMaxNeurons = 10000000;

/// Total physical memory in bytes (0 if unknown): requests that could never fit are refused
/// up front instead of the kernel killing the process half way.
double physical_memory_bytes() noexcept;

}  // namespace glia
