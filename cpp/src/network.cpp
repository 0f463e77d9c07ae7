// The network: neurons, edges in CSR form (edits, checks) and the one-thread step
// (`step_state`). Team runs are in network_run.cpp.
#include "glia/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "glia/error.hpp"
#include "prefetch.hpp"
#include "simd.hpp"

namespace glia {

using detail::prefetch;

NeuronKind kind_of(const std::string& id) noexcept {
  if (!id.empty() && id[0] == 'S') return NeuronKind::kSensory;
  if (!id.empty() && id[0] == 'O') return NeuronKind::kOutput;
  return NeuronKind::kHidden;
}

ResetMode reset_mode_of(const std::string& name) {
  std::string choices;
  for (int m = 0; m < kNumResetModes; ++m) {
    if (name == kResetModeNames[m]) return static_cast<ResetMode>(m);
    choices += (m ? ", '" : "'") + std::string(kResetModeNames[m]) + "'";
  }
  throw ValueError("reset must be one of " + choices + ", got '" + name + "'");
}

void State::reset(const Network& net) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  value.assign(net.resting().begin(), net.resting().end());
  input.assign(n, 0.0f);
  fired_mask.assign(n, 0);
  fired.assign(n, 0);
  n_fired = 0;
  tick = 0;
}

Network::Network(std::int32_t num_sensory, std::int32_t num_neurons) {
  if (num_sensory < 0 || num_neurons < 0)
    throw ValueError("num_sensory and num_neurons must be >= 0");
  for (std::int32_t i = 0; i < num_sensory; ++i)
    add_neuron("S" + std::to_string(i), 100.0f, 1.0f, 0.0f);
  for (std::int32_t i = 0; i < num_neurons; ++i)
    add_neuron("N" + std::to_string(i), 50.0f, 1.0f, 0.0f);
}

std::int32_t Network::find(const std::string& id) const noexcept {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

std::int32_t Network::index(const std::string& id) const {
  std::int32_t i = find(id);
  if (i < 0) throw KeyError("unknown neuron id '" + id + "'");
  return i;
}

void Network::check_params(const std::string& id, float thr, float leak, float rest) {
  if (id.empty()) throw ValueError("neuron id must not be empty");
  // every character the .net/.seq tokenizer splits on, so that saved files read back
  for (char c : id)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '#')
      throw ValueError("neuron id '" + id + "' contains whitespace or '#'");
  if (!std::isfinite(thr)) throw ValueError("threshold of '" + id + "' is not finite");
  if (!std::isfinite(rest)) throw ValueError("resting value of '" + id + "' is not finite");
  if (!(leak >= 0.0f && leak <= 1.0f))
    throw ValueError("leak of '" + id + "' must be in [0, 1], got " + std::to_string(leak));
}

std::int32_t Network::add_neuron(const std::string& id, float thr, float leak, float rest) {
  check_params(id, thr, leak, rest);
  std::int32_t i = find(id);
  if (i >= 0) {
    set_params(i, thr, leak, rest);
    return i;
  }
  if (ids_.size() >= static_cast<std::size_t>(INT32_MAX - 1))
    throw ValueError("too many neurons");
  check_unpinned("add a neuron");
  NeuronKind k = kind_of(id);
  std::int32_t pos = k == NeuronKind::kSensory ? n_sensory_ : size();
  insert_neuron_at(pos, id, thr, leak, rest);
  return pos;
}

