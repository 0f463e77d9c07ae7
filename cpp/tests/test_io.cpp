// .net / .seq parsing and writing (DESIGN §3): error messages with line numbers, tolerated
// layout, the NEWNET generator's rule and defaults, bit-exact round trips, atomic saves.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <limits>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/network.hpp"
#include "glia/sequence.hpp"
#include "helpers.hpp"

using glia::Network;
using test_helpers::files_in;
using Catch::Matchers::Contains;

namespace {

Network parse(const std::string& text, const std::string& name = "t.net") {
  Network net;
  glia::parse_network(net, text, name);
  return net;
}

/// The FormatError message `text` produces (fails the test if it parses).
std::string net_error(const std::string& text) {
  try {
    parse(text);
  } catch (const glia::FormatError& e) {
    return e.what();
  }
  FAIL("no FormatError for:\n" << text);
  return {};
}

std::string seq_error(const std::string& text) {
  try {
    glia::parse_sequence(text, "t.seq");
  } catch (const glia::FormatError& e) {
    return e.what();
  }
  FAIL("no FormatError for:\n" << text);
  return {};
}

std::uint32_t bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (bits(a[i]) != bits(b[i])) return false;
  return true;
}

/// Same ids, parameters and edges, bit for bit.
void require_identical(const Network& a, const Network& b) {
  REQUIRE(a.ids() == b.ids());
  REQUIRE(a.num_sensory() == b.num_sensory());
  REQUIRE(same_bits(a.threshold(), b.threshold()));
  REQUIRE(same_bits(a.leak(), b.leak()));
  REQUIRE(same_bits(a.resting(), b.resting()));
  REQUIRE(a.row_ptr() == b.row_ptr());
  REQUIRE(a.col() == b.col());
  REQUIRE(same_bits(a.weight(), b.weight()));
}

/// A fresh empty directory under /tmp.
std::string temp_dir() {
  char tmpl[] = "/tmp/glia_test_io_XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}

void remove_dir(const std::string& dir) {
  for (const auto& f : files_in(dir)) ::unlink((dir + "/" + f).c_str());
  ::rmdir(dir.c_str());
}

/// Edges counted by (source kind, target kind): S->H, S->O, H->H, H->O, anything else.
struct ClassCounts {
  std::int64_t sh = 0, so = 0, hh = 0, ho = 0, other = 0, self = 0;
};
ClassCounts count_classes(const Network& net) {
  ClassCounts c;
  const auto src = net.edge_sources();
  for (std::size_t e = 0; e < src.size(); ++e) {
    const char a = net.id(src[e])[0], b = net.id(net.col()[e])[0];
    if (src[e] == net.col()[e]) ++c.self;
    if (a == 'S' && b == 'H') ++c.sh;
    else if (a == 'S' && b == 'O') ++c.so;
    else if (a == 'H' && b == 'H') ++c.hh;
    else if (a == 'H' && b == 'O') ++c.ho;
    else ++c.other;
  }
  return c;
}

/// |observed - n p| <= 5 sigma for a binomial(n, p).
void check_binomial(std::int64_t observed, double n, double p) {
  const double mean = n * p, sigma = std::sqrt(n * p * (1.0 - p));
  INFO("observed " << observed << ", expected " << mean << " +- 5 * " << sigma);
  CHECK(std::fabs(static_cast<double>(observed) - mean) <= 5.0 * sigma);
}

}  // namespace

// ------------------------------------------------------------------------ errors

