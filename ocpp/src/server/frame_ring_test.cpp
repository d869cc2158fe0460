// FrameRing: the last N frames, oldest first, slots reused, long frames cut on a UTF-8
// character boundary.
#include "server/frame_ring.hpp"

#include <doctest/doctest.h>

using evp::ocpp::FrameRing;

TEST_CASE("FrameRing keeps the last frames in order") {
  FrameRing ring;
  CHECK(ring.snapshot().empty());
  for (int i = 0; i < 5; ++i) ring.record(3, i % 2 == 0, "f" + std::to_string(i));
  auto frames = ring.snapshot();
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].text == "f2");
  CHECK(frames[1].text == "f3");
  CHECK(frames[2].text == "f4");
  CHECK(frames[2].incoming);
  CHECK_FALSE(frames[1].incoming);
  ring.record(0, true, "not kept");  // history off
  CHECK(ring.snapshot().back().text == "f4");
}

TEST_CASE("FrameRing cuts long frames without splitting a character") {
  FrameRing ring;
  // 1023 ASCII bytes, then a two-byte character across the 1 KiB limit.
  std::string frame(FrameRing::kMaxBytes - 1, 'a');
  frame += "\xD0\x96";  // Ж
  frame += "tail";
  ring.record(4, true, frame);
  auto f = ring.snapshot().at(0);
  CHECK(f.text == std::string(FrameRing::kMaxBytes - 1, 'a'));
  CHECK(f.truncated_from == frame.size());
  ring.record(4, true, "short");
  CHECK(ring.snapshot().at(1).truncated_from == 0);
}