void Network::insert_neuron_at(std::int32_t pos, const std::string& id, float thr, float leak,
                               float rest) {
  const bool at_end = pos == size();
  const auto p = static_cast<std::size_t>(pos);
  ids_.insert(ids_.begin() + pos, id);
  kinds_.insert(kinds_.begin() + pos, kind_of(id));
  threshold_.insert(threshold_.begin() + pos, thr);
  leak_.insert(leak_.begin() + pos, leak);
  resting_.insert(resting_.begin() + pos, rest);
  flags_.insert(flags_.begin() + pos, feature_flags(NeuronFeatures{}));
  alpha_.insert(alpha_.begin() + pos, 0.0f);
  bias_.insert(bias_.begin() + pos, 0.0f);
  if (kind_of(id) == NeuronKind::kSensory) ++n_sensory_;
  structure_changed();
  // CSR: an empty row at pos; targets at or after pos shift by one.
  row_ptr_.insert(row_ptr_.begin() + pos, row_ptr_[p]);
  if (!at_end) {
    for (auto& c : col_)
      if (c >= pos) ++c;
    index_.clear();
    for (std::size_t k = 0; k < ids_.size(); ++k) index_[ids_[k]] = static_cast<std::int32_t>(k);
  } else {
    index_[id] = pos;
  }
  // State: the new neuron starts at rest.
  state_.value.insert(state_.value.begin() + pos, rest);
  state_.input.insert(state_.input.begin() + pos, 0.0f);
  state_.fired_mask.insert(state_.fired_mask.begin() + pos, 0);
  state_.fired.push_back(0);
  state_.n_fired = 0;
  std::fill(state_.fired_mask.begin(), state_.fired_mask.end(), 0);
}

void Network::set_params(std::int32_t i, float thr, float leak, float rest) {
  if (i < 0 || i >= size()) throw ValueError("neuron index out of range");
  check_params(ids_[static_cast<std::size_t>(i)], thr, leak, rest);
  threshold_[static_cast<std::size_t>(i)] = thr;
  leak_[static_cast<std::size_t>(i)] = leak;
  resting_[static_cast<std::size_t>(i)] = rest;
}

void Network::check_features(const std::string& id, const NeuronFeatures& f) {
  if (static_cast<int>(f.reset) < 0 || static_cast<int>(f.reset) >= kNumResetModes)
    throw ValueError("reset mode of '" + id + "' is out of range");
  if (!(f.alpha >= 0.0f && f.alpha <= 1.0f))
    throw ValueError("alpha of '" + id + "' must be in [0, 1], got " + std::to_string(f.alpha));
  if (!std::isfinite(f.bias)) throw ValueError("bias of '" + id + "' is not finite");
}

NeuronFeatures Network::features(std::int32_t i) const {
  if (i < 0 || i >= size()) throw ValueError("neuron index out of range");
  const auto k = static_cast<std::size_t>(i);
  NeuronFeatures f;
  f.floor = (flags_[k] & kNoFloor) == 0;
  f.reset = static_cast<ResetMode>(flags_[k] >> kResetShift);
  f.alpha = alpha_[k];
  f.bias = bias_[k];
  return f;
}

void Network::set_features(std::int32_t i, const NeuronFeatures& f) {
  if (i < 0 || i >= size()) throw ValueError("neuron index out of range");
  check_features(ids_[static_cast<std::size_t>(i)], f);
  const bool was = !features(i).is_default();
  const auto k = static_cast<std::size_t>(i);
  flags_[k] = feature_flags(f);
  alpha_[k] = f.alpha + 0.0f;  // -0 stored as +0: a zero feature is written as none (files)
  bias_[k] = f.bias + 0.0f;
  n_extended_ += static_cast<std::int32_t>(!f.is_default()) - static_cast<std::int32_t>(was);
  structure_changed();
}

std::vector<std::int32_t> Network::edge_sources() const {
  std::vector<std::int32_t> src(col_.size());
  for (std::int32_t i = 0; i < size(); ++i)
    std::fill(src.begin() + row_ptr_[static_cast<std::size_t>(i)],
              src.begin() + row_ptr_[static_cast<std::size_t>(i) + 1], i);
  return src;
}

std::int64_t Network::find_edge(std::int32_t s, std::int32_t d) const noexcept {
  if (s < 0 || s >= size()) return -1;
  auto b = col_.begin() + row_ptr_[static_cast<std::size_t>(s)];
  auto e = col_.begin() + row_ptr_[static_cast<std::size_t>(s) + 1];
  auto it = std::lower_bound(b, e, d);
  return (it != e && *it == d) ? static_cast<std::int64_t>(it - col_.begin()) : -1;
}