TEST_CASE(".net errors name the file and the line", "[io][errors]") {
  const std::string head = "# a network\nNEURON S0 1 1 0\n\nNEURON H0 1 0.5 0\n";  // lines 1-4
  CHECK_THAT(net_error(head + "NEURON H1 1 0.5\n"), Contains("t.net:5:") && Contains("NEURON <id>"));
  CHECK_THAT(net_error(head + "NEURON H1 1 0.5 0 7\n"), Contains("t.net:5:"));
  CHECK_THAT(net_error(head + "NEURON H1 abc 0.5 0\n"), Contains("t.net:5:") && Contains("threshold"));
  CHECK_THAT(net_error(head + "NEURON H1 1 0.5 0x\n"), Contains("t.net:5:"));
  CHECK_THAT(net_error(head + "CONNECTION S0 H9 1\n"), Contains("t.net:5:") && Contains("H9"));
  CHECK_THAT(net_error(head + "CONNECTION X S0 1\n"), Contains("t.net:5:") && Contains("'X'"));
  CHECK_THAT(net_error(head + "CONNECTION S0 H0\n"), Contains("t.net:5:"));
  CHECK_THAT(net_error(head + "CONNECTION S0 H0 1\nCONNECTION H0 H1 1\nNEURON H1 1 1 0\n"),
             Contains("t.net:6:"));  // neurons must exist before their connections
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e39", "-1e300"}) {
    CHECK_THAT(net_error(head + "NEURON H1 " + bad + " 0.5 0\n"), Contains("t.net:5:"));
    CHECK_THAT(net_error(head + "NEURON H1 1 0.5 " + bad + "\n"), Contains("t.net:5:"));
    CHECK_THAT(net_error(head + "CONNECTION S0 H0 " + bad + "\n"), Contains("t.net:5:"));
  }
  for (const char* bad : {"-0.01", "1.0001", "2", "-1"})
    CHECK_THAT(net_error(head + "NEURON H1 1 " + bad + " 0\n"), Contains("t.net:5:") && Contains("leak"));
  CHECK_THAT(net_error(head + "NEURONS H1 1 1 0\n"), Contains("t.net:5:") && Contains("NEURONS"));
  CHECK_THAT(net_error(head + "neuron H1 1 1 0\n"), Contains("t.net:5:"));
  CHECK_THAT(net_error(head + "42\n"), Contains("t.net:5:"));
  // generator keywords
  CHECK_THAT(net_error("NEWNET S=2 H=x O=1\n"), Contains("t.net:1:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1 FOO=1\n"), Contains("t.net:1:") && Contains("FOO"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nDENSITY S->X 0.5\n"), Contains("t.net:2:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nDENSITY S->H 1.5\n"), Contains("t.net:2:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nINIT lecun\n"), Contains("t.net:2:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\n\nEXCIT_RATIO 1.2\n"), Contains("t.net:3:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nW_SCALE -1\n"), Contains("t.net:2:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nLEAK H 1.5\n"), Contains("t.net:2:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nTHRESHOLDS Q 1\n"), Contains("t.net:2:"));
  CHECK_THAT(net_error("NEWNET S=2 H=3 O=1\nSEED -4\n"), Contains("t.net:2:"));
  // the file name comes from load_network's path
  try {
    Network net;
    const std::string dir = temp_dir(), path = dir + "/bad.net";
    std::ofstream(path) << "NEURON S0 1 1 0\nCONNECTION S0 S1 1\n";
    CHECK_THROWS_WITH(glia::load_network(net, path), Contains(path + ":2:"));
    remove_dir(dir);
  } catch (...) {
    FAIL("unexpected exception");
  }
}

TEST_CASE("a failed load leaves the network unchanged", "[io][errors]") {
  Network net = parse("NEURON S0 1 1 0\nNEURON H0 2 0.5 0\nCONNECTION S0 H0 3\n");
  Network before = net;
  CHECK_THROWS_AS(glia::parse_network(net, "NEURON S9 1 1 0\nCONNECTION S9 Q 1\n", "x.net"),
                  glia::FormatError);
  require_identical(net, before);
  CHECK_THROWS_AS(glia::load_network(net, "/nonexistent/dir/file.net"), glia::FileNotFound);
  require_identical(net, before);
}

TEST_CASE("every engine error is classified by its kind, not by its message", "[io]") {
  auto kind_of = [](auto&& fn) {
    std::string msg;
    try {
      fn();
    } catch (...) {
      return glia::classify_current_exception(msg);
    }
    return glia::ErrorKind::kGeneric;
  };
  glia::Network net;
  CHECK(kind_of([&] { glia::load_network(net, "/nonexistent/dir/file.net"); }) ==
        glia::ErrorKind::kFileNotFound);
  CHECK(kind_of([&] { glia::load_network(net, "/"); }) == glia::ErrorKind::kFile);
  CHECK(kind_of([&] { glia::parse_network(net, "NEURON S0 x 1 0\n", "x.net"); }) ==
        glia::ErrorKind::kFormat);
  CHECK(kind_of([] { throw glia::FileError("No such file: but not a missing one"); }) ==
        glia::ErrorKind::kFile);
  CHECK(kind_of([] { throw glia::BusyError("busy"); }) == glia::ErrorKind::kBusy);
  CHECK(kind_of([] { throw std::bad_alloc(); }) == glia::ErrorKind::kMemory);
}

TEST_CASE(".seq errors name the file and the line", "[io][errors][seq]") {
  const std::string head = "DURATION 10\nLOOP false\n0 S0 1\n";  // lines 1-3
  CHECK_THAT(seq_error(head + "x S0 1\n"), Contains("t.seq:4:") && Contains("tick"));
  CHECK_THAT(seq_error(head + "1.5 S0 1\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "-1 S0 1\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "2147483648 S0 1\n"), Contains("t.seq:4:") && Contains("2147483647"));
  CHECK_THAT(seq_error(head + "99999999999999999999999 S0 1\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "EVENT 4294967296 S0 1\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "3 S0 nan\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "3 S0 inf\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "3 S0\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "EVENT 3 S0\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "LOOP maybe\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "DURATION -3\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "DURATION 2147483648\n"), Contains("t.seq:4:"));
  CHECK_THAT(seq_error(head + "BOGUS 1 2\n"), Contains("t.seq:4:"));
  // the largest tick is accepted
  auto seq = glia::parse_sequence("2147483647 S0 1\n", "t.seq");
  CHECK(seq.last_tick() == 2147483647);
}

TEST_CASE(".seq: both event forms, LOOP spellings, the last value of a repeated event wins",
          "[io][seq]") {
  auto seq = glia::parse_sequence(
      "DURATION 20\nLOOP true\n5 S1 2.5\nEVENT 0 S0 1\n5 S1 7 # again\n3 S0 -1\n", "t.seq");
  CHECK(seq.duration == 20);
  CHECK(seq.loop);
  CHECK(seq.num_events() == 3);
  const auto& ev = seq.events();
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].tick == 0);
  CHECK(ev[1].tick == 3);
  CHECK(ev[2].tick == 5);
  CHECK(seq.names()[static_cast<std::size_t>(ev[2].name)] == "S1");
  CHECK(ev[2].value == 7.0f);
  for (const char* f : {"false", "0", "FALSE", "False"})
    CHECK_FALSE(glia::parse_sequence(std::string("LOOP ") + f + "\n", "t.seq").loop);
  for (const char* t : {"true", "1", "TRUE", "True"})
    CHECK(glia::parse_sequence(std::string("LOOP ") + t + "\n", "t.seq").loop);
}

