// Counter-based random streams: every draw is a pure function of (seed, key...), so results
// never depend on the thread count or on the order threads run in.
#pragma once
#include <cmath>
#include <cstdint>

namespace glia {

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// The documented mixing function: the seed of the stream for (seed, a, b, c).
inline std::uint64_t stream_key(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                std::uint64_t c = 0) noexcept {
  return splitmix64(seed ^ splitmix64(a ^ splitmix64(b ^ splitmix64(c))));
}

/// What a random stream is for: the last key of stream_key(seed, a, b, purpose), so that no
/// two uses ever share a stream. Every purpose of the engine is listed here, once; the values
/// are part of every seeded result (changing one changes the runs that use it).
enum class Purpose : std::uint64_t {
  kShuffle = 1,               ///< a trainer's episode order: (seed, epoch, 0)
  kTiming = 2,                ///< a trainer's timing jitter of one episode: (seed, epoch, episode)
  kGrow = 3,                  ///< a trainer's edge growth: (seed, epoch, batch)
  kJitter = 4,                ///< a trainer's initial weight jitter of one edge: (seed, 0, edge)
  kMutate = 0x45564f01ull,    ///< "EVO" 1: an individual's mutation: (seed, generation, slot)
  kParent = 0x45564f02ull,    ///< "EVO" 2: a child's parent rank: (seed, generation, slot)
  kTrainSeed = 0x45564f03ull, ///< "EVO" 3: an individual's trainer seed: (seed, generation, slot)
  /// "NEWNET": a generated network's edges; the one purpose given as the first key,
  /// stream_key(seed, kNewNetwork), as the generator has always drawn it
  kNewNetwork = 0x4E45574E4554ull,
};

/// stream_key with a purpose from the list above as its last key.
inline std::uint64_t stream_key(std::uint64_t seed, std::uint64_t a, std::uint64_t b,
                                Purpose purpose) noexcept {
  return stream_key(seed, a, b, static_cast<std::uint64_t>(purpose));
}

/// A small generator (SplitMix64 sequence) over one stream; cheap to create per task.
class Rng {
 public:
  explicit Rng(std::uint64_t key) noexcept : s_(key) {}
  std::uint64_t next() noexcept {
    s_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = s_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) noexcept { return n ? next() % n : 0; }
  /// Standard normal (Box-Muller; one value per call, deterministic).
  double normal() noexcept {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t s_;
};

}  // namespace glia