static void check_edge(const Network& net, std::int32_t s, std::int32_t d, float w) {
  if (s < 0 || s >= net.size() || d < 0 || d >= net.size())
    throw ValueError("edge endpoint index out of range");
  if (!std::isfinite(w))
    throw ValueError("weight of edge " + net.id(s) + " -> " + net.id(d) + " is not finite");
}

void Network::set_edge(std::int32_t s, std::int32_t d, float w) {
  check_edge(*this, s, d, w);
  std::int64_t e = find_edge(s, d);
  if (e >= 0) {
    weight_[static_cast<std::size_t>(e)] = w;
    ++weights_version_;
    return;
  }
  auto b = col_.begin() + row_ptr_[static_cast<std::size_t>(s)];
  auto end = col_.begin() + row_ptr_[static_cast<std::size_t>(s) + 1];
  auto pos = std::lower_bound(b, end, d) - col_.begin();
  check_unpinned("add an edge");
  structure_changed();
  col_.insert(col_.begin() + pos, d);
  weight_.insert(weight_.begin() + pos, w);
  for (std::size_t k = static_cast<std::size_t>(s) + 1; k < row_ptr_.size(); ++k) ++row_ptr_[k];
}

namespace {

/// The CSR of edges (s, d, w) over n sources, the last of duplicates winning: sources
/// counted into row starts, edge positions placed row by row (input order kept), each row
/// sorted by (target, position), the last of equal targets kept. Each input array is freed
/// as soon as it has been read for the last time: the peak is 16 bytes per edge.
template <class Index>
void edges_to_csr(std::int32_t n, std::vector<std::int32_t>& s, std::vector<std::int32_t>& d,
                  std::vector<float>& w, std::vector<std::int64_t>& rp,
                  std::vector<std::int32_t>& col, std::vector<float>& wt) {
  const std::size_t m = s.size();
  std::vector<std::int64_t> start(static_cast<std::size_t>(n) + 1, 0);
  for (std::int32_t x : s) ++start[static_cast<std::size_t>(x) + 1];
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<Index> order(m);
  {
    std::vector<std::int64_t> next(start.begin(), start.end() - 1);
    for (std::size_t k = 0; k < m; ++k)
      order[static_cast<std::size_t>(next[static_cast<std::size_t>(s[k])]++)] = static_cast<Index>(k);
  }
  std::vector<std::int32_t>().swap(s);
  // each row by (target, position); a duplicate before the last of its target is marked -1
  rp.assign(static_cast<std::size_t>(n) + 1, 0);
  std::size_t kept = 0;
  for (std::int32_t i = 0; i < n; ++i) {
    const auto b = order.begin() + start[static_cast<std::size_t>(i)];
    const auto e = order.begin() + start[static_cast<std::size_t>(i) + 1];
    std::sort(b, e, [&d](Index x, Index y) {
      return d[static_cast<std::size_t>(x)] != d[static_cast<std::size_t>(y)]
                 ? d[static_cast<std::size_t>(x)] < d[static_cast<std::size_t>(y)]
                 : x < y;
    });
    for (auto it = b; it != e; ++it) {
      if (it + 1 != e && d[static_cast<std::size_t>(*(it + 1))] == d[static_cast<std::size_t>(*it)])
        *it = Index{-1};
      else
        ++kept;
    }
    rp[static_cast<std::size_t>(i) + 1] = static_cast<std::int64_t>(kept);
  }
  col.resize(kept);
  std::size_t q = 0;
  for (Index x : order)
    if (x >= 0) col[q++] = d[static_cast<std::size_t>(x)];
  std::vector<std::int32_t>().swap(d);
  wt.resize(kept);
  q = 0;
  for (Index x : order)
    if (x >= 0) wt[q++] = w[static_cast<std::size_t>(x)];
  std::vector<float>().swap(w);
}

}  // namespace