// ------------------------------------------------------------------------ layout

TEST_CASE("comments anywhere, CRLF, tabs and a UTF-8 BOM are accepted", "[io][layout]") {
  const Network plain = parse(
      "NEURON S0 100 1 0\nNEURON H0 45 0.9 0\nNEURON O0 55 1 2\n"
      "CONNECTION S0 H0 1.5\nCONNECTION H0 O0 -2\n");
  const Network messy = parse(
      "\xEF\xBB\xBF# header comment\r\n"
      "\r\n"
      "   # indented comment\r\n"
      "NEURON\tS0\t100 1 0# trailing, no space\r\n"
      "\t NEURON H0   45\t0.9 0   # trailing comment\r\n"
      "NEURON O0 55 1 2\r\n"
      "CONNECTION S0 H0 1.5 #\r\n"
      "#CONNECTION S0 O0 99\r\n"
      "  \t \r\n"
      "CONNECTION H0 O0 -2");  // no final newline
  require_identical(plain, messy);
  const Network blank = parse("\xEF\xBB\xBF\r\n# nothing\r\n");
  CHECK(blank.size() == 0);

  auto seq = glia::parse_sequence("\xEF\xBB\xBF" "DURATION 5\r\n# c\r\n\t2\tS0\t3 # c\r\nEVENT 1 S1 4\r\n",
                                  "t.seq");
  CHECK(seq.duration == 5);
  CHECK(seq.num_events() == 2);
  CHECK(seq.last_tick() == 2);
}

TEST_CASE("repeated NEURON lines update, repeated CONNECTION lines keep the last weight",
          "[io][layout]") {
  Network net = parse(
      "NEURON H0 1 1 0\nNEURON S0 2 1 0\nCONNECTION S0 H0 1\nNEURON S1 3 1 0\n"
      "CONNECTION S1 H0 4\nCONNECTION S0 H0 5\nNEURON H0 9 0.5 1\n");
  REQUIRE_NOTHROW(net.validate());
  CHECK(net.ids() == std::vector<std::string>{"S0", "S1", "H0"});
  CHECK(net.threshold()[2] == 9.0f);
  CHECK(net.leak()[2] == 0.5f);
  CHECK(net.num_edges() == 2);
  CHECK(net.weight()[static_cast<std::size_t>(net.find_edge(0, 2))] == 5.0f);
  CHECK(net.weight()[static_cast<std::size_t>(net.find_edge(1, 2))] == 4.0f);
  CHECK(net.state().value[2] == 1.0f);  // loaded networks start reset
}

