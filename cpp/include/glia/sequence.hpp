// Input sequences: timed injections, sorted by tick.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace glia {

/// The largest tick or duration accepted (2^31 - 1): longer runs are refused up front.
constexpr std::int64_t kMaxTick = 2147483647;

/// Timed injections by neuron id. A repeated (tick, neuron) keeps the last value.
/// `events()` are sorted by tick, then by first appearance of the neuron id.
class Sequence {
 public:
  struct Event {
    std::int64_t tick;
    std::int32_t name;  ///< index into names()
    float value;
  };
  std::int64_t duration = 0;  ///< 0: up to the last event
  bool loop = false;          ///< repeat the events after the last event's tick

  /// Adds or replaces the event at (tick, id); throws ValueError on a bad tick or value.
  void add_event(std::int64_t tick, const std::string& id, float value);
  const std::vector<std::string>& names() const noexcept { return names_; }
  /// Events sorted by tick (stable).
  const std::vector<Event>& events() const;
  std::int64_t num_events() const noexcept { return static_cast<std::int64_t>(raw_.size()); }
  /// The last event's tick, or -1 without events.
  std::int64_t last_tick() const;
  /// The number of ticks a run of this sequence takes: duration, else last tick + 1.
  std::int64_t length() const;
  void clear();

 private:
  std::vector<std::string> names_;
  std::map<std::string, std::int32_t> name_index_;
  std::map<std::pair<std::int64_t, std::int32_t>, std::size_t> slot_;
  std::vector<Event> raw_;             // in insertion order; slot_ indexes it
  mutable std::vector<Event> events_;  // sorted copy, rebuilt when stale
  mutable bool sorted_ = true;
};

}  // namespace glia