void Network::build_csr(std::vector<std::int32_t>& s, std::vector<std::int32_t>& d,
                        std::vector<float>& w) {
  check_unpinned("change the edges");
  std::vector<std::int64_t> rp;
  std::vector<std::int32_t> col;
  std::vector<float> wt;
  if (s.size() < static_cast<std::size_t>(INT32_MAX))
    edges_to_csr<std::int32_t>(size(), s, d, w, rp, col, wt);
  else
    edges_to_csr<std::int64_t>(size(), s, d, w, rp, col, wt);
  structure_changed();
  row_ptr_.swap(rp);
  col_.swap(col);
  weight_.swap(wt);
}

void Network::set_edges(const std::int32_t* s, const std::int32_t* d, const float* w,
                        std::int64_t n) {
  set_edges(std::vector<std::int32_t>(s, s + n), std::vector<std::int32_t>(d, d + n),
            std::vector<float>(w, w + n));
}

void Network::set_edges(std::vector<std::int32_t>&& s, std::vector<std::int32_t>&& d,
                        std::vector<float>&& w) {
  if (d.size() != s.size() || w.size() != s.size())
    throw ValueError("set_edges: sources, targets and weights differ in length");
  const std::size_t n = s.size();
  for (std::size_t k = 0; k < n; ++k) check_edge(*this, s[k], d[k], w[k]);
  bool all_exist = true;
  for (std::size_t k = 0; k < n && all_exist; ++k) all_exist = find_edge(s[k], d[k]) >= 0;
  if (all_exist) {  // weights only: in place, in order (a later duplicate wins)
    for (std::size_t k = 0; k < n; ++k) weight_[static_cast<std::size_t>(find_edge(s[k], d[k]))] = w[k];
    if (n > 0) ++weights_version_;
    return;
  }
  if (num_edges() > 0) {  // the existing edges first, so that the given ones win
    std::vector<std::int32_t> S = edge_sources();
    S.insert(S.end(), s.begin(), s.end());
    std::vector<std::int32_t>().swap(s);
    s.swap(S);
    d.insert(d.begin(), col_.begin(), col_.end());
    w.insert(w.begin(), weight_.begin(), weight_.end());
  }
  build_csr(s, d, w);
}

void Network::assign_edges(const std::int32_t* s, const std::int32_t* d, const float* w,
                           std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) check_edge(*this, s[k], d[k], w[k]);
  std::vector<std::int32_t> S(s, s + n), D(d, d + n);
  std::vector<float> W(w, w + n);
  build_csr(S, D, W);
}

bool Network::remove_edge(std::int32_t s, std::int32_t d) {
  std::int64_t e = find_edge(s, d);
  if (e < 0) return false;
  check_unpinned("remove an edge");
  structure_changed();
  col_.erase(col_.begin() + e);
  weight_.erase(weight_.begin() + e);
  for (std::size_t k = static_cast<std::size_t>(s) + 1; k < row_ptr_.size(); ++k) --row_ptr_[k];
  return true;
}

std::int64_t Network::filter_edges(const std::uint8_t* keep) {
  if (std::find(keep, keep + num_edges(), std::uint8_t{0}) == keep + num_edges()) return 0;
  check_unpinned("remove edges");
  structure_changed();
  std::int64_t out = 0, removed = 0;
  std::vector<std::int64_t> rp(row_ptr_.size(), 0);
  for (std::int32_t i = 0; i < size(); ++i) {
    for (std::int64_t e = row_ptr_[static_cast<std::size_t>(i)];
         e < row_ptr_[static_cast<std::size_t>(i) + 1]; ++e) {
      if (keep[e]) {
        col_[static_cast<std::size_t>(out)] = col_[static_cast<std::size_t>(e)];
        weight_[static_cast<std::size_t>(out)] = weight_[static_cast<std::size_t>(e)];
        ++out;
      } else {
        ++removed;
      }
    }
    rp[static_cast<std::size_t>(i) + 1] = out;
  }
  col_.resize(static_cast<std::size_t>(out));
  weight_.resize(static_cast<std::size_t>(out));
  row_ptr_.swap(rp);
  return removed;
}

