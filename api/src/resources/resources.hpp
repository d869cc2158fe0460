#pragma once
// Every REST resource contributes its route table; the server concatenates them.
#include <vector>

#include "http/router.hpp"

namespace evp::api {

std::vector<Route> health_routes();        // resources/health.cpp
std::vector<Route> notification_routes();  // resources/notifications.cpp
std::vector<Route> preference_routes();    // resources/preferences.cpp
std::vector<Route> charging_routes();      // resources/charging.cpp
std::vector<Route> session_routes();       // resources/sessions.cpp
std::vector<Route> balance_routes();       // resources/balance.cpp
std::vector<Route> payment_routes();       // resources/payment.cpp
std::vector<Route> station_routes();       // resources/stations.cpp
std::vector<Route> owner_routes();         // resources/owner.cpp
std::vector<Route> admin_routes();         // resources/admin.cpp (operators)
std::vector<Route> admin_local_list_routes();  // resources/admin_local_list.cpp (operators)
std::vector<Route> admin_registry_routes();  // resources/admin_registry.cpp (owners, locations, stations, clients)
std::vector<Route> admin_stream_routes();    // resources/admin_stream.cpp (live events)

inline std::vector<std::vector<Route>> all_routes() {
  return {health_routes(),  notification_routes(), preference_routes(), charging_routes(), session_routes(),
          balance_routes(), payment_routes(),      station_routes(),    owner_routes(),      admin_routes(),
          admin_local_list_routes(), admin_registry_routes(), admin_stream_routes()};
}

}  // namespace evp::api
