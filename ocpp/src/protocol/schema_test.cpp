// Walks the official OCPP 1.6 JSON schemas (shipped in the ocpp-rpc npm package used by the
// Node.js reference clients) and checks our typed parsers against every property: required
// fields are required, optional ones are not, maxLength / enum / date-time / JSON types are
// enforced with the right CALLERROR code. Catches typos in field names across 28 actions.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <set>

#include "ocpp/messages/registry.hpp"
#include "ocpp/rpc.hpp"

using namespace evp::ocpp;
using nlohmann::json;

namespace {

const json kEmptyObject = json::object();

// Not `schema.value("properties", {})`: iterating a temporary's items() dangles in C++20.
const json& properties_of(const json& schema) {
  auto it = schema.find("properties");
  return it == schema.end() ? kEmptyObject : *it;
}

constexpr const char* kSchemaFile = "tests/node/node_modules/ocpp-rpc/lib/schemas/ocpp1_6.json";

json load_schemas() {
  std::ifstream in(kSchemaFile);
  REQUIRE_MESSAGE(in.good(), (std::string("missing ") + kSchemaFile + " (run npm ci in tests/node)"));
  return json::parse(in);
}

// A valid value for `schema`; with `full`, objects carry every property, else only the required ones.
json sample(const json& schema, bool full) {
  if (schema.contains("enum")) return schema["enum"][0];
  const auto type = schema.value("type", "");
  if (type == "string") {
    const auto format = schema.value("format", "");
    if (format == "date-time") return "2024-05-01T10:00:00Z";
    if (format == "uri") return "https://example.com/file";
    return "x";
  }
  if (type == "integer") return 1;
  if (type == "number") return 1.5;
  if (type == "boolean") return true;
  if (type == "array") return json::array({sample(schema["items"], full)});
  json out = json::object();
  std::set<std::string> required;
  for (const auto& r : schema.value("required", json::array())) required.insert(r.get<std::string>());
  for (const auto& [key, sub] : properties_of(schema).items())
    if (full || required.count(key)) out[key] = sample(sub, full);
  return out;
}

struct Property {
  json::json_pointer pointer;  // into the full sample
  json schema;
  bool required;
};

void collect(const json& schema, const json::json_pointer& at, std::vector<Property>& out) {
  const auto type = schema.value("type", "");
  if (type == "object") {
    std::set<std::string> required;
    for (const auto& r : schema.value("required", json::array())) required.insert(r.get<std::string>());
    for (const auto& [key, sub] : properties_of(schema).items()) {
      out.push_back({at / key, sub, required.count(key) > 0});
      collect(sub, at / key, out);
    }
  } else if (type == "array") {
    out.push_back({at / 0, schema["items"], false});
    collect(schema["items"], at / 0, out);
  }
}

// "/meterValue/0/sampledValue/1/value" -> "meterValue[0].sampledValue[1].value"
std::string field_path(const json::json_pointer& pointer) {
  std::string out;
  std::string text = pointer.to_string();
  std::size_t pos = 1;
  while (pos <= text.size()) {
    auto next = text.find('/', pos);
    auto token = text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (!token.empty() && token.find_first_not_of("0123456789") == std::string::npos)
      out += "[" + token + "]";
    else
      out += (out.empty() ? "" : ".") + token;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return out;
}

// Runs the validator; returns the CallError code, or nullopt when accepted.
std::optional<ErrorCode> outcome(const std::function<void(const json&)>& validate, const json& payload,
                                 std::string* description = nullptr) {
  try {
    validate(payload);
    return std::nullopt;
  } catch (const CallError& e) {
    if (description) *description = std::string(e.description());
    return e.code();
  }
}

json wrong_type_value(const json& schema) {
  const auto type = schema.value("type", "");
  if (type == "string") return 42;
  if (type == "integer" || type == "number") return "1";
  if (type == "boolean") return "true";
  if (type == "array") return json::object();
  return json::array();  // object
}

}  // namespace

TEST_CASE("official OCPP 1.6 schemas: every property of every action") {
  const auto schemas = load_schemas();
  std::set<std::string> covered;
  int checks = 0;

  for (const auto& schema : schemas) {
    std::string id = schema["$id"].get<std::string>();  // "urn:Authorize.req"
    auto dot = id.rfind('.');
    std::string action = id.substr(4, dot - 4);
    std::string kind = id.substr(dot + 1);
    if (!is_known_action(action)) continue;  // security-extension messages are not OCPP 1.6 proper
    covered.insert(id);
    CAPTURE(id);
    std::function<void(const json&)> validate = [&](const json& p) {
      kind == "req" ? validate_request(action, p) : validate_response(action, p);
    };

    const json full = sample(schema, true);
    CAPTURE(full.dump());
    CHECK(outcome(validate, full) == std::nullopt);
    CHECK(outcome(validate, sample(schema, false)) == std::nullopt);  // optional fields are optional
    json extra = full;
    extra["someVendorField"] = json{{"x", 1}};
    CHECK(outcome(validate, extra) == std::nullopt);
    CHECK(outcome(validate, json::array()) == ErrorCode::TypeConstraintViolation);
    checks += 4;

    std::vector<Property> properties;
    collect(schema, json::json_pointer(), properties);
    for (const auto& prop : properties) {
      const auto path = field_path(prop.pointer);
      CAPTURE(path);
      std::string description;
      if (prop.required) {
        json payload = full;
        payload[prop.pointer.parent_pointer()].erase(prop.pointer.back());
        CHECK(outcome(validate, payload, &description) == ErrorCode::OccurenceConstraintViolation);
        CHECK(description.starts_with(path + ": "));
        ++checks;
      }
      if (prop.schema.contains("maxLength")) {
        auto max = prop.schema["maxLength"].get<std::size_t>();
        json payload = full;
        payload[prop.pointer] = std::string(max, 'a');
        CHECK(outcome(validate, payload) == std::nullopt);
        payload[prop.pointer] = std::string(max + 1, 'a');
        CHECK(outcome(validate, payload, &description) == ErrorCode::PropertyConstraintViolation);
        CHECK(description.starts_with(path + ": "));
        checks += 2;
      }
      if (prop.schema.contains("enum")) {
        for (const auto& value : prop.schema["enum"]) {
          json payload = full;
          payload[prop.pointer] = value;
          CHECK(outcome(validate, payload) == std::nullopt);
          ++checks;
        }
        json payload = full;
        payload[prop.pointer] = "NotAnOcppValue";
        CHECK(outcome(validate, payload) == ErrorCode::PropertyConstraintViolation);
        ++checks;
      }
      if (prop.schema.value("format", "") == "date-time") {
        json payload = full;
        payload[prop.pointer] = "2024-05-01X10:00:00Z";
        CHECK(outcome(validate, payload) == ErrorCode::PropertyConstraintViolation);
        ++checks;
      }
      json payload = full;
      payload[prop.pointer] = wrong_type_value(prop.schema);
      CHECK(outcome(validate, payload, &description) == ErrorCode::TypeConstraintViolation);
      CHECK(description.starts_with(path + ": "));
      ++checks;
    }
  }
  CHECK(covered.size() == 56);  // 28 actions x (req, conf)
  MESSAGE("schema checks run: ", checks, " over ", covered.size(), " schemas");
}
