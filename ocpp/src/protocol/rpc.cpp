// OCPP-J 1.6 frame parsing and serialisation (OCPP-J §4).
#include "ocpp/rpc.hpp"

#include <array>

namespace evp::ocpp {
namespace {

constexpr std::array<std::string_view, 10> kErrorCodeNames = {
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",  // sic: OCPP-J 1.6 spells it with one 'r'
    "TypeConstraintViolation",
    "GenericError",
};

constexpr int kCall = 2;
constexpr int kCallResult = 3;
constexpr int kCallError = 4;
constexpr std::size_t kMaxMessageIdLength = 36;

// Strings we build always come from valid JSON or our own text, but a description may quote
// a truncated value; never let serialisation throw on a stray byte.
using Serializer = nlohmann::detail::serializer<nlohmann::json>;

// Frames are written straight into one string: the same text as dumping a JSON array of
// the elements, without building (and copying the payload into) that array first.
class FrameWriter {
 public:
  FrameWriter(int type, std::size_t reserve)
      : writer_(nlohmann::detail::output_adapter<char>(out_), ' ', nlohmann::json::error_handler_t::replace) {
    out_.reserve(reserve);
    out_ += '[';
    out_ += static_cast<char>('0' + type);
  }
  FrameWriter& string(std::string_view text) {
    out_ += ',';
    // Ids, action names and error codes are plain ASCII: no escaping to decide.
    bool plain = true;
    for (char c : text)
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        plain = false;
        break;
      }
    if (plain) {
      out_ += '"';
      out_ += text;
      out_ += '"';
    } else {
      writer_.dump(nlohmann::json(text), false, false, 0);
    }
    return *this;
  }
  FrameWriter& value(const nlohmann::json& v) {
    out_ += ',';
    writer_.dump(v, false, false, 0);
    return *this;
  }
  std::string finish() {
    out_ += ']';
    return std::move(out_);
  }

 private:
  std::string out_;
  Serializer writer_;
};

const nlohmann::json& object_or_empty(const nlohmann::json& v) {
  static const nlohmann::json empty = nlohmann::json::object();
  return v.is_object() ? v : empty;
}

}  // namespace

std::string_view to_string(ErrorCode code) { return kErrorCodeNames[static_cast<std::size_t>(code)]; }

std::optional<ErrorCode> error_code_from_string(std::string_view text) {
  for (std::size_t i = 0; i < kErrorCodeNames.size(); ++i)
    if (kErrorCodeNames[i] == text) return static_cast<ErrorCode>(i);
  // OCPP 2.0 fixed the spelling; accept it from peers that use the newer word.
  if (text == "OccurrenceConstraintViolation") return ErrorCode::OccurenceConstraintViolation;
  return std::nullopt;
}

Message parse_message(std::string_view text) {
  // Anything that is not recognisably a CALLRESULT/CALLERROR is answered (was_call = true):
  // the peer may be waiting for a reply, and a CALLERROR with id "-1" is harmless otherwise.
  auto frame = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (frame.is_discarded()) throw FrameError("-1", ErrorCode::FormationViolation, "frame is not valid JSON", true);
  if (!frame.is_array() || frame.empty())
    throw FrameError("-1", ErrorCode::FormationViolation, "frame must be a non-empty JSON array", true);
  if (!frame[0].is_number_integer())
    throw FrameError("-1", ErrorCode::FormationViolation, "message type id must be an integer", true);
  const auto type = frame[0].get<std::int64_t>();
  const bool is_call = type != kCallResult && type != kCallError;

  if (frame.size() < 2 || !frame[1].is_string())
    throw FrameError("-1", ErrorCode::FormationViolation, "message id must be a string", is_call);
  std::string id = frame[1].get<std::string>();
  if (id.size() > kMaxMessageIdLength)
    // Echo the id anyway so the peer can match the error to its request.
    throw FrameError(std::move(id), ErrorCode::FormationViolation, "message id is longer than 36 characters", is_call);
  if (id.empty()) throw FrameError("-1", ErrorCode::FormationViolation, "message id is empty", is_call);

  switch (type) {
    case kCall: {
      if (frame.size() < 4) throw FrameError(id, ErrorCode::ProtocolError, "CALL needs [2, id, action, payload]", true);
      if (frame.size() > 4) throw FrameError(id, ErrorCode::FormationViolation, "CALL has extra elements", true);
      if (!frame[2].is_string()) throw FrameError(id, ErrorCode::FormationViolation, "action must be a string", true);
      if (!frame[3].is_object())
        throw FrameError(id, ErrorCode::TypeConstraintViolation, "payload must be a JSON object", true);
      return Call{std::move(id), frame[2].get<std::string>(), std::move(frame[3])};
    }
    case kCallResult: {
      if (frame.size() != 3)
        throw FrameError(id, ErrorCode::FormationViolation, "CALLRESULT needs [3, id, payload]", false);
      if (!frame[2].is_object())
        throw FrameError(id, ErrorCode::TypeConstraintViolation, "payload must be a JSON object", false);
      return CallResult{std::move(id), std::move(frame[2])};
    }
    case kCallError: {
      // Tolerate a missing details element: some stations send [4, id, code, description].
      if (frame.size() != 5 && frame.size() != 4)
        throw FrameError(id, ErrorCode::FormationViolation, "CALLERROR needs [4, id, code, description, details]",
                         false);
      if (!frame[2].is_string() || !frame[3].is_string())
        throw FrameError(id, ErrorCode::FormationViolation, "CALLERROR code and description must be strings", false);
      nlohmann::json details = nlohmann::json::object();
      if (frame.size() == 5) {
        if (!frame[4].is_object())
          throw FrameError(id, ErrorCode::FormationViolation, "CALLERROR details must be an object", false);
        details = std::move(frame[4]);
      }
      return CallErrorMessage{std::move(id), frame[2].get<std::string>(), frame[3].get<std::string>(),
                              std::move(details)};
    }
    default:
      throw FrameError(id, ErrorCode::FormationViolation, "unknown message type id " + std::to_string(type), true);
  }
}

std::string serialize(const Call& call) {
  return FrameWriter(kCall, 64).string(call.message_id).string(call.action).value(call.payload).finish();
}

std::string serialize(const CallResult& result) {
  return FrameWriter(kCallResult, 64).string(result.message_id).value(result.payload).finish();
}

std::string serialize_error(std::string_view message_id, ErrorCode code, std::string_view description,
                            const nlohmann::json& details) {
  return FrameWriter(kCallError, 64 + description.size())
      .string(message_id)
      .string(to_string(code))
      .string(description)
      .value(object_or_empty(details))
      .finish();
}

std::string serialize(const CallErrorMessage& error) {
  return FrameWriter(kCallError, 64 + error.description.size())
      .string(error.message_id)
      .string(error.error_code)
      .string(error.description)
      .value(object_or_empty(error.details))
      .finish();
}

}  // namespace evp::ocpp
