#pragma once
/// Validation by action name, for the transport (which does not know the typed structs).
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace evp::ocpp {

/// Who sends the CALL of an action.
enum class Direction {
  FromStation,  ///< station -> central system (Authorize, BootNotification, ...)
  ToStation,    ///< central system -> station (Reset, RemoteStartTransaction, ...)
  Both,         ///< DataTransfer
};

/// True for the 28 actions of OCPP 1.6 (case-sensitive).
bool is_known_action(std::string_view action);

/// Parses `payload` as the CALL payload of `action` into its typed Req struct and throws
/// CallError on the first violation (NotImplemented if the action is unknown).
void validate_request(std::string_view action, const nlohmann::json& payload);

/// Same for the CALLRESULT payload (the Conf struct).
void validate_response(std::string_view action, const nlohmann::json& payload);

/// Throws CallError(NotImplemented) if the action is unknown.
Direction direction_of(std::string_view action);

/// May a station send a CALL with this action? (FromStation or Both; false when unknown)
bool allowed_from_station(std::string_view action);
/// May the central system send a CALL with this action? (ToStation or Both; false when unknown)
bool allowed_to_station(std::string_view action);

}  // namespace evp::ocpp
