#include <doctest/doctest.h>

#include "common/utf8.hpp"

using evp::common::valid_utf8;

TEST_CASE("valid_utf8 accepts well-formed text") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("CP-001"));
  CHECK(valid_utf8("Станция"));
  CHECK(valid_utf8("\xe2\x82\xac"));          // U+20AC
  CHECK(valid_utf8("\xf0\x9f\x94\x8c"));      // U+1F50C
  CHECK(valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  CHECK(valid_utf8(std::string_view("a\0b", 3)));
}

TEST_CASE("valid_utf8 refuses malformed text") {
  CHECK_FALSE(valid_utf8("\xff"));
  CHECK_FALSE(valid_utf8("\x80"));              // continuation without a lead byte
  CHECK_FALSE(valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(valid_utf8("\xe2\x82"));          // truncated in the middle
  CHECK_FALSE(valid_utf8("ok\xe2\x28\xa1"));    // bad continuation
}