// ------------------------------------------------------------------------ NEWNET

TEST_CASE("NEWNET is reproducible for a SEED and differs between seeds", "[io][newnet]") {
  const std::string base = "NEWNET S=10 H=50 O=4\nDENSITY H->H 0.2\n";
  const Network a = parse(base + "SEED 7\n"), b = parse(base + "SEED 7\n");
  require_identical(a, b);
  const Network d0 = parse(base), d1 = parse(base + "SEED 0\n");
  require_identical(d0, d1);  // SEED defaults to 0
  const Network c = parse(base + "SEED 8\n");
  CHECK(a.ids() == c.ids());
  CHECK((a.col() != c.col() || !same_bits(a.weight(), c.weight())));
  CHECK(a.col() != c.col());
  // the block's lines may come in any order
  require_identical(a, parse("SEED 7\nDENSITY H->H 0.2\nNEWNET S=10 H=50 O=4\n"));
}

TEST_CASE("NEWNET neurons, defaults and edge densities", "[io][newnet]") {
  const Network net = parse("NEWNET S=20 H=200 O=10\nSEED 123\n");
  REQUIRE(net.size() == 230);
  REQUIRE_NOTHROW(net.validate());
  CHECK(net.num_sensory() == 20);
  CHECK(net.id(0) == "S0");
  CHECK(net.id(20) == "H0");
  CHECK(net.id(219) == "H199");
  CHECK(net.id(220) == "O0");
  CHECK(net.id(229) == "O9");
  for (std::int32_t i = 0; i < net.size(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    const char c = net.id(i)[0];
    CHECK(net.resting()[k] == 0.0f);
    CHECK(net.threshold()[k] == (c == 'S' ? 100.0f : c == 'H' ? 45.0f : 55.0f));
    CHECK(net.leak()[k] == (c == 'H' ? 0.9f : 1.0f));
  }
  const ClassCounts c = count_classes(net);
  CHECK(c.other == 0);  // nothing into sensory neurons, nothing out of outputs
  CHECK(c.self == 0);
  check_binomial(c.sh, 20.0 * 200, 0.6);
  check_binomial(c.so, 20.0 * 10, 0.2);
  check_binomial(c.hh, 200.0 * 199, 0.1);
  check_binomial(c.ho, 200.0 * 10, 0.6);

  SECTION("DENSITY, THRESHOLDS and LEAK override the defaults") {
    const Network m = parse(
        "NEWNET S=20 H=200 O=10\nDENSITY S->H 0.05\nDENSITY S->O 1\nDENSITY H->H 0.3\n"
        "DENSITY H->O 0\nTHRESHOLDS S 1 H 2 O 3\nLEAK S 0.5 H 0.25 O 0\nSEED 5\n");
    const ClassCounts k = count_classes(m);
    check_binomial(k.sh, 20.0 * 200, 0.05);
    CHECK(k.so == 200);
    check_binomial(k.hh, 200.0 * 199, 0.3);
    CHECK(k.ho == 0);
    CHECK(k.self == 0);
    CHECK(m.threshold()[0] == 1.0f);
    CHECK(m.threshold()[20] == 2.0f);
    CHECK(m.threshold()[220] == 3.0f);
    CHECK(m.leak()[0] == 0.5f);
    CHECK(m.leak()[20] == 0.25f);
    CHECK(m.leak()[220] == 0.0f);
  }
  SECTION("H->H density 1 makes every pair but no self edge") {
    const Network m = parse("NEWNET S=0 H=30 O=0\nDENSITY H->H 1\n");
    CHECK(m.num_edges() == 30 * 29);
    CHECK(count_classes(m).self == 0);
  }
}

TEST_CASE("NEWNET weights: uniform in +-sqrt(6/fan_in)*W_SCALE, excitatory with EXCIT_RATIO",
          "[io][newnet]") {
  auto check_rule = [](const Network& net, double w_scale, double excit) {
    std::vector<std::int64_t> fan_in(static_cast<std::size_t>(net.size()), 0);
    for (auto d : net.col()) ++fan_in[static_cast<std::size_t>(d)];
    double sum_ratio = 0.0;
    std::int64_t positive = 0;
    const auto m = static_cast<std::size_t>(net.num_edges());
    for (std::size_t e = 0; e < m; ++e) {
      const double limit =
          std::sqrt(6.0 / static_cast<double>(fan_in[static_cast<std::size_t>(net.col()[e])])) * w_scale;
      const double w = net.weight()[e];
      REQUIRE(std::fabs(w) <= limit * (1.0 + 1e-6));
      sum_ratio += std::fabs(w) / limit;
      positive += w > 0.0;
    }
    // |w| / limit ~ U(0, 1): mean 1/2, sd of the mean sqrt(1/12 / m)
    const double mean = sum_ratio / static_cast<double>(m);
    CHECK(std::fabs(mean - 0.5) <= 5.0 * std::sqrt(1.0 / 12.0 / static_cast<double>(m)));
    check_binomial(positive, static_cast<double>(m), excit);
  };
  SECTION("defaults: W_SCALE 1, EXCIT_RATIO 0.7") {
    check_rule(parse("NEWNET S=20 H=200 O=10\nSEED 1\n"), 1.0, 0.7);
  }
  SECTION("W_SCALE and EXCIT_RATIO") {
    check_rule(parse("NEWNET S=20 H=200 O=10\nW_SCALE 2.5\nEXCIT_RATIO 0.4\nSEED 2\n"), 2.5, 0.4);
    const Network all_inh = parse("NEWNET S=5 H=20 O=3\nEXCIT_RATIO 0\n");
    for (float w : all_inh.weight()) CHECK(w <= 0.0f);
  }
  SECTION("INIT xavier builds the same limits as he (GliaGL's behaviour)") {
    require_identical(parse("NEWNET S=8 H=40 O=3\nINIT xavier\nSEED 3\n"),
                      parse("NEWNET S=8 H=40 O=3\nINIT he\nSEED 3\n"));
  }
}

TEST_CASE("NEWNET POOL=1 (or WTA=1) adds N0 with fixed edges", "[io][newnet]") {
  const std::string text = "NEWNET S=4 H=12 O=3 POOL=1\nSEED 4\n";
  const Network net = parse(text);
  REQUIRE_NOTHROW(net.validate());
  REQUIRE(net.size() == 4 + 12 + 3 + 1);
  const std::int32_t p = net.index("N0");
  CHECK(net.threshold()[static_cast<std::size_t>(p)] == 40.0f);
  CHECK(net.leak()[static_cast<std::size_t>(p)] == 0.8f);
  CHECK(net.resting()[static_cast<std::size_t>(p)] == 0.0f);
  CHECK(net.kind(p) == glia::NeuronKind::kHidden);
  for (int o = 0; o < 3; ++o) {
    const std::int32_t oi = net.index("O" + std::to_string(o));
    const auto to_pool = net.find_edge(oi, p), from_pool = net.find_edge(p, oi);
    REQUIRE(to_pool >= 0);
    REQUIRE(from_pool >= 0);
    CHECK(net.weight()[static_cast<std::size_t>(to_pool)] == 20.0f);
    CHECK(net.weight()[static_cast<std::size_t>(from_pool)] == -25.0f);
  }
  // the pool's edges are the only ones touching it, and no O->O edges exist
  const auto src = net.edge_sources();
  std::int64_t pool_edges = 0;
  for (std::size_t e = 0; e < src.size(); ++e) {
    if (src[e] == p || net.col()[e] == p) ++pool_edges;
    CHECK_FALSE((net.kind(src[e]) == glia::NeuronKind::kOutput &&
                 net.kind(net.col()[e]) == glia::NeuronKind::kOutput));
  }
  CHECK(pool_edges == 6);
  // the generated part is the same as without the pool: pool edges do not count as fan-in
  const Network plain = parse("NEWNET S=4 H=12 O=3\nSEED 4\n");
  for (std::int32_t s = 0; s < plain.size(); ++s)
    for (std::int32_t d = 0; d < plain.size(); ++d) {
      const auto e1 = plain.find_edge(s, d), e2 = net.find_edge(s, d);
      REQUIRE((e1 >= 0) == (e2 >= 0));
      if (e1 >= 0) REQUIRE(bits(plain.weight()[static_cast<std::size_t>(e1)]) ==
                           bits(net.weight()[static_cast<std::size_t>(e2)]));
    }
  require_identical(net, parse("NEWNET S=4 H=12 O=3 WTA=1\nSEED 4\n"));
}

TEST_CASE("NEURON/CONNECTION lines after a NEWNET block override and add", "[io][newnet]") {
  const std::string gen = "NEWNET S=3 H=10 O=2\nSEED 9\n";
  const Network base = parse(gen);
  const Network net = parse(gen +
                            "NEURON H3 12 0.5 1\n"          // override a generated neuron
                            "NEURON X0 30 1 0\n"            // a new hidden neuron
                            "NEURON S3 100 1 0\n"           // a new sensory neuron (indices shift)
                            "CONNECTION X0 O1 7\n"
                            "CONNECTION S3 X0 8\n"
                            "CONNECTION S0 H0 -0.5\n");     // override (or add) a generated edge
  REQUIRE_NOTHROW(net.validate());
  CHECK(net.size() == base.size() + 2);
  CHECK(net.num_sensory() == 4);
  CHECK(net.id(3) == "S3");
  const auto h3 = static_cast<std::size_t>(net.index("H3"));
  CHECK(net.threshold()[h3] == 12.0f);
  CHECK(net.leak()[h3] == 0.5f);
  CHECK(net.resting()[h3] == 1.0f);
  auto weight = [](const Network& n, const char* a, const char* b) {
    const auto e = n.find_edge(n.index(a), n.index(b));
    REQUIRE(e >= 0);
    return n.weight()[static_cast<std::size_t>(e)];
  };
  CHECK(weight(net, "X0", "O1") == 7.0f);
  CHECK(weight(net, "S3", "X0") == 8.0f);
  CHECK(weight(net, "S0", "H0") == -0.5f);
  // every other generated edge is unchanged, on the same neurons
  const auto src = base.edge_sources();
  for (std::size_t e = 0; e < src.size(); ++e) {
    const std::string& a = base.id(src[e]);
    const std::string& b = base.id(base.col()[e]);
    if (a == "S0" && b == "H0") continue;
    REQUIRE(bits(weight(net, a.c_str(), b.c_str())) == bits(base.weight()[e]));
  }
  const bool had = base.find_edge(base.index("S0"), base.index("H0")) >= 0;
  CHECK(net.num_edges() == base.num_edges() + 2 + (had ? 0 : 1));
}

TEST_CASE("a huge NEWNET is refused up front", "[io][newnet]") {
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(parse("# big\nNEWNET S=1000000000 H=10 O=2\n"), Contains("t.net:2:"));
  CHECK_THROWS_AS(parse("NEWNET S=1000000000 H=10 O=2\n"), glia::FormatError);
  CHECK_THROWS_AS(parse("NEWNET S=99999999999999 H=1 O=1\n"), glia::FormatError);
  CHECK_THROWS_AS(parse("NEWNET S=10 H=-1 O=1\n"), glia::FormatError);
  // few neurons but too many edges
  CHECK_THROWS_WITH(parse("NEWNET S=0 H=5000000 O=0\nDENSITY H->H 0.5\n"), Contains("t.net:1:"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 1.0);  // nothing was built
}

// ------------------------------------------------------------------------ round trips

TEST_CASE("save/load round trips every float bit for bit", "[io][save]") {
  const float awkward[] = {0.1f,
                           1e-7f,
                           -3.4e38f,
                           std::numeric_limits<float>::max(),
                           -std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::min(),
                           std::numeric_limits<float>::denorm_min(),
                           -std::numeric_limits<float>::denorm_min(),
                           1.17549421e-38f,  // the largest denormal
                           -0.0f,
                           0.0f,
                           1.0f / 3.0f,
                           16777217.0f,
                           7.038531e-26f,    // misread when the text goes through a double first
                           123456.789f,
                           -2.5e-12f};
  Network net;
  std::vector<std::string> ids;
  const float leaks[] = {0.0f, 1.0f, 0.1f, 0.9f, 1e-7f, 0.3333333f, 0.99999994f,
                         std::numeric_limits<float>::denorm_min()};
  int k = 0;
  for (float a : awkward) {
    const std::string id = (k % 3 == 0 ? "S" : k % 3 == 1 ? "H" : "O") + std::to_string(k);
    net.add_neuron(id, a, leaks[k % 8], awkward[(k + 5) % 16]);
    ++k;
  }
  for (std::int32_t s = 0; s < net.size(); ++s)
    for (std::int32_t d = 0; d < net.size(); d += 3)
      net.set_edge(s, d, awkward[static_cast<std::size_t>((s * 7 + d) % 16)]);
  REQUIRE_NOTHROW(net.validate());

  const std::string text = glia::format_network(net);
  require_identical(net, parse(text));

  // through a file, and a second save gives the same text
  const std::string dir = temp_dir(), path = dir + "/net.net";
  glia::save_network(net, path);
  Network back;
  glia::load_network(back, path);
  require_identical(net, back);
  CHECK(glia::format_network(back) == text);

  // every float in its shortest form
  for (float a : awkward) {
    const std::string s = glia::format_float(a);
    INFO(s);
    CHECK(s.size() <= 15);
  }
  CHECK(glia::format_float(0.1f) == "0.1");
  CHECK(glia::format_float(-0.0f) == "-0");

  // a sequence too
  glia::Sequence seq;
  seq.duration = 40;
  seq.loop = true;
  for (int i = 0; i < 16; ++i) seq.add_event(i * 2, "S" + std::to_string(i % 3), awkward[i]);
  glia::save_sequence(seq, dir + "/s.seq");
  const glia::Sequence sb = glia::load_sequence(dir + "/s.seq");
  CHECK(sb.duration == 40);
  CHECK(sb.loop);
  REQUIRE(sb.num_events() == 16);
  for (std::size_t i = 0; i < 16; ++i) {
    CHECK(sb.events()[i].tick == seq.events()[i].tick);
    CHECK(bits(sb.events()[i].value) == bits(seq.events()[i].value));
  }
  remove_dir(dir);
}

TEST_CASE("numbers below the float range read as zero, above it are errors", "[io][save]") {
  const Network net = parse("NEURON H0 1e-50 0.5 -1e-60\n");
  CHECK(net.threshold()[0] == 0.0f);
  CHECK(bits(net.resting()[0]) == bits(-0.0f));
  CHECK_THROWS_AS(parse("NEURON H0 3.5e38 0.5 0\n"), glia::FormatError);
  CHECK(parse("NEURON H0 3.40282346e38 0.5 0\n").threshold()[0] == std::numeric_limits<float>::max());
  CHECK(parse("NEURON H0 +2 0.5 0\n").threshold()[0] == 2.0f);
}

TEST_CASE("save is atomic: a temporary file renamed over the target", "[io][save]") {
  const Network net = parse("NEWNET S=3 H=20 O=2\nSEED 1\n");
  const std::string dir = temp_dir(), path = dir + "/model.net";
  glia::save_network(net, path);
  CHECK(files_in(dir) == std::vector<std::string>{"model.net"});
  // overwriting keeps a single file with the new content
  const Network other = parse("NEURON S0 1 1 0\n");
  glia::save_network(other, path);
  CHECK(files_in(dir) == std::vector<std::string>{"model.net"});
  Network back;
  glia::load_network(back, path);
  require_identical(back, other);

  SECTION("into a missing directory: FileError, nothing written") {
    const std::string missing = dir + "/no/such/dir/model.net";
    CHECK_THROWS_AS(glia::save_network(net, missing), glia::FileError);
    CHECK(files_in(dir) == std::vector<std::string>{"model.net"});
    struct stat st;
    CHECK(::stat((dir + "/no").c_str(), &st) != 0);
  }
  SECTION("onto a directory: FileError, no temporary file left") {
    ::mkdir((dir + "/sub").c_str(), 0755);
    CHECK_THROWS_AS(glia::save_network(net, dir + "/sub"), glia::FileError);
    auto files = files_in(dir);
    std::sort(files.begin(), files.end());
    CHECK(files == std::vector<std::string>{"model.net", "sub"});
    ::rmdir((dir + "/sub").c_str());
  }
  remove_dir(dir);
}

TEST_CASE("missing files are FileErrors", "[io][errors]") {
  Network net;
  CHECK_THROWS_AS(glia::load_network(net, "/nonexistent/x.net"), glia::FileError);
  CHECK_THROWS_AS(glia::load_sequence("/nonexistent/x.seq"), glia::FileError);
  CHECK_THROWS_AS(glia::load_network(net, "/tmp"), glia::FileError);
}
