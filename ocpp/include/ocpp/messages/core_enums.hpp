#pragma once
/// Enumerations of the OCPP 1.6 Core profile (wire spellings in EnumNames, see types.hpp).
#include "ocpp/types.hpp"

namespace evp::ocpp {

enum class AuthorizationStatus { Accepted, Blocked, Expired, Invalid, ConcurrentTx };
template <>
struct EnumNames<AuthorizationStatus> {
  static constexpr std::string_view type = "AuthorizationStatus";
  static constexpr auto values = enum_names("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx");
};

enum class RegistrationStatus { Accepted, Pending, Rejected };
template <>
struct EnumNames<RegistrationStatus> {
  static constexpr std::string_view type = "RegistrationStatus";
  static constexpr auto values = enum_names("Accepted", "Pending", "Rejected");
};

enum class DataTransferStatus { Accepted, Rejected, UnknownMessageId, UnknownVendorId };
template <>
struct EnumNames<DataTransferStatus> {
  static constexpr std::string_view type = "DataTransferStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId");
};

enum class ReadingContext {
  Interruption_Begin,
  Interruption_End,
  Sample_Clock,
  Sample_Periodic,
  Transaction_Begin,
  Transaction_End,
  Trigger,
  Other
};
template <>
struct EnumNames<ReadingContext> {
  static constexpr std::string_view type = "ReadingContext";
  static constexpr auto values = enum_names("Interruption.Begin", "Interruption.End", "Sample.Clock", "Sample.Periodic",
                                            "Transaction.Begin", "Transaction.End", "Trigger", "Other");
};

enum class ValueFormat { Raw, SignedData };
template <>
struct EnumNames<ValueFormat> {
  static constexpr std::string_view type = "ValueFormat";
  static constexpr auto values = enum_names("Raw", "SignedData");
};

enum class Measurand {
  Energy_Active_Export_Register,
  Energy_Active_Import_Register,
  Energy_Reactive_Export_Register,
  Energy_Reactive_Import_Register,
  Energy_Active_Export_Interval,
  Energy_Active_Import_Interval,
  Energy_Reactive_Export_Interval,
  Energy_Reactive_Import_Interval,
  Power_Active_Export,
  Power_Active_Import,
  Power_Offered,
  Power_Reactive_Export,
  Power_Reactive_Import,
  Power_Factor,
  Current_Import,
  Current_Export,
  Current_Offered,
  Voltage,
  Frequency,
  Temperature,
  SoC,
  RPM
};
template <>
struct EnumNames<Measurand> {
  static constexpr std::string_view type = "Measurand";
  static constexpr auto values = enum_names(
      "Energy.Active.Export.Register", "Energy.Active.Import.Register", "Energy.Reactive.Export.Register",
      "Energy.Reactive.Import.Register", "Energy.Active.Export.Interval", "Energy.Active.Import.Interval",
      "Energy.Reactive.Export.Interval", "Energy.Reactive.Import.Interval", "Power.Active.Export",
      "Power.Active.Import", "Power.Offered", "Power.Reactive.Export", "Power.Reactive.Import", "Power.Factor",
      "Current.Import", "Current.Export", "Current.Offered", "Voltage", "Frequency", "Temperature", "SoC", "RPM");
};

enum class Phase { L1, L2, L3, N, L1_N, L2_N, L3_N, L1_L2, L2_L3, L3_L1 };
template <>
struct EnumNames<Phase> {
  static constexpr std::string_view type = "Phase";
  static constexpr auto values = enum_names("L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1");
};

enum class Location { Cable, EV, Inlet, Outlet, Body };
template <>
struct EnumNames<Location> {
  static constexpr std::string_view type = "Location";
  static constexpr auto values = enum_names("Cable", "EV", "Inlet", "Outlet", "Body");
};

/// Includes the spec's misspelt "Celcius" (in the official schema) as well as "Celsius".
enum class UnitOfMeasure {
  Wh,
  kWh,
  varh,
  kvarh,
  W,
  kW,
  VA,
  kVA,
  var,
  kvar,
  A,
  V,
  K,
  Celcius,
  Celsius,
  Fahrenheit,
  Percent
};
template <>
struct EnumNames<UnitOfMeasure> {
  static constexpr std::string_view type = "UnitOfMeasure";
  static constexpr auto values = enum_names("Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A",
                                            "V", "K", "Celcius", "Celsius", "Fahrenheit", "Percent");
};