void Network::clear_edges() {
  if (num_edges() > 0) check_unpinned("remove edges");
  structure_changed();
  col_.clear();
  weight_.clear();
  std::fill(row_ptr_.begin(), row_ptr_.end(), 0);
}

void Network::inject(std::int32_t i, float x) {
  if (i < 0 || i >= size()) throw ValueError("neuron index out of range");
  if (!std::isfinite(x)) throw ValueError("injected value must be finite");
  state_.input[static_cast<std::size_t>(i)] += x;
}


namespace {

/// Step 3 of DESIGN §2: every fired source adds its weights into its targets'
/// accumulators, rows in ascending source order (the order of the additions into each
/// I[i] is part of the result). A row whose targets are consecutive (last - first = length
/// - 1: one test) is added with vector operations; consecutive fired rows over the same
/// targets are added chunk by chunk, the chunk held in registers, in the same order. Other
/// rows are scattered one edge at a time: a fired neuron's row is usually not in cache,
/// and a row's first lines are not covered by the hardware prefetcher, so the row
/// kPrefetchAhead fired neurons ahead is requested now (its first kPrefetchLines lines of
/// targets and of weights; longer rows continue as a stream) and its row_ptr entry twice
/// as far ahead.
GLIA_TARGET_CLONES
void deliver_spikes(float* __restrict I, const std::int64_t* __restrict rp,
                    const std::int32_t* __restrict col, const float* __restrict w,
                    const std::int32_t* __restrict fired, std::int32_t nf) noexcept {
  constexpr std::int32_t kPrefetchAhead = 8;
  constexpr int kPrefetchLines = 8;
  constexpr std::int64_t kMinRun = 16;  // shorter rows are scattered
  auto dense = [rp, col](std::int32_t j, std::int32_t& i0, std::int64_t& len) {
    const std::int64_t b = rp[j], e = rp[j + 1];
    len = e - b;
    if (len < kMinRun || col[e - 1] - col[b] != len - 1) return false;
    i0 = col[b];
    return true;
  };
  for (std::int32_t k = 0; k < nf; ++k) {
    if (k + kPrefetchAhead < nf) {
      const std::int64_t b2 = rp[fired[k + kPrefetchAhead]];
      // as integers: lines past a row's (or the array's) end are harmless to prefetch but
      // not pointers one may form
      const std::uintptr_t pc = reinterpret_cast<std::uintptr_t>(col) + static_cast<std::uintptr_t>(b2) * 4;
      const std::uintptr_t pw = reinterpret_cast<std::uintptr_t>(w) + static_cast<std::uintptr_t>(b2) * 4;
      for (int l = 0; l < kPrefetchLines; ++l) {
        prefetch(pc + 64u * static_cast<unsigned>(l));
        prefetch(pw + 64u * static_cast<unsigned>(l));
      }
      if (k + 2 * kPrefetchAhead < nf)
        prefetch(reinterpret_cast<std::uintptr_t>(rp + fired[k + 2 * kPrefetchAhead]));
    }
    const std::int32_t j = fired[k];
    std::int32_t i0, i1;
    std::int64_t len, len1;
    if (dense(j, i0, len)) {
      std::int32_t q = k + 1;  // the group: following fired rows over the same targets
      while (q < nf && dense(fired[q], i1, len1) && i1 == i0 && len1 == len) ++q;
      detail::add_rows(I + i0, w, rp, fired, k, q, len);
      k = q - 1;
      continue;
    }
    const std::int64_t b = rp[j], e = rp[j + 1];
    for (std::int64_t q = b; q < e; ++q) I[col[q]] += w[q];
  }
}
}  // namespace

