#include <catch2/catch.hpp>

#include "glia/network.hpp"

TEST_CASE("a spike crosses one edge per step", "[network]") {
  glia::Network net;
  net.add_neuron("S0", 0.5f, 1.0f, 0.0f);
  net.add_neuron("H0", 0.5f, 1.0f, 0.0f);
  net.set_edge(0, 1, 1.0f);
  net.reset();
  net.inject(0, 1.0f);
  net.step(1);
  REQUIRE(net.state().fired_mask[0] == 1);
  REQUIRE(net.state().fired_mask[1] == 0);
  net.step(1);
  REQUIRE(net.state().fired_mask[1] == 1);
}
