// The one table of the training configuration's fields: name, kind, range, choices and
// meaning of every field of TrainConfig that a user sets. validate_config() checks a
// config against it; the Python layer reads it (through glia._core) for its defaults,
// types, choices and documentation, and asks it to check every value it is given.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "glia/train_config.hpp"

namespace glia {

/// How a field is stored in TrainConfig and shown to Python.
enum class FieldKind : std::int32_t {
  kInt = 0,     ///< std::int32_t
  kFloat = 1,   ///< float
  kBool = 2,    ///< bool
  kChoice = 3,  ///< a std::int32_t-based enum, named by `choices`
  kSeed = 4,    ///< std::uint64_t (any value)
};

/// One field: `name` is its path in TrainConfig ("grad.temperature"). A number must lie in
/// [lo, hi] (or the open side with lo_open / hi_open; +-inf: unbounded, floats must be
/// finite, or NaN when may_be_unset); a bool with hi == 0 must be false; a choice is an index into `choices`
/// ('|'-separated names in enum order).
struct FieldSpec {
  const char* name;
  FieldKind kind;
  std::size_t offset;
  double lo;
  double hi;
  bool lo_open;
  bool hi_open;
  const char* choices;
  const char* doc;
  bool may_be_unset = false;  ///< a kFloat that may be NaN: "unset" (None in Python)
};

/// Every user-set field of TrainConfig, in the order Python shows them.
const std::vector<FieldSpec>& train_config_fields();

/// The spec named `name`, or nullptr.
const FieldSpec* find_field(const std::string& name);

/// The field's value as a double (kSeed: exact only below 2^53; use TrainConfig::seed).
double get_field(const TrainConfig& c, const FieldSpec& f) noexcept;

/// Stores `v` (already checked) into the field; a choice takes its index.
void set_field(TrainConfig& c, const FieldSpec& f, double v) noexcept;

/// What a value must be ("in (0, 1]", "an integer >= 1", "one of 'sgd', 'adam', 'adamw'").
std::string field_rule(const FieldSpec& f);

/// Whether `v` obeys the field's rule (integers must be whole numbers).
bool field_accepts(const FieldSpec& f, double v) noexcept;

/// The first rule between fields that `c` breaks, as a message naming both fields, or "".
std::string config_relation_error(const TrainConfig& c);

/// Throws ValueError("config.<field> must be <rule>, got <value>") for the first field out
/// of its range, or for a broken relation between fields. Called by the trainers before any
/// work, and by the Python layer when a config is built or changed.
void validate_config(const TrainConfig& c);

}  // namespace glia
