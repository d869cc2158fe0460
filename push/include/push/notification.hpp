#pragma once
/// What the rest of the system hands to the push module.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace evp::push {

enum class UserType { Client, Owner };
std::string_view to_string(UserType t);  ///< "client" / "owner"

/// The push payload `{title, body, icon, badge, data, actions?}` plus delivery hints.
struct Notification {
  std::string type;   ///< event type, also put into data.type (e.g. "charging_started")
  std::string title;
  std::string body;
  std::string icon = "/logo-192.png";
  std::string badge = "/logo-96.png";
  nlohmann::json data = nlohmann::json::object();
  nlohmann::json actions = nlohmann::json();  ///< null or an array of {action, title}
  std::string urgency = "normal";             ///< very-low | low | normal | high
  std::string topic;                          ///< optional Topic header (<= 32 base64url chars)

  /// The JSON sent to the service worker.
  nlohmann::json payload() const;
};

}  // namespace evp::push
