// from_json(to_json(x)) == x for a filled sample of every message, and the JSON is stable.
#include <doctest/doctest.h>

#include "ocpp/messages/all.hpp"

using namespace evp::ocpp;
using nlohmann::json;

namespace {

DateTime at(const char* text) { return *evp::common::parse_datetime(text); }

template <class T>
void check_round_trip(const T& sample) {
  json j = sample;
  CAPTURE(j.dump());
  CHECK(j.is_object());
  auto back = j.template get<T>();
  CHECK(back == sample);
  CHECK(json(back) == j);
}

IdTagInfo id_tag_info() { return {at("2030-01-01T00:00:00Z"), CiString<20>("PARENT"), AuthorizationStatus::Blocked}; }

MeterValue meter_value() {
  MeterValue mv;
  mv.timestamp = at("2024-05-01T10:00:00.123Z");
  mv.sampledValue.push_back({"1234.5", ReadingContext::Sample_Periodic, ValueFormat::Raw,
                             Measurand::Energy_Active_Import_Register, Phase::L1_N, Location::Outlet,
                             UnitOfMeasure::kWh});
  mv.sampledValue.push_back(
      {"16", std::nullopt, std::nullopt, Measurand::Current_Import, Phase::L2, std::nullopt, UnitOfMeasure::A});
  return mv;
}

ChargingProfile charging_profile() {
  ChargingProfile p;
  p.chargingProfileId = 7;
  p.transactionId = 42;
  p.stackLevel = 1;
  p.chargingProfilePurpose = ChargingProfilePurposeType::TxProfile;
  p.chargingProfileKind = ChargingProfileKindType::Recurring;
  p.recurrencyKind = RecurrencyKindType::Daily;
  p.validFrom = at("2024-01-01T00:00:00Z");
  p.validTo = at("2025-01-01T00:00:00Z");
  p.chargingSchedule.duration = 86400;
  p.chargingSchedule.startSchedule = at("2024-01-01T00:00:00Z");
  p.chargingSchedule.chargingRateUnit = ChargingRateUnitType::W;
  p.chargingSchedule.chargingSchedulePeriod = {{0, 11000.0, 3}, {3600, 7400.5, std::nullopt}};
  p.chargingSchedule.minChargingRate = 1400.0;
  return p;
}

}  // namespace

