// Hooks: how long C++ loops reach the caller (Ctrl-C checks, progress, callbacks).
#pragma once
#include <chrono>
#include <cstdint>

namespace glia {

/// Called from the calling thread only; nonzero means stop (the hook has recorded why).
using Hook = int (*)(void* ctx);

/// Calls a hook about every `interval` of wall time, checking the clock rarely.
///
/// `due()` is cheap: it counts calls and looks at the clock only every `stride_` calls,
/// adapting the stride so the clock is read about once per millisecond.
class Poller {
 public:
  explicit Poller(Hook hook, void* ctx, double interval_s = 0.1)
      : hook_(hook), ctx_(ctx), interval_(interval_s) {
    // without a hook the clock is never read (a tiny call pays no clock read)
    if (hook_ != nullptr) last_check_ = last_call_ = Clock::now();
  }
  /// Returns true if the hook asked to stop.
  bool poll() {
    if (hook_ == nullptr) return false;
    if (++count_ < stride_) return false;
    count_ = 0;
    auto now = Clock::now();
    double since_check = std::chrono::duration<double>(now - last_check_).count();
    last_check_ = now;
    if (since_check < 0.0005 && stride_ < (1u << 20)) stride_ *= 2;
    else if (since_check > 0.004 && stride_ > 1) stride_ /= 2;
    if (std::chrono::duration<double>(now - last_call_).count() < interval_) return false;
    last_call_ = now;
    return hook_(ctx_) != 0;
  }
  /// Calls the hook now, whatever the time (batch/epoch boundaries).
  bool force() {
    if (hook_ == nullptr) return false;
    last_call_ = Clock::now();
    return hook_(ctx_) != 0;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Hook hook_;
  void* ctx_;
  double interval_;
  std::uint32_t count_ = 0, stride_ = 1;
  Clock::time_point last_check_, last_call_;
};

}  // namespace glia
