#include "http/context.hpp"

#include <charconv>

#include "common/money.hpp"

namespace evp::api {

void bad_field(const std::string& field, const std::string& what) {
  throw ApiError(http::status::bad_request, "invalid_field", "field '" + field + "' " + what);
}

std::string JsonFields::str(const char* name, std::size_t max_len) const {
  auto v = opt_str(name, max_len);
  if (!v) bad_field(path(name), "is required");
  return *v;
}

std::optional<std::string> JsonFields::opt_str(const char* name, std::size_t max_len) const {
  if (!has(name)) return std::nullopt;
  const auto& v = j_[name];
  if (!v.is_string()) bad_field(path(name), "must be a string");
  auto s = v.get<std::string>();
  if (s.empty()) bad_field(path(name), "must not be empty");
  if (s.size() > max_len) bad_field(path(name), "is longer than " + std::to_string(max_len) + " characters");
  return s;
}

std::int64_t JsonFields::integer(const char* name, std::int64_t min, std::int64_t max) const {
  auto v = opt_integer(name, min, max);
  if (!v) bad_field(path(name), "is required");
  return *v;
}

std::optional<std::int64_t> JsonFields::opt_integer(const char* name, std::int64_t min, std::int64_t max) const {
  if (!has(name)) return std::nullopt;
  const auto& v = j_[name];
  if (!v.is_number_integer()) bad_field(path(name), "must be an integer");
  auto i = v.get<std::int64_t>();
  if (i < min || i > max)
    bad_field(path(name), "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return i;
}

std::optional<std::int64_t> JsonFields::opt_decimal(const char* name, int scale) const {
  if (!has(name)) return std::nullopt;
  const auto& v = j_[name];
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number()) {
    // nlohmann prints a double with the shortest text that reads back as the same value,
    // which is the literal the sender wrote; the amount is then parsed from that text.
    text = v.dump();
  } else {
    bad_field(path(name), "must be a decimal string such as \"150.00\"");
  }
  auto d = common::parse_decimal(text, scale);
  if (!d) bad_field(path(name), "must be a decimal with at most " + std::to_string(scale) + " fraction digits");
  return d;
}

std::optional<bool> JsonFields::opt_bool(const char* name) const {
  if (!has(name)) return std::nullopt;
  if (!j_[name].is_boolean()) bad_field(path(name), "must be true or false");
  return j_[name].get<bool>();
}

JsonFields JsonFields::object(const char* name) const {
  if (!has(name)) bad_field(path(name), "is required");
  if (!j_[name].is_object()) bad_field(path(name), "must be an object");
  return JsonFields(j_[name], path(name));
}

const std::string& Context::param(std::string_view name) const {
  auto it = params_.find(name);
  if (it == params_.end()) throw std::logic_error("route has no parameter " + std::string(name));
  return it->second;
}

std::optional<std::string> Context::query(std::string_view name) const {
  auto it = query_.find(name);
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

std::int64_t Context::query_int(std::string_view name, std::int64_t fallback, std::int64_t min,
                                std::int64_t max) const {
  auto v = query(name);
  if (!v) return fallback;
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || out < min || out > max)
    throw ApiError(http::status::bad_request, "invalid_parameter",
                   "query parameter '" + std::string(name) + "' must be an integer between " + std::to_string(min) +
                       " and " + std::to_string(max));
  return out;
}

JsonFields Context::body() {
  if (!body_) {
    if (req.body().empty())
      throw ApiError(http::status::bad_request, "invalid_body", "request body must be a JSON object");
    auto j = nlohmann::json::parse(req.body(), nullptr, false);
    if (j.is_discarded()) throw ApiError(http::status::bad_request, "invalid_json", "request body is not valid JSON");
    if (!j.is_object()) throw ApiError(http::status::bad_request, "invalid_body", "request body must be a JSON object");
    body_ = std::move(j);
  }
  return JsonFields(*body_);
}

Page page_of(const Context& ctx) {
  return {ctx.query_int("limit", 20, 1, 100), ctx.query_int("offset", 0, 0, 1'000'000)};
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (c == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace evp::api