TEST_CASE("round trip: station -> central system messages") {
  check_round_trip(AuthorizeReq{"04E91C5A"});
  check_round_trip(AuthorizeConf{id_tag_info()});
  check_round_trip(BootNotificationReq{"VendorX", "ModelY", CiString<25>("SN-1"), CiString<25>("BOX-1"),
                                       CiString<50>("1.2.3"), CiString<20>("8931"), CiString<20>("2620"),
                                       CiString<25>("meterT"), CiString<25>("meterS")});
  BootNotificationReq minimal_boot;
  minimal_boot.chargePointVendor = "VendorX";
  minimal_boot.chargePointModel = "ModelY";
  check_round_trip(minimal_boot);
  check_round_trip(BootNotificationConf{RegistrationStatus::Pending, at("2024-05-01T10:00:00Z"), 300});
  check_round_trip(DataTransferReq{"com.vendor", CiString<50>("msg"), std::string(R"({"a":1})")});
  check_round_trip(DataTransferConf{DataTransferStatus::UnknownMessageId, std::string("reply")});
  check_round_trip(DiagnosticsStatusNotificationReq{DiagnosticsStatus::UploadFailed});
  check_round_trip(DiagnosticsStatusNotificationConf{});
  check_round_trip(FirmwareStatusNotificationReq{FirmwareStatus::InstallationFailed});
  check_round_trip(FirmwareStatusNotificationConf{});
  check_round_trip(HeartbeatReq{});
  check_round_trip(HeartbeatConf{at("2024-05-01T10:00:00.999Z")});
  check_round_trip(MeterValuesReq{2, 17, {meter_value(), meter_value()}});
  check_round_trip(MeterValuesConf{});
  check_round_trip(StartTransactionReq{1, "TAG", 5'000'000'000LL, 3, at("2024-05-01T10:00:00Z")});
  check_round_trip(StartTransactionConf{id_tag_info(), 2'000'000'000});
  check_round_trip(StatusNotificationReq{1, ChargePointErrorCode::EVCommunicationError, CiString<50>("info"),
                                         ChargePointStatus::SuspendedEVSE, at("2024-05-01T10:00:00Z"),
                                         CiString<255>("vendor"), CiString<50>("E42")});
  check_round_trip(StatusNotificationConf{});
  check_round_trip(StopTransactionReq{CiString<20>("TAG"), 5'000'012'345LL, at("2024-05-01T12:00:00Z"), 17,
                                      Reason::DeAuthorized, std::vector<MeterValue>{meter_value()}});
  check_round_trip(StopTransactionConf{id_tag_info()});
  check_round_trip(StopTransactionConf{});
}

TEST_CASE("round trip: central system -> station messages") {
  check_round_trip(CancelReservationReq{5});
  check_round_trip(CancelReservationConf{CancelReservationStatus::Accepted});
  check_round_trip(ChangeAvailabilityReq{0, AvailabilityType::Inoperative});
  check_round_trip(ChangeAvailabilityConf{AvailabilityStatus::Scheduled});
  check_round_trip(ChangeConfigurationReq{"HeartbeatInterval", "300"});
  check_round_trip(ChangeConfigurationConf{ConfigurationStatus::RebootRequired});
  check_round_trip(ClearCacheReq{});
  check_round_trip(ClearCacheConf{ClearCacheStatus::Accepted});
  check_round_trip(ClearChargingProfileReq{7, 1, ChargingProfilePurposeType::TxDefaultProfile, 2});
  check_round_trip(ClearChargingProfileReq{});
  check_round_trip(ClearChargingProfileConf{ClearChargingProfileStatus::Unknown});
  check_round_trip(GetCompositeScheduleReq{1, 3600, ChargingRateUnitType::A});
  check_round_trip(GetCompositeScheduleConf{GetCompositeScheduleStatus::Accepted, 1, at("2024-01-01T00:00:00Z"),
                                            charging_profile().chargingSchedule});
  check_round_trip(GetConfigurationReq{std::vector<CiString<50>>{"HeartbeatInterval", "MeterValueSampleInterval"}});
  check_round_trip(GetConfigurationReq{});
  check_round_trip(GetConfigurationConf{std::vector<KeyValue>{{"HeartbeatInterval", false, CiString<500>("300")},
                                                              {"NumberOfConnectors", true, std::nullopt}},
                                        std::vector<CiString<50>>{"Nope"}});
  check_round_trip(GetDiagnosticsReq{"ftp://user:pw@example.com/diag", 3, 60, at("2024-01-01T00:00:00Z"),
                                     at("2024-01-02T00:00:00Z")});
  check_round_trip(GetDiagnosticsConf{CiString<255>("diag.zip")});
  check_round_trip(GetLocalListVersionReq{});
  check_round_trip(GetLocalListVersionConf{-1});
  check_round_trip(RemoteStartTransactionReq{1, "TAG", charging_profile()});
  check_round_trip(RemoteStartTransactionConf{RemoteStartStopStatus::Accepted});
  check_round_trip(RemoteStopTransactionReq{17});
  check_round_trip(RemoteStopTransactionConf{RemoteStartStopStatus::Rejected});
  check_round_trip(ReserveNowReq{1, at("2024-01-01T01:00:00Z"), "TAG", CiString<20>("PARENT"), 9});
  check_round_trip(ReserveNowConf{ReservationStatus::Occupied});
  check_round_trip(ResetReq{ResetType::Hard});
  check_round_trip(ResetConf{ResetStatus::Accepted});
  check_round_trip(SendLocalListReq{3, std::vector<AuthorizationData>{{"A", id_tag_info()}, {"B", std::nullopt}},
                                    UpdateType::Differential});
  check_round_trip(SendLocalListConf{UpdateStatus::VersionMismatch});
  check_round_trip(SetChargingProfileReq{1, charging_profile()});
  check_round_trip(SetChargingProfileConf{ChargingProfileStatus::NotSupported});
  check_round_trip(TriggerMessageReq{MessageTrigger::StatusNotification, 2});
  check_round_trip(TriggerMessageConf{TriggerMessageStatus::NotImplemented});
  check_round_trip(UnlockConnectorReq{1});
  check_round_trip(UnlockConnectorConf{UnlockStatus::UnlockFailed});
  check_round_trip(UpdateFirmwareReq{"https://example.com/fw.bin", 2, at("2024-01-01T00:00:00Z"), 30});
  check_round_trip(UpdateFirmwareConf{});
}

TEST_CASE("to_json omits absent optionals and writes OCPP spellings") {
  StatusNotificationReq status;
  status.connectorId = 1;
  status.errorCode = ChargePointErrorCode::NoError;
  status.status = ChargePointStatus::Available;
  json j = status;
  CHECK(j == json{{"connectorId", 1}, {"errorCode", "NoError"}, {"status", "Available"}});

  SampledValue sv{"10",
                  ReadingContext::Transaction_Begin,
                  std::nullopt,
                  Measurand::Power_Active_Import,
                  Phase::L3_L1,
                  Location::EV,
                  UnitOfMeasure::kW};
  CHECK(json(sv) == json{{"value", "10"},
                         {"context", "Transaction.Begin"},
                         {"measurand", "Power.Active.Import"},
                         {"phase", "L3-L1"},
                         {"location", "EV"},
                         {"unit", "kW"}});
  CHECK(json(HeartbeatConf{at("2024-05-01T10:00:00Z")}) == json{{"currentTime", "2024-05-01T10:00:00.000Z"}});
  CHECK(json(HeartbeatReq{}) == json::object());
}

TEST_CASE("spec-style examples parse into the expected values") {
  // OCPP-J 1.6 §4.2.1 example
  auto boot = json::parse(R"({"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"})")
                  .get<BootNotificationReq>();
  CHECK(boot.chargePointVendor.str() == "VendorX");
  CHECK(boot.chargePointModel.str() == "SingleSocketCharger");
  CHECK_FALSE(boot.firmwareVersion.has_value());

  // OCPP-J 1.6 §4.2.2 example
  auto conf = json::parse(R"({"status": "Accepted", "currentTime": "2013-02-01T20:53:32.486Z", "interval": 300})")
                  .get<BootNotificationConf>();
  CHECK(conf.status == RegistrationStatus::Accepted);
  CHECK(evp::common::format_datetime(conf.currentTime) == "2013-02-01T20:53:32.486Z");
  CHECK(conf.interval == 300);

  auto mv = json::parse(R"({"connectorId": 1, "transactionId": 1001, "meterValue": [{
      "timestamp": "2024-05-01T10:00:00+02:00",
      "sampledValue": [
        {"value": "4521.7", "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
        {"value": "230.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
        {"value": "55", "measurand": "SoC", "location": "EV", "unit": "Percent"}]}]})")
                .get<MeterValuesReq>();
  REQUIRE(mv.meterValue.size() == 1);
  CHECK(evp::common::format_datetime(mv.meterValue[0].timestamp) == "2024-05-01T08:00:00.000Z");
  REQUIRE(mv.meterValue[0].sampledValue.size() == 3);
  CHECK(mv.meterValue[0].sampledValue[0].measurand == Measurand::Energy_Active_Import_Register);
  CHECK(mv.meterValue[0].sampledValue[1].phase == Phase::L1_N);
  CHECK(mv.meterValue[0].sampledValue[2].unit == UnitOfMeasure::Percent);
  CHECK(mv.transactionId == 1001);

  auto stop = json::parse(R"({"transactionId": 1001, "idTag": "04E91C5A", "meterStop": 4521700,
      "timestamp": "2024-05-01T11:00:00Z", "reason": "EVDisconnected"})")
                  .get<StopTransactionReq>();
  CHECK(stop.reason == Reason::EVDisconnected);
  CHECK(stop.meterStop == 4521700);
}

template <class E>
void check_enum_names() {
  const auto& names = EnumNames<E>::values;
  for (std::size_t i = 0; i < names.size(); ++i) {
    CAPTURE(names[i]);
    CHECK(from_string<E>(names[i]) == static_cast<E>(i));
    CHECK(to_string(static_cast<E>(i)) == names[i]);
  }
  CHECK_FALSE(from_string<E>("").has_value());
}

TEST_CASE("enum spellings map one to one") {
  check_enum_names<AuthorizationStatus>();
  check_enum_names<Measurand>();
  check_enum_names<UnitOfMeasure>();
  check_enum_names<ChargePointErrorCode>();
  check_enum_names<ChargePointStatus>();
  check_enum_names<Reason>();
  check_enum_names<ReadingContext>();
  check_enum_names<Phase>();
  check_enum_names<MessageTrigger>();
  check_enum_names<FirmwareStatus>();
  CHECK(to_string(Measurand::Current_Offered) == "Current.Offered");
  CHECK(to_string(Phase::L2_L3) == "L2-L3");
  CHECK(to_string(UnitOfMeasure::Celsius) == "Celsius");
  CHECK(to_string(ChargePointStatus::SuspendedEV) == "SuspendedEV");
  CHECK(from_string<ChargePointStatus>("available") == std::nullopt);  // case-sensitive, as the schema
}

TEST_CASE("ci_equal compares CiString values case-insensitively") {
  CHECK(ci_equal("04e91c5a", "04E91C5A"));
  CHECK_FALSE(ci_equal("04e91c5a", "04E91C5B"));
  CHECK_FALSE(ci_equal("abc", "abcd"));
  CHECK(CiString<20>("ABC") != CiString<20>("abc"));  // == stays exact; use ci_equal where OCPP says so
}
