#pragma once
// The one place where OCPP payloads are validated. Every message type has a single field
// list, `template <class V> void describe(V& v, XReq& m) { v("idTag", m.idTag); ... }`,
// which FieldReader walks to parse (strictly) and FieldWriter walks to serialise.
// A std::optional member is an optional field; anything else is required.
//
// Error codes chosen (see also types.hpp):
//   - not an object / wrong JSON type            -> TypeConstraintViolation
//   - required field missing / too few items     -> OccurenceConstraintViolation
//   - CiString too long, bad enum, bad date-time,
//     integer out of range, bad URI              -> PropertyConstraintViolation
//   - unknown properties are ignored: real stations add vendor fields, and rejecting a
//     StopTransaction for one would lose the end of a charging session.
//   - an optional field sent as JSON null is taken as absent (seen from several firmwares;
//     the meaning is unambiguous).
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "ocpp/types.hpp"

namespace evp::ocpp::detail {

using nlohmann::json;

/// Constraints beyond the JSON type, passed after the member in a field list.
struct Min {
  std::int64_t value;  ///< inclusive minimum of an integer
};
struct MinItems {
  std::size_t value;  ///< minimum length of an array
};
struct Uri {};              ///< string must look like an absolute URI (scheme ':' rest)
struct MultipleOfTenth {};  ///< decimal with at most one fractional digit (schema multipleOf 0.1)

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_cistring : std::false_type {};
template <std::size_t N>
struct is_cistring<CiString<N>> : std::true_type {};

[[noreturn]] void fail(ErrorCode code, const std::string& path, const std::string& what);
std::string join_path(const std::string& parent, std::string_view key);
/// Quotes a received value for an error description, shortened so a hostile payload
/// cannot make the CALLERROR huge.
std::string quote(std::string_view text);
std::size_t utf8_length(std::string_view text);

void read_value(const json& j, const std::string& path, std::string& out);
void read_value(const json& j, const std::string& path, bool& out);
void read_value(const json& j, const std::string& path, int& out);
void read_value(const json& j, const std::string& path, std::int64_t& out);
void read_value(const json& j, const std::string& path, double& out);
void read_value(const json& j, const std::string& path, DateTime& out);

template <std::size_t N>
void read_value(const json& j, const std::string& path, CiString<N>& out) {
  read_value(j, path, out.value);
  if (utf8_length(out.value) > N)
    fail(ErrorCode::PropertyConstraintViolation, path,
         quote(out.value) + " is longer than " + std::to_string(N) + " characters");
}

template <OcppEnum E>
void read_value(const json& j, const std::string& path, E& out) {
  if (!j.is_string()) fail(ErrorCode::TypeConstraintViolation, path, "expected a string");
  const auto& text = j.get_ref<const std::string&>();
  auto parsed = from_string<E>(text);
  if (!parsed)
    fail(ErrorCode::PropertyConstraintViolation, path,
         quote(text) + " is not a valid " + std::string(EnumNames<E>::type));
  out = *parsed;
}

template <class T>
void read_value(const json& j, const std::string& path, std::vector<T>& out);

template <class T>
concept Described = requires(FieldReader& r, T& t) {
  read_fields(r, t);
};
template <Described T>
void read_value(const json& j, const std::string& path, T& out);

/// Reads the fields of one JSON object. Construct one per object level.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object())
      fail(ErrorCode::TypeConstraintViolation, path_,
           path_.empty() ? "payload must be an object" : "expected an object");
  }

  template <class T, class... C>
  void operator()(std::string_view key, T& out, C... constraints) {
    auto field_path = join_path(path_, key);
    auto it = object_.find(key);
    if constexpr (is_optional<T>::value) {
      if (it == object_.end() || it->is_null()) {
        out.reset();
        return;
      }
      out.emplace();
      read_value(*it, field_path, *out);
      (check(*out, field_path, constraints), ...);
    } else {
      if (it == object_.end()) fail(ErrorCode::OccurenceConstraintViolation, field_path, "required field is missing");
      read_value(*it, field_path, out);
      (check(out, field_path, constraints), ...);
    }
  }

 private:
  template <class T>
  static void check(const T& v, const std::string& path, Min min) {
    if (static_cast<std::int64_t>(v) < min.value)
      fail(ErrorCode::PropertyConstraintViolation, path,
           std::to_string(v) + " is below the minimum " + std::to_string(min.value));
  }
  template <class T>
  static void check(const std::vector<T>& v, const std::string& path, MinItems min) {
    if (v.size() < min.value)
      fail(ErrorCode::OccurenceConstraintViolation, path,
           "needs at least " + std::to_string(min.value) + " item(s), got " + std::to_string(v.size()));
  }
  static void check(const std::string& v, const std::string& path, Uri);
  static void check(double v, const std::string& path, MultipleOfTenth);

  const json& object_;
  std::string path_;
};

template <Described T>
void read_value(const json& j, const std::string& path, T& out) {
  FieldReader reader(j, path);
  read_fields(reader, out);
}

template <class T>
void read_value(const json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) fail(ErrorCode::TypeConstraintViolation, path, "expected an array");
  out.clear();
  out.resize(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) read_value(j[i], path + "[" + std::to_string(i) + "]", out[i]);
}

json write_value(const std::string& v);
json write_value(bool v);
json write_value(int v);
json write_value(std::int64_t v);
json write_value(double v);
json write_value(DateTime v);
template <std::size_t N>
json write_value(const CiString<N>& v) {
  return v.value;
}
template <OcppEnum E>
json write_value(E v) {
  return std::string(to_string(v));
}
template <class T>
json write_value(const std::vector<T>& v);
template <class T>
requires requires(FieldWriter& w, const T& t) { write_fields(w, t); }
json write_value(const T& v);

/// Writes the fields of one JSON object; absent optionals are omitted.
class FieldWriter {
 public:
  explicit FieldWriter(json& object) : object_(object) { object_ = json::object(); }

  template <class T, class... C>
  void operator()(std::string_view key, const T& value, C...) {
    if constexpr (is_optional<T>::value) {
      if (value) object_[std::string(key)] = write_value(*value);
    } else {
      object_[std::string(key)] = write_value(value);
    }
  }

 private:
  json& object_;
};

template <class T>
json write_value(const std::vector<T>& v) {
  json out = json::array();
  for (const auto& item : v) out.push_back(write_value(item));
  return out;
}

template <class T>
requires requires(FieldWriter& w, const T& t) { write_fields(w, t); }
json write_value(const T& v) {
  json out;
  FieldWriter writer(out);
  write_fields(writer, v);
  return out;
}

}  // namespace evp::ocpp::detail

/// Defines what EVP_OCPP_JSON declared, from `describe(V&, Type&)` (which must be visible).
/// The writer walks the same non-const field list; it only reads the members.
#define EVP_OCPP_DEFINE_JSON(Type)                                                                          \
  void from_json(const nlohmann::json& json, Type& value) {                                                 \
    detail::FieldReader reader(json, "");                                                                   \
    detail::read_fields(reader, value);                                                                     \
  }                                                                                                         \
  void to_json(nlohmann::json& json, const Type& value) {                                                   \
    detail::FieldWriter writer(json);                                                                       \
    detail::write_fields(writer, value);                                                                    \
  }                                                                                                         \
  namespace detail {                                                                                        \
  void read_fields(FieldReader& reader, Type& value) { describe(reader, value); }                           \
  void write_fields(FieldWriter& writer, const Type& value) { describe(writer, const_cast<Type&>(value)); } \
  }