enum class ChargePointErrorCode {
  ConnectorLockFailure,
  EVCommunicationError,
  GroundFailure,
  HighTemperature,
  InternalError,
  LocalListConflict,
  NoError,
  OtherError,
  OverCurrentFailure,
  PowerMeterFailure,
  PowerSwitchFailure,
  ReaderFailure,
  ResetFailure,
  UnderVoltage,
  OverVoltage,
  WeakSignal
};
template <>
struct EnumNames<ChargePointErrorCode> {
  static constexpr std::string_view type = "ChargePointErrorCode";
  static constexpr auto values =
      enum_names("ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError",
                 "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure", "PowerMeterFailure",
                 "PowerSwitchFailure", "ReaderFailure", "ResetFailure", "UnderVoltage", "OverVoltage", "WeakSignal");
};

enum class ChargePointStatus {
  Available,
  Preparing,
  Charging,
  SuspendedEVSE,
  SuspendedEV,
  Finishing,
  Reserved,
  Unavailable,
  Faulted
};
template <>
struct EnumNames<ChargePointStatus> {
  static constexpr std::string_view type = "ChargePointStatus";
  static constexpr auto values = enum_names("Available", "Preparing", "Charging", "SuspendedEVSE", "SuspendedEV",
                                            "Finishing", "Reserved", "Unavailable", "Faulted");
};

enum class Reason {
  EmergencyStop,
  EVDisconnected,
  HardReset,
  Local,
  Other,
  PowerLoss,
  Reboot,
  Remote,
  SoftReset,
  UnlockCommand,
  DeAuthorized
};
template <>
struct EnumNames<Reason> {
  static constexpr std::string_view type = "Reason";
  static constexpr auto values =
      enum_names("EmergencyStop", "EVDisconnected", "HardReset", "Local", "Other", "PowerLoss", "Reboot", "Remote",
                 "SoftReset", "UnlockCommand", "DeAuthorized");
};

enum class AvailabilityType { Inoperative, Operative };
template <>
struct EnumNames<AvailabilityType> {
  static constexpr std::string_view type = "AvailabilityType";
  static constexpr auto values = enum_names("Inoperative", "Operative");
};

enum class AvailabilityStatus { Accepted, Rejected, Scheduled };
template <>
struct EnumNames<AvailabilityStatus> {
  static constexpr std::string_view type = "AvailabilityStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected", "Scheduled");
};

enum class ConfigurationStatus { Accepted, Rejected, RebootRequired, NotSupported };
template <>
struct EnumNames<ConfigurationStatus> {
  static constexpr std::string_view type = "ConfigurationStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected", "RebootRequired", "NotSupported");
};

enum class ClearCacheStatus { Accepted, Rejected };
template <>
struct EnumNames<ClearCacheStatus> {
  static constexpr std::string_view type = "ClearCacheStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected");
};

enum class RemoteStartStopStatus { Accepted, Rejected };
template <>
struct EnumNames<RemoteStartStopStatus> {
  static constexpr std::string_view type = "RemoteStartStopStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected");
};

enum class ResetType { Hard, Soft };
template <>
struct EnumNames<ResetType> {
  static constexpr std::string_view type = "ResetType";
  static constexpr auto values = enum_names("Hard", "Soft");
};

enum class ResetStatus { Accepted, Rejected };
template <>
struct EnumNames<ResetStatus> {
  static constexpr std::string_view type = "ResetStatus";
  static constexpr auto values = enum_names("Accepted", "Rejected");
};

enum class UnlockStatus { Unlocked, UnlockFailed, NotSupported };
template <>
struct EnumNames<UnlockStatus> {
  static constexpr std::string_view type = "UnlockStatus";
  static constexpr auto values = enum_names("Unlocked", "UnlockFailed", "NotSupported");
};

}  // namespace evp::ocpp
