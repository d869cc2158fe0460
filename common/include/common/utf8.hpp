#pragma once
/// UTF-8 validation for text that arrives from the network (paths, station ids, tokens)
/// before it reaches PostgreSQL, which rejects invalid UTF-8 with an error.
#include <string_view>

namespace evp::common {

/// True when `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates
/// (U+D800..U+DFFF), nothing above U+10FFFF. NUL bytes are valid UTF-8 and allowed here.
bool valid_utf8(std::string_view text);

}  // namespace evp::common
