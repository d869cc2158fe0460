#pragma once
// Steps of the end-to-end stories, shared by the test files: what a driver does through the
// REST API and how a test reads what the push receiver got. Header-only: they use doctest's
// assertions, so they belong to the test executables, not to the support library.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "stack.hpp"
#include "station.hpp"

namespace evp::e2e {

inline evp::sim::ChargePointOptions station_options(Stack& s, const std::string& id) {
  evp::sim::ChargePointOptions o;
  o.url = s.ocpp_url();
  o.id = id;
  o.connectors = 2;
  o.call_timeout = std::chrono::seconds(30);
  return o;
}

// The `data` object of a push payload (null when there is none).
inline Json data_of(const Json& p) { return p.is_object() && p.contains("data") ? p.at("data") : Json(); }

inline std::string type_of(const Json& p) {
  const Json d = data_of(p);
  return d.is_object() ? d.value("type", "?") : "?";
}

inline std::vector<Json> of_type(const std::vector<Json>& pushes, const std::string& type) {
  std::vector<Json> out;
  for (const auto& p : pushes)
    if (type_of(p) == type) out.push_back(p);
  return out;
}

inline std::multiset<std::string> types(const std::vector<Json>& pushes) {
  std::multiset<std::string> out;
  for (const auto& p : pushes) out.insert(type_of(p));
  return out;
}

// One notification as the service worker gets it: exact title, body and data (plus `type`).
inline void check_push(const Json& p, const std::string& type, const std::string& title, const std::string& body, Json data,
                const char* icon = nullptr) {
  INFO("push payload: ", p.dump());
  data["type"] = type;
  CHECK(p.value("title", "") == title);
  CHECK(p.value("body", "") == body);
  CHECK(data_of(p) == data);
  CHECK(p.value("badge", "") == "/logo-96.png");
  if (icon) CHECK(p.value("icon", "") == icon);
}

inline std::string error_code(const HttpResponse& r) {
  auto j = r.json();
  return j.is_object() && j["error"].is_object() ? j["error"].value("code", "") : "";
}
inline std::string error_message(const HttpResponse& r) {
  auto j = r.json();
  return j.is_object() && j["error"].is_object() ? j["error"].value("message", "") : "";
}

// Everything queued so far has been delivered or given up, and `subscription` holds at least
// `count` messages: then what the receiver lists is all there will be.
inline bool settled_with(Stack& s, const Json& subscription, std::size_t count) {
  return s.outbox_settled() && s.received(subscription).size() >= count;
}

inline Json session_status(Stack& s, const std::string& token, const std::string& session_id) {
  auto r = s.get("/api/v1/charging/status/" + session_id, token);
  if (r.status != 200) return Json();
  return r.json()["data"];
}

// The payment provider tops up a driver.
inline HttpResponse top_up(Stack& s, const std::string& payment_id, const std::string& user_id, const std::string& amount) {
  Json body = {{"payment_id", payment_id}, {"user_id", user_id}, {"amount", amount}, {"currency", "KGS"}};
  return s.webhook(body.dump());
}

// POST /charging/start, then wait until the station runs the transaction and the server
// reports the session active. Returns the session id.
inline std::string start_session(Stack& s, Station& st, const std::string& token, Json body) {
  auto r = s.post("/api/v1/charging/start", body, token);
  INFO("start: ", r.status, " ", r.body);
  REQUIRE(r.status == 200);
  auto data = r.json()["data"];
  CHECK(data.value("station_status", "") == "Accepted");
  const std::string session_id = data.value("session_id", "");
  REQUIRE(!session_id.empty());
  REQUIRE(wait_until([&] { return st.transaction(body["connector_id"].get<int>()).has_value(); }));
  REQUIRE(wait_until([&] { return session_status(s, token, session_id).value("status", "") == "active"; }));
  return session_id;
}

inline void wait_energy(Stack& s, const std::string& token, const std::string& session_id, std::int64_t wh) {
  INFO("waiting for energy_wh ", wh, " in session ", session_id);
  CHECK(wait_until([&] { return session_status(s, token, session_id).value("energy_wh", -1LL) == wh; }));
}

}  // namespace evp::e2e
