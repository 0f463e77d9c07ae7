#include "glia/sequence.hpp"

#include <algorithm>
#include <cmath>

#include "glia/error.hpp"

namespace glia {

void Sequence::add_event(std::int64_t tick, const std::string& id, float value) {
  if (tick < 0 || tick > kMaxTick)
    throw ValueError("tick must be in [0, " + std::to_string(kMaxTick) + "], got " +
                     std::to_string(tick));
  if (!std::isfinite(value)) throw ValueError("event value must be finite");
  if (id.empty()) throw ValueError("event neuron id must not be empty");
  for (char c : id)  // what the .seq tokenizer splits on: such an id could not be saved
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '#')
      throw ValueError("event neuron id '" + id + "' contains whitespace or '#'");
  auto it = name_index_.find(id);
  std::int32_t name;
  if (it == name_index_.end()) {
    name = static_cast<std::int32_t>(names_.size());
    names_.push_back(id);
    name_index_.emplace(id, name);
  } else {
    name = it->second;
  }
  auto key = std::make_pair(tick, name);
  auto slot = slot_.find(key);
  sorted_ = false;
  if (slot != slot_.end()) {
    raw_[slot->second].value = value;
    return;
  }
  slot_.emplace(key, raw_.size());
  raw_.push_back(Event{tick, name, value});
}

const std::vector<Sequence::Event>& Sequence::events() const {
  if (!sorted_) {
    events_ = raw_;
    std::stable_sort(events_.begin(), events_.end(),
                     [](const Event& a, const Event& b) { return a.tick < b.tick; });
    sorted_ = true;
  }
  return events_;
}

std::int64_t Sequence::last_tick() const {
  const auto& ev = events();
  return ev.empty() ? -1 : ev.back().tick;
}

std::int64_t Sequence::length() const { return duration > 0 ? duration : last_tick() + 1; }

void Sequence::clear() {
  names_.clear();
  name_index_.clear();
  slot_.clear();
  events_.clear();
  raw_.clear();
  sorted_ = true;
  duration = 0;
  loop = false;
}

}  // namespace glia
