#pragma once
/// OCPP 1.6 Reservation profile messages.
#include <optional>

#include "ocpp/types.hpp"

namespace evp::ocpp {

enum class ReservationStatus { Accepted, Faulted, Occupied, Rejected, Unavailable };
template <>
struct EnumNames<ReservationStatus> {
  static constexpr std::string_view type = "ReservationStatus";
  static constexpr auto values = enum_names("Accepted", "Faulted", "Occupied", "Rejected", "Unavailable");
};

enum class CancelReservationStatus { Accepted, Rejected };
template <>
struct EnumNames<CancelReservationStatus> {
  static constexpr std::string_view type = "CancelReservationStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected");
};

struct ReserveNowReq {
  static constexpr std::string_view action = "ReserveNow";
  int connectorId = 0;  ///< 0 = any connector
  DateTime expiryDate{};
  CiString<20> idTag;
  std::optional<CiString<20>> parentIdTag;
  int reservationId = 0;
  bool operator==(const ReserveNowReq&) const = default;
};
EVP_OCPP_JSON(ReserveNowReq)
struct ReserveNowConf {
  static constexpr std::string_view action = "ReserveNow";
  ReservationStatus status = ReservationStatus::Rejected;
  bool operator==(const ReserveNowConf&) const = default;
};
EVP_OCPP_JSON(ReserveNowConf)

struct CancelReservationReq {
  static constexpr std::string_view action = "CancelReservation";
  int reservationId = 0;
  bool operator==(const CancelReservationReq&) const = default;
};
EVP_OCPP_JSON(CancelReservationReq)
struct CancelReservationConf {
  static constexpr std::string_view action = "CancelReservation";
  CancelReservationStatus status = CancelReservationStatus::Rejected;
  bool operator==(const CancelReservationConf&) const = default;
};
EVP_OCPP_JSON(CancelReservationConf)

}  // namespace evp::ocpp
