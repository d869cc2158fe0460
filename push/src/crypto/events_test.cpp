#include "push/events.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace evp::push;
using namespace evp::push::events;

namespace {
const Station kNamed{"CP-001", "Бишкек Парк"};
const Station kUnnamed{"CP-002", ""};
const char* kSession = "3f1c2a9e-8b7d-4c6e-9a1b-2d3e4f5a6b7c";
Money M(const char* text) { return Money::from_db(text); }
}  // namespace

TEST_CASE("format_kwh rounds Wh half up to hundredths of a kWh") {
  CHECK(format_kwh(12345) == "12.35");
  CHECK(format_kwh(12344) == "12.34");
  CHECK(format_kwh(0) == "0.00");
  CHECK(format_kwh(4) == "0.00");
  CHECK(format_kwh(5) == "0.01");
  CHECK(format_kwh(1000) == "1.00");
  CHECK(format_kwh(99995) == "100.00");
  CHECK(format_kwh(-12345) == "-12.35");
  CHECK(format_kwh(9223372036854775807LL) == "9223372036854775.81");
}

TEST_CASE("charging_started") {
  auto n = charging_started(kSession, kNamed, 2);
  CHECK(n.type == "charging_started");
  CHECK(n.title == "Зарядка началась");
  CHECK(n.body == "Станция Бишкек Парк, коннектор 2");
  CHECK(n.icon == "/icons/charging-start.png");
  CHECK(n.badge == "/logo-96.png");
  CHECK(n.urgency == "normal");
  CHECK(n.topic == "3f1c2a9e8b7d4c6e9a1b2d3e4f5a6b7c");
  auto p = n.payload();
  CHECK(p["data"] ==
        nlohmann::json{
            {"type", "charging_started"}, {"session_id", kSession}, {"station_id", "CP-001"}, {"connector_id", 2}});
  CHECK(p["data"]["connector_id"].is_number_integer());
  CHECK(charging_started(kSession, kUnnamed, 1).body == "Станция CP-002, коннектор 1");
}

TEST_CASE("charging_completed") {
  auto n = charging_completed(kSession, 12345, M("165.05"));
  CHECK(n.title == "Зарядка завершена");
  CHECK(n.body == "12.35 кВт⋅ч за 165.05 сом");
  CHECK(n.icon == "/icons/charging-complete.png");
  CHECK(n.payload()["data"] ==
        nlohmann::json{
            {"type", "charging_completed"}, {"session_id", kSession}, {"energy_kwh", "12.35"}, {"amount", "165.05"}});
  CHECK(charging_completed(kSession, 0, M("0")).body == "0.00 кВт⋅ч за 0.00 сом");
}

TEST_CASE("charging_error") {
  auto n = charging_error(kSession, kNamed, 1, "GroundFailure", "E42");
  CHECK(n.title == "Ошибка зарядки");
  CHECK(n.body == "Станция Бишкек Парк, коннектор 1: GroundFailure");
  CHECK(n.icon == "/logo-192.png");
  CHECK(n.urgency == "high");
  CHECK(n.topic.empty());
  CHECK(n.payload()["data"] == nlohmann::json{{"type", "charging_error"},
                                              {"session_id", kSession},
                                              {"station_id", "CP-001"},
                                              {"connector_id", 1},
                                              {"error_code", "GroundFailure"},
                                              {"vendor_error_code", "E42"}});
  CHECK(charging_error(kSession, kUnnamed, 3, "OverVoltage", "").body == "Станция CP-002, коннектор 3: OverVoltage");
}

TEST_CASE("low_balance_warning") {
  auto n = low_balance_warning(M("34.9"), M("50"));
  CHECK(n.title == "Низкий баланс");
  CHECK(n.body == "Баланс 34.90 сом. Пополните счёт");
  CHECK(n.payload()["data"] ==
        nlohmann::json{{"type", "low_balance_warning"}, {"balance", "34.90"}, {"threshold", "50.00"}});
  CHECK(low_balance_warning(M("-12.5"), M("50.00")).body == "Баланс -12.50 сом. Пополните счёт");
}

TEST_CASE("payment_confirmed") {
  auto n = payment_confirmed("pay_777", M("500"), M("534.9"));
  CHECK(n.title == "Баланс пополнен");
  CHECK(n.body == "+500.00 сом, баланс 534.90 сом");
  CHECK(n.payload()["data"] ==
        nlohmann::json{
            {"type", "payment_confirmed"}, {"payment_id", "pay_777"}, {"amount", "500.00"}, {"new_balance", "534.90"}});
}

TEST_CASE("new_session") {
  auto n = new_session(kSession, kNamed, 1);
  CHECK(n.title == "Новая зарядка");
  CHECK(n.body == "Станция Бишкек Парк, коннектор 1");
  CHECK(n.icon == "/icons/session-new.png");
  CHECK(n.payload()["data"] ==
        nlohmann::json{{"type", "new_session"}, {"session_id", kSession}, {"station_id", "CP-001"}});
}

TEST_CASE("session_completed") {
  auto n = session_completed(kSession, kNamed, 12345, M("165.05"));
  CHECK(n.title == "Сессия завершена");
  CHECK(n.body == "12.35 кВт⋅ч, доход 165.05 сом");
  CHECK(n.payload()["data"] == nlohmann::json{{"type", "session_completed"},
                                              {"session_id", kSession},
                                              {"station_id", "CP-001"},
                                              {"energy_kwh", "12.35"},
                                              {"amount", "165.05"}});
}

TEST_CASE("station_offline shows Bishkek local time and UTC data") {
  auto t = evp::common::parse_datetime("2026-11-26T21:52:49.123Z").value();
  auto n = station_offline(kNamed, t);
  CHECK(n.title == "Станция не в сети");
  CHECK(n.body == "Станция Бишкек Парк не выходит на связь с 27.11.2026 03:52");
  CHECK(n.urgency == "high");
  CHECK(n.payload()["data"] == nlohmann::json{{"type", "station_offline"},
                                              {"station_id", "CP-001"},
                                              {"last_seen", "2026-11-26T21:52:49.123Z"}});
  CHECK(station_offline(kUnnamed, t, std::chrono::minutes{0}).body ==
        "Станция CP-002 не выходит на связь с 26.11.2026 21:52");
}

TEST_CASE("test notification") {
  auto p = test().payload();
  CHECK(p["title"] == "Тестовое уведомление");
  CHECK(p["body"] == "Push-уведомления EvPower работают");
  CHECK(p["icon"] == "/logo-192.png");
  CHECK(p["data"] == nlohmann::json{{"type", "test"}});
}
