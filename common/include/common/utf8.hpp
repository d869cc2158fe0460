#pragma once
/// UTF-8 validation for text that arrives from the network (paths, station ids, tokens)
/// before it reaches PostgreSQL, which rejects invalid UTF-8 with an error.
#include <cstddef>
#include <string>
#include <string_view>

namespace evp::common {

/// True when `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates
/// (U+D800..U+DFFF), nothing above U+10FFFF. NUL bytes are valid UTF-8 and allowed here.
bool valid_utf8(std::string_view text);

/// Text from a peer made safe to store and log: every malformed UTF-8 sequence becomes
/// U+FFFD, NUL and the other C0/DEL control characters become a space (tab and newline
/// too: one line), and the result is cut at a character boundary to at most `max_bytes`
/// (an ellipsis, counted in, marks the cut). Always valid UTF-8 that PostgreSQL accepts.
std::string sanitize_text(std::string_view text, std::size_t max_bytes);

}  // namespace evp::common
