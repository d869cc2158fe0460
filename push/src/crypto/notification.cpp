#include "push/notification.hpp"

namespace evp::push {

std::string_view to_string(UserType t) { return t == UserType::Client ? "client" : "owner"; }

nlohmann::json Notification::payload() const {
  nlohmann::json p = {{"title", title}, {"body", body}, {"icon", icon}, {"badge", badge}};
  nlohmann::json d = data.is_object() ? data : nlohmann::json::object();
  if (!type.empty()) d["type"] = type;
  p["data"] = std::move(d);
  if (actions.is_array() && !actions.empty()) p["actions"] = actions;
  return p;
}

}  // namespace evp::push
