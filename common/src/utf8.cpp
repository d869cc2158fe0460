#include "common/utf8.hpp"

#include <algorithm>

namespace evp::common {

namespace {

// Length of the well-formed sequence at text[i] (1..4), or 0 when it is malformed.
std::size_t sequence_length(const unsigned char* s, std::size_t n, std::size_t i) {
  const unsigned char c = s[i];
  if (c < 0x80) return 1;
  // The allowed range of the second byte depends on the first (RFC 3629 section 4):
  // that excludes overlong encodings, surrogates and code points above U+10FFFF.
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (s[i + k] < 0x80 || s[i + k] > 0xbf) return 0;
  return len;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = sequence_length(s, text.size(), i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string sanitize_text(std::string_view text, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD
  static constexpr std::string_view kEllipsis = "\xe2\x80\xa6";     // U+2026
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  // Characters are appended whole; once the next one would not fit together with the
  // ellipsis, the text is cut where the ellipsis still fits.
  std::size_t fits_with_ellipsis = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = sequence_length(s, text.size(), i);
    std::string_view piece;
    char space = ' ';
    if (len == 0) {
      piece = kReplacement;
      len = 1;  // resynchronise on the next byte
    } else if (len == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
      piece = std::string_view(&space, 1);
    } else {
      piece = text.substr(i, len);
    }
    if (out.size() + piece.size() > max_bytes) {
      out.resize(fits_with_ellipsis);
      if (out.size() + kEllipsis.size() <= max_bytes) out += kEllipsis;
      return out;
    }
    out += piece;
    if (out.size() + kEllipsis.size() <= max_bytes) fits_with_ellipsis = out.size();
    i += len;
  }
  return out;
}

}  // namespace evp::common
