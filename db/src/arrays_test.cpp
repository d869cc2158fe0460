#include <doctest/doctest.h>

#include "db/arrays.hpp"
#include "db/testing.hpp"

using evp::db::text_array;

TEST_CASE("text_array quotes and escapes every element") {
  CHECK(text_array(std::vector<std::string>{}) == "{}");
  CHECK(text_array(std::vector<std::string>{"a", "b,c", "d\"e", "f\\g", "{}"}) ==
        R"({"a","b,c","d\"e","f\\g","{}"})");
  CHECK(text_array(std::vector<std::optional<std::string>>{"x", std::nullopt, "NULL"}) == R"({"x",NULL,"NULL"})");
}

TEST_CASE("text_array round-trips through PostgreSQL unchanged") {
  evp::db::testing::TempDatabase db({.migrate = false});
  const std::vector<std::string> values{"plain", "with,comma", "with\"quote", "back\\slash", "{braces}", " spaces "};
  const auto literal = text_array(values);
  std::string escaped;
  for (char c : literal) escaped += c == '\'' ? std::string("''") : std::string(1, c);
  CHECK(db.scalar("SELECT count(*) FROM unnest('" + escaped + "'::text[])") == "6");
  for (std::size_t i = 0; i < values.size(); ++i)
    CHECK(db.scalar("SELECT ('" + escaped + "'::text[])[" + std::to_string(i + 1) + "]") == values[i]);
  CHECK(db.scalar("SELECT coalesce(('{\"a\",NULL}'::text[])[2], 'null')") == "null");
}
