#include "common/utf8.hpp"

#include <doctest/doctest.h>

using evp::common::valid_utf8;

TEST_CASE("valid_utf8 accepts well-formed text") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("CP-001"));
  CHECK(valid_utf8("Станция"));
  CHECK(valid_utf8("\xe2\x82\xac"));      // U+20AC
  CHECK(valid_utf8("\xf0\x9f\x94\x8c"));  // U+1F50C
  CHECK(valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
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

TEST_CASE("sanitize_text makes any bytes storable text") {
  using evp::common::sanitize_text;
  CHECK(sanitize_text("plain reason", 100) == "plain reason");
  CHECK(sanitize_text("Станция", 100) == "Станция");
  // NUL, control characters and newlines become spaces.
  CHECK(sanitize_text(std::string_view("a\0b\r\nc\x7f", 7), 100) == "a b  c ");
  // Each malformed byte becomes U+FFFD and decoding resynchronises on the next byte.
  CHECK(sanitize_text("ok\xff\xfe!", 100) == "ok\xef\xbf\xbd\xef\xbf\xbd!");
  CHECK(sanitize_text("\xed\xa0\x80", 100) == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(sanitize_text("\xe2\x82", 100) == "\xef\xbf\xbd\xef\xbf\xbd");                  // truncated
  // The cut falls on a character boundary and leaves room for the ellipsis.
  CHECK(sanitize_text("abcdefghij", 10) == "abcdefghij");
  CHECK(sanitize_text("abcdefghijk", 10) == "abcdefg\xe2\x80\xa6");
  auto cut = sanitize_text("ЖЖЖЖЖЖЖЖ", 9);  // 2 bytes each
  CHECK(cut == "ЖЖЖ\xe2\x80\xa6");
  CHECK(evp::common::valid_utf8(cut));
  CHECK(sanitize_text("abc", 0).empty());
  CHECK(sanitize_text("abcdef", 2) == "");  // not even the ellipsis fits
  std::string junk;
  for (int i = 0; i < 5000; ++i) junk += static_cast<char>(i * 37);
  auto clean = sanitize_text(junk, 512);
  CHECK(clean.size() <= 512);
  CHECK(evp::common::valid_utf8(clean));
  CHECK(clean.find('\0') == std::string::npos);
}
