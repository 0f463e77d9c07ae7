// Regression tests for the robustness fixes: ids that could not be saved are refused,
// NEWNET requests beyond the machine's memory are refused up front, concurrent atomic
// saves never mix or lose a file, and every fuzz-found input stays fixed (tools/fuzz.sh).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <dirent.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/network.hpp"
#include "glia/sequence.hpp"
#include "helpers.hpp"

using test_helpers::files_in;

TEST_CASE("ids the tokenizer would split are refused, so every saved file reads back",
          "[robustness][io]") {
  glia::Network net;
  for (const char* bad : {"H 1", "H\t1", "H\v1", "H\f1", "H\r1", "H\n1", "H#1"}) {
    INFO("id " << bad);
    CHECK_THROWS_AS(net.add_neuron(bad, 1.0f, 1.0f, 0.0f), glia::ValueError);
    glia::Sequence seq;
    CHECK_THROWS_AS(seq.add_event(0, bad, 1.0f), glia::ValueError);
    CHECK(seq.num_events() == 0);
  }
  CHECK(net.size() == 0);
  net.add_neuron("H\x01odd\x7f", 1.0f, 1.0f, 0.0f);  // other bytes are kept as they are
  glia::Network back;
  glia::parse_network(back, glia::format_network(net), "saved");
  CHECK(back.ids() == net.ids());
}

TEST_CASE("format_sequence is what save_sequence writes and parses back", "[robustness][io]") {
  glia::Sequence seq = glia::parse_sequence("DURATION 9\nLOOP 1\n3 S1 -0\n0 S0 1e-45\n3 S0 2\n", "t.seq");
  const std::string text = glia::format_sequence(seq);
  CHECK(text == "DURATION 9\nLOOP true\n0 S0 1e-45\n3 S1 -0\n3 S0 2\n");
  CHECK(glia::format_sequence(glia::parse_sequence(text, "saved.seq")) == text);
}

TEST_CASE("a NEWNET block the machine cannot hold is refused before any allocation",
          "[robustness][newnet]") {
  glia::Network net;
  // 40000 x 40000 at density 1: 1.6e9 edges, ~90 GB to build (below the 2e9 edge cap)
  try {
    glia::parse_network(net, "NEWNET S=40000 H=40000 O=0\nDENSITY S->H 1\nDENSITY H->H 0\n", "big.net");
    FAIL("no FormatError");
  } catch (const glia::FormatError& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("big.net:1:") &&
                             Catch::Matchers::Contains("GB of memory"));
  }
  CHECK(net.size() == 0);
}

TEST_CASE("threads saving to one path at once: the file is always one whole network",
          "[robustness][io][threads]") {
  char tmpl[] = "/tmp/glia_test_robust_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string path = dir + "/model.net";
  glia::Network a, b;
  glia::parse_network(a, "NEWNET S=3 H=30 O=2\nSEED 1\n", "a");
  glia::parse_network(b, "NEWNET S=4 H=20 O=3\nSEED 2\n", "b");
  const std::string ta = glia::format_network(a), tb = glia::format_network(b);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      try {
        const std::string t = glia::read_file(path);
        if (t != ta && t != tb) ++bad;
      } catch (const glia::FileError&) {  // not written yet
      }
    }
  });
  std::vector<std::thread> writers;
  for (int k = 0; k < 2; ++k)
    writers.emplace_back([&, k] {
      for (int i = 0; i < 150; ++i) glia::save_network(k ? b : a, path);
    });
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  CHECK(bad.load() == 0);
  const auto left = files_in(dir);
  CHECK(left == std::vector<std::string>{"model.net"});  // no temporary file left behind
  const std::string t = glia::read_file(path);
  CHECK((t == ta || t == tb));
  for (const auto& f : left) ::unlink((dir + "/" + f).c_str());
  ::rmdir(dir.c_str());
}