void Network::step_state(State& s) const noexcept {
  const std::int32_t n = size();
  float* __restrict I = s.input.data();
  std::uint8_t* __restrict mask = s.fired_mask.data();
  update_neurons(n, s.value.data(), I, mask, params());
  std::int32_t* fired = s.fired.data();
  const std::int32_t nf = collect_fired(mask, n, fired);
  s.n_fired = nf;
  deliver_spikes(I, row_ptr_.data(), col_.data(), weight_.data(), fired, nf);
  ++s.tick;
}

std::size_t Network::model_bytes() const noexcept {
  return threshold_.capacity() * sizeof(float) * 5 + kinds_.capacity() + flags_.capacity() +
         row_ptr_.capacity() * sizeof(std::int64_t) + col_.capacity() * sizeof(std::int32_t) +
         weight_.capacity() * sizeof(float);
}

void Network::validate() const {
  const std::size_t n = ids_.size();
  if (threshold_.size() != n || leak_.size() != n || resting_.size() != n || kinds_.size() != n ||
      flags_.size() != n || alpha_.size() != n || bias_.size() != n ||
      row_ptr_.size() != n + 1 || index_.size() != n)
    throw Error("network invariant broken: array sizes");
  if (row_ptr_[0] != 0 || row_ptr_[n] != static_cast<std::int64_t>(col_.size()) ||
      col_.size() != weight_.size())
    throw Error("network invariant broken: CSR bounds");
  for (std::size_t i = 0; i < n; ++i) {
    if (row_ptr_[i] > row_ptr_[i + 1]) throw Error("network invariant broken: row order");
    for (std::int64_t e = row_ptr_[i]; e < row_ptr_[i + 1]; ++e) {
      const std::int32_t c = col_[static_cast<std::size_t>(e)];
      if (c < 0 || static_cast<std::size_t>(c) >= n) throw Error("network invariant broken: target");
      if (e > row_ptr_[i] && col_[static_cast<std::size_t>(e) - 1] >= c)
        throw Error("network invariant broken: targets not ascending");
      if (!std::isfinite(weight_[static_cast<std::size_t>(e)]))
        throw Error("network invariant broken: non-finite weight");
    }
    if (!std::isfinite(threshold_[i]) || !std::isfinite(resting_[i]) || !(leak_[i] >= 0.0f && leak_[i] <= 1.0f))
      throw Error("network invariant broken: parameters");
    if ((flags_[i] >> kResetShift) >= kNumResetModes || !(alpha_[i] >= 0.0f && alpha_[i] <= 1.0f) ||
        !std::isfinite(bias_[i]))
      throw Error("network invariant broken: neuron features");
  }
  std::int32_t ext = 0;
  for (std::size_t i = 0; i < n; ++i) ext += !features(static_cast<std::int32_t>(i)).is_default();
  if (ext != n_extended_) throw Error("network invariant broken: feature count");
}

void Network::check_unpinned(const char* what) const {
  const std::int64_t n = pins();
  if (n > 0)
    throw BufferError(std::string("cannot ") + what + ": " + std::to_string(n) +
                      " array view" + (n == 1 ? " is" : "s are") + " open on this network "
                      "(its arrays cannot move or change length under them); delete the "
                      "views first, or take copies (copy=True)");
}

void Network::swap(Network& o) {
  check_unpinned("replace the network");
  o.check_unpinned("replace the network");
  ids_.swap(o.ids_);
  index_.swap(o.index_);
  kinds_.swap(o.kinds_);
  threshold_.swap(o.threshold_);
  leak_.swap(o.leak_);
  resting_.swap(o.resting_);
  flags_.swap(o.flags_);
  alpha_.swap(o.alpha_);
  bias_.swap(o.bias_);
  std::swap(n_extended_, o.n_extended_);
  std::swap(n_sensory_, o.n_sensory_);
  row_ptr_.swap(o.row_ptr_);
  col_.swap(o.col_);
  weight_.swap(o.weight_);
  std::swap(state_, o.state_);
  std::swap(weights_version_, o.weights_version_);
  plan_.swap(o.plan_);
}

}  // namespace glia
