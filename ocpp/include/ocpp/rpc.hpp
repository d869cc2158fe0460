#pragma once
/// OCPP-J 1.6 RPC framing: CALL [2, id, action, payload], CALLRESULT [3, id, payload],
/// CALLERROR [4, id, code, description, details].
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace evp::ocpp {

/// CALLERROR codes of OCPP-J 1.6 §4.2.3 (spelled as the spec spells them).
enum class ErrorCode {
  NotImplemented,                ///< action not known
  NotSupported,                  ///< action known but not supported
  InternalError,                 ///< receiver failed while processing
  ProtocolError,                 ///< payload incomplete
  SecurityError,                 ///< security issue while processing
  FormationViolation,            ///< syntactically incorrect / not conforming to the PDU structure
  PropertyConstraintViolation,   ///< a field has an invalid value
  OccurenceConstraintViolation,  ///< a field violates occurrence constraints (e.g. required missing)
  TypeConstraintViolation,       ///< a field has the wrong data type
  GenericError,
};
std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> error_code_from_string(std::string_view text);

/// Thrown by payload validation and by handlers; becomes exactly one CALLERROR.
class CallError : public std::runtime_error {
 public:
  CallError(ErrorCode code, std::string description, nlohmann::json details = nlohmann::json::object())
      : std::runtime_error(description), code_(code), details_(std::move(details)) {}
  ErrorCode code() const { return code_; }
  std::string_view description() const { return what(); }
  const nlohmann::json& details() const { return details_; }

 private:
  ErrorCode code_;
  nlohmann::json details_;
};

struct Call {
  std::string message_id;
  std::string action;
  nlohmann::json payload;  ///< always an object
};
struct CallResult {
  std::string message_id;
  nlohmann::json payload;
};
struct CallErrorMessage {
  std::string message_id;
  std::string error_code;  ///< as received (may be outside ErrorCode for lenient peers)
  std::string description;
  nlohmann::json details;
};
using Message = std::variant<Call, CallResult, CallErrorMessage>;

/// A frame that cannot be parsed. `message_id` is the id if one could be read, else "-1";
/// `code` is the CALLERROR to answer with: FormationViolation for bad JSON, a non-array, wrong
/// element types, a bad/over-long message id or an unknown message type id; ProtocolError for a
/// CALL with missing elements; TypeConstraintViolation for a payload that is not an object.
class FrameError : public std::runtime_error {
 public:
  FrameError(std::string message_id, ErrorCode code, const std::string& description, bool was_call)
      : std::runtime_error(description), message_id_(std::move(message_id)), code_(code), was_call_(was_call) {}
  const std::string& message_id() const { return message_id_; }
  ErrorCode code() const { return code_; }
  /// Only a CALL (or something that is not recognisably a CALLRESULT/CALLERROR) is answered;
  /// a broken CALLRESULT or CALLERROR is logged and dropped, per OCPP-J.
  bool was_call() const { return was_call_; }

 private:
  std::string message_id_;
  ErrorCode code_;
  bool was_call_;
};

/// Parses one WebSocket text frame. Throws FrameError. Message ids longer than 36
/// characters are rejected (OCPP-J: unique id max 36 chars).
Message parse_message(std::string_view text);

std::string serialize(const Call& call);
std::string serialize(const CallResult& result);
std::string serialize_error(std::string_view message_id, ErrorCode code, std::string_view description,
                            const nlohmann::json& details = nlohmann::json::object());
std::string serialize(const CallErrorMessage& error);

}  // namespace evp::ocpp
