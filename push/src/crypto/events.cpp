#include "push/events.hpp"

#include <cstdio>
#include <stdexcept>

namespace evp::push::events {
namespace {

constexpr const char* kChargingStartIcon = "/icons/charging-start.png";
constexpr const char* kChargingCompleteIcon = "/icons/charging-complete.png";
constexpr const char* kSessionNewIcon = "/icons/session-new.png";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Topic (RFC 8030 §5.4) is at most 32 base64url characters. A UUID without its hyphens is
// exactly 32 hex digits, so every notification of one session shares a topic and a newer
// one replaces an undelivered older one at the push service (started -> completed).
std::string session_topic(std::string_view session_id) {
  std::string t;
  for (char c : session_id) {
    if (c == '-') continue;
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!ok) return {};
    t += c;
  }
  return t.size() <= 32 ? t : std::string{};
}

std::string two_digits(int v) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

}  // namespace

std::string format_kwh(std::int64_t wh) {
  bool negative = wh < 0;
  // Work on the magnitude in unsigned arithmetic so INT64_MIN cannot overflow.
  std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(wh) : static_cast<std::uint64_t>(wh);
  std::uint64_t hundredths = (mag + 5) / 10;  // Wh/10 = hundredths of a kWh, half up
  std::string out = std::to_string(hundredths / 100) + "." + two_digits(static_cast<int>(hundredths % 100));
  return negative && hundredths != 0 ? "-" + out : out;
}

Notification charging_started(std::string_view session_id, const Station& station, int connector_id) {
  Notification n;
  n.type = "charging_started";
  n.title = "Зарядка началась";
  n.body = "Станция " + station.label() + ", коннектор " + std::to_string(connector_id);
  n.icon = kChargingStartIcon;
  n.data = {{"session_id", session_id}, {"station_id", station.id}, {"connector_id", connector_id}};
  n.topic = session_topic(session_id);
  return n;
}

Notification charging_completed(std::string_view session_id, std::int64_t energy_wh, Money amount) {
  Notification n;
  n.type = "charging_completed";
  n.title = "Зарядка завершена";
  std::string kwh = format_kwh(energy_wh), money = amount.str();
  n.body = kwh + " кВт⋅ч за " + money + " сом";
  n.icon = kChargingCompleteIcon;
  n.data = {{"session_id", session_id}, {"energy_kwh", kwh}, {"amount", money}};
  n.topic = session_topic(session_id);
  return n;
}

Notification charging_error(std::string_view session_id, const Station& station, int connector_id,
                            std::string_view error_code, std::string_view vendor_error_code) {
  Notification n;
  n.type = "charging_error";
  n.title = "Ошибка зарядки";
  n.body =
      "Станция " + station.label() + ", коннектор " + std::to_string(connector_id) + ": " + std::string(error_code);
  n.data = {{"session_id", session_id},
            {"station_id", station.id},
            {"connector_id", connector_id},
            {"error_code", error_code},
            {"vendor_error_code", vendor_error_code}};
  // No topic: an error must not be replaced by (or replace) another message of the session.
  n.urgency = "high";
  return n;
}

Notification low_balance_warning(Money balance, Money threshold) {
  Notification n;
  n.type = "low_balance_warning";
  n.title = "Низкий баланс";
  std::string b = balance.str();
  n.body = "Баланс " + b + " сом. Пополните счёт";
  n.data = {{"balance", b}, {"threshold", threshold.str()}};
  n.topic = "low-balance";  // only the newest balance matters
  return n;
}

Notification payment_confirmed(std::string_view payment_id, Money amount, Money new_balance) {
  Notification n;
  n.type = "payment_confirmed";
  n.title = "Баланс пополнен";
  std::string a = amount.str(), b = new_balance.str();
  n.body = "+" + a + " сом, баланс " + b + " сом";
  n.data = {{"payment_id", payment_id}, {"amount", a}, {"new_balance", b}};
  return n;
}

Notification new_session(std::string_view session_id, const Station& station, int connector_id) {
  Notification n;
  n.type = "new_session";
  n.title = "Новая зарядка";
  n.body = "Станция " + station.label() + ", коннектор " + std::to_string(connector_id);
  n.icon = kSessionNewIcon;
  n.data = {{"session_id", session_id}, {"station_id", station.id}};
  n.topic = session_topic(session_id);
  return n;
}

Notification session_completed(std::string_view session_id, const Station& station, std::int64_t energy_wh,
                               Money amount) {
  Notification n;
  n.type = "session_completed";
  n.title = "Сессия завершена";
  std::string kwh = format_kwh(energy_wh), money = amount.str();
  n.body = kwh + " кВт⋅ч, доход " + money + " сом";
  n.data = {{"session_id", session_id}, {"station_id", station.id}, {"energy_kwh", kwh}, {"amount", money}};
  n.topic = session_topic(session_id);
  return n;
}

Notification station_offline(const Station& station, common::TimePoint last_seen, std::chrono::minutes utc_offset) {
  using namespace std::chrono;
  auto local = floor<minutes>(last_seen) + utc_offset;
  auto day = floor<days>(local);
  year_month_day ymd{day};
  hh_mm_ss hms{local - day};
  char when[32];
  std::snprintf(when, sizeof when, "%02u.%02u.%04d %02d:%02d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()));
  Notification n;
  n.type = "station_offline";
  n.title = "Станция не в сети";
  n.body = "Станция " + station.label() + " не выходит на связь с " + when;
  n.data = {{"station_id", station.id}, {"last_seen", common::format_datetime(last_seen)}};
  n.urgency = "high";
  return n;
}

Notification test() {
  Notification n;
  n.type = "test";
  n.title = "Тестовое уведомление";
  n.body = "Push-уведомления EvPower работают";
  return n;
}

}  // namespace evp::push::events
