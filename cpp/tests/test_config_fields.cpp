#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"

using namespace glia;

TEST_CASE("every field of the table is unique and its default obeys its rule", "[config]") {
  const TrainConfig dflt;
  std::set<std::string> names;
  for (const FieldSpec& f : train_config_fields()) {
    INFO(f.name);
    REQUIRE(names.insert(f.name).second);
    REQUIRE(find_field(f.name) == &f);
    if (f.kind != FieldKind::kSeed) REQUIRE(field_accepts(f, get_field(dflt, f)));
    REQUIRE(std::string(f.doc).size() > 5);
  }
  REQUIRE(find_field("no_such_field") == nullptr);
  REQUIRE_NOTHROW(validate_config(dflt));
}

TEST_CASE("set_field and get_field reach the struct's members", "[config]") {
  TrainConfig c;
  set_field(c, *find_field("grad.temperature"), 0.25);
  set_field(c, *find_field("batch_size"), 7);
  set_field(c, *find_field("grad.optimizer"), 2);
  set_field(c, *find_field("topology.allow_feedback_to_outputs"), 1);
  REQUIRE(c.grad.temperature == 0.25f);
  REQUIRE(c.batch_size == 7);
  REQUIRE(c.grad.optimizer == Optimizer::kAdamW);
  REQUIRE(c.topology.allow_feedback_to_outputs);
  REQUIRE(get_field(c, *find_field("grad.optimizer")) == 2.0);
  REQUIRE(get_field(c, *find_field("detector.alpha")) == static_cast<double>(0.05f));
}

TEST_CASE("rules read as they are checked", "[config]") {
  REQUIRE(field_rule(*find_field("rate_alpha")) == "in (0, 1]");
  REQUIRE(field_rule(*find_field("grad.momentum")) == "in [0, 1)");
  REQUIRE(field_rule(*find_field("grad.temperature")) == "> 0");
  REQUIRE(field_rule(*find_field("lr")) == ">= 0 or None");
  REQUIRE(field_rule(*find_field("batch_size")) == "an integer >= 1");
  REQUIRE(field_rule(*find_field("reward_pos")) == "finite");
  REQUIRE(field_rule(*find_field("grad.optimizer")) == "one of 'sgd', 'adam', 'adamw'");
  REQUIRE(field_rule(*find_field("topology.allow_self_loops")) == "False");
  const FieldSpec& a = *find_field("rate_alpha");
  REQUIRE_FALSE(field_accepts(a, 0.0));
  REQUIRE(field_accepts(a, 1.0));
  REQUIRE_FALSE(field_accepts(*find_field("batch_size"), 2.5));
  REQUIRE_FALSE(field_accepts(*find_field("batch_size"), 4294967296.0));
  REQUIRE_FALSE(field_accepts(*find_field("grad.optimizer"), 3));
  REQUIRE_FALSE(field_accepts(*find_field("lr"), std::numeric_limits<double>::infinity()));
  // lr may be unset (NaN): the optimizer's default applies; no other float may be NaN
  REQUIRE(field_accepts(*find_field("lr"), std::numeric_limits<double>::quiet_NaN()));
  REQUIRE_FALSE(field_accepts(*find_field("weight_decay"), std::numeric_limits<double>::quiet_NaN()));
  TrainConfig c;
  REQUIRE(std::isnan(c.lr));
  REQUIRE(effective_lr(c) == 0.05f);
  c.grad.optimizer = Optimizer::kAdam;
  REQUIRE(effective_lr(c) == 0.003f);
  c.lr = 0.2f;
  REQUIRE(effective_lr(c) == 0.2f);
}

TEST_CASE("validate_config names the first bad field, then the relations", "[config]") {
  TrainConfig c;
  c.rate_alpha = 0.0f;
  REQUIRE_THROWS_WITH(validate_config(c), "config.rate_alpha must be in (0, 1], got 0");
  c = TrainConfig();
  c.reward_min = 2.0f;
  REQUIRE_THROWS_WITH(validate_config(c), "config.reward_min (2) must be <= reward_max (1)");
  c = TrainConfig();
  c.grad.temperature = 0.5f;
  c.topology.allow_self_loops = true;
  REQUIRE_THROWS_AS(validate_config(c), ValueError);
}
