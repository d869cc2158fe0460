#pragma once
/// PostgreSQL array literals for sending many values in one parameter
/// (`... FROM unnest($1::text[], $2::timestamptz[])`): one round trip instead of one per row.
#include <optional>
#include <string>
#include <vector>

namespace evp::db {

/// `{"a","b\"c"}`: every element quoted and escaped, so values with commas, braces, quotes
/// or backslashes survive intact. Cast it in SQL to the element type you need.
std::string text_array(const std::vector<std::string>& items);
/// As above; nullopt elements become SQL NULL.
std::string text_array(const std::vector<std::optional<std::string>>& items);

}  // namespace evp::db
