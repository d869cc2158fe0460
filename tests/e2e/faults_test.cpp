// Faults, injected for real: the server killed with SIGKILL in the middle of a storm of
// transactions, PostgreSQL restarted under load, the push service killed mid-batch and a
// push service that answers slowly or with garbage. Each against the real server, a real
// PostgreSQL, simulated stations and the push receiver; afterwards the database and the
// receiver are compared with what the stations were told.
//
// The stations behave as OCPP 1.6 asks of transaction-related messages: a StartTransaction
// or StopTransaction without an answer (the connection dropped, a CALLERROR) is sent again,
// unchanged, once the station is connected again, until it is answered.
#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "common/time.hpp"
#include "driver_steps.hpp"
#include "stack.hpp"
#include "station.hpp"

using namespace evp::e2e;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(use_tuple);
}

// What the stations were told (acknowledged). Touched only on the test loop.
struct Ledger {
  std::vector<std::int64_t> started, stopped;  // transaction ids
  std::map<std::int64_t, std::string> tag_of;  // transaction id -> id tag
  std::uint64_t resent = 0;                    // transaction messages sent again
  std::uint64_t call_errors = 0;               // CALLERRORs to transaction messages
  std::string broken;                          // a station gave up: why
};

// Stations running StartTransaction/StopTransaction pairs as fast as they are answered,
// each on its own connector 1 with its own driver's card.
class Storm {
 public:
  Storm(Stack& s, int stations, const std::string& owner) : s_(s) {
    const auto location = s.add_location(owner, "Storm");
    for (int i = 0; i < stations; ++i) {
      const std::string id = "STORM-" + std::to_string(i + 1);
      s.add_station(id, "Storm " + std::to_string(i + 1), "10.00", location);
      const auto driver = s.add_client("Storm driver " + std::to_string(i + 1), "0.00");
      s.db().exec("UPDATE clients SET balance = 1000000 WHERE id = " + sql_quote(driver));
      const std::string tag = "STORM-CARD-" + std::to_string(i + 1);
      s.db().exec("INSERT INTO id_tags (id_tag, client_id) VALUES (" + sql_quote(tag) + ", " + sql_quote(driver) + ")");
      drivers_.push_back(driver);
      tags_.push_back(tag);
      ids_.push_back(id);
    }
  }

  ~Storm() {
    stop();
    wait_finished(30s);
    s_.loop().run([this]() -> asio::awaitable<void> {
      for (auto& cp : cps_)
        if (cp->connected()) co_await cp->close();
      cps_.clear();
    }());
  }

  const std::vector<std::string>& drivers() const { return drivers_; }

  /// Connects and boots every station, then starts their loops.
  void start() {
    s_.loop().run([this]() -> asio::awaitable<void> {
      for (std::size_t i = 0; i < ids_.size(); ++i) {
        auto o = station_options(s_, ids_[i]);
        o.call_timeout = 5s;
        o.connect_timeout = 2s;
        o.auto_meter_values = false;
        cps_.push_back(std::make_unique<evp::sim::ChargePoint>(s_.loop().executor(), o));
        co_await cps_.back()->connect();
        co_await cps_.back()->boot();
        co_await cps_.back()->status(1, "Available");
      }
      for (std::size_t i = 0; i < cps_.size(); ++i) {
        ++running_;
        asio::co_spawn(s_.loop().executor(), station(*cps_[i], tags_[i]), asio::detached);
      }
    }());
  }

  /// No new pairs; what is in flight is still sent until answered.
  void stop() {
    s_.loop().run([this]() -> asio::awaitable<void> {
      stopping_ = true;
      co_return;
    }());
  }

  bool wait_finished(std::chrono::milliseconds limit) {
    return wait_until([&] { return snapshot().second == 0; }, limit);
  }

  std::pair<Ledger, int> snapshot() {
    return s_.loop().run([this]() -> asio::awaitable<std::pair<Ledger, int>> {
      co_return std::pair{ledger_, running_};
    }());
  }

  std::size_t pairs_done() { return snapshot().first.stopped.size(); }

 private:
  asio::awaitable<void> station(evp::sim::ChargePoint& cp, std::string tag) {
    std::int64_t meter = 0;
    std::optional<std::int64_t> running;
    std::optional<std::pair<std::string, Json>> pending;  // sent, not answered yet
    int tries = 0;
    std::chrono::milliseconds wait{0};
    while (true) {
      if (!pending) {
        if (stopping_) break;
        const std::string now = evp::common::format_datetime(evp::common::now());
        if (!running) {
          pending = {"StartTransaction",
                     Json{{"connectorId", 1}, {"idTag", tag}, {"meterStart", meter}, {"timestamp", now}}};
        } else {
          meter += 1000;  // 1 kWh per pair: 10.00 at the station's price
          pending = {"StopTransaction",
                     Json{{"transactionId", *running}, {"meterStop", meter}, {"timestamp", now}, {"reason", "Local"}}};
        }
        tries = 0;
      }
      if (!cp.connected()) {
        bool connected = false;
        try {
          co_await cp.connect();  // no BootNotification: the station did not restart
          connected = true;
        } catch (const std::exception&) {
        }
        if (!connected) {
          co_await pause(100ms);
          continue;
        }
      }
      const std::string action = pending->first;
      const Json payload = pending->second;
      try {
        ++tries;
        if (tries > 1) ++ledger_.resent;
        Json answer = co_await cp.call(action, payload);
        if (action == "StartTransaction") {
          const auto id = answer.at("transactionId").get<std::int64_t>();
          if (answer.at("idTagInfo").value("status", "") != "Accepted") {
            ledger_.broken = "StartTransaction answered " + answer.dump();
            break;
          }
          running = id;
          ledger_.started.push_back(id);
          ledger_.tag_of[id] = tag;
        } else {
          ledger_.stopped.push_back(*running);
          running.reset();
        }
        pending.reset();
      } catch (const evp::sim::CallErrorReply& e) {
        ++ledger_.call_errors;  // e.g. InternalError while the database is away: send again
        wait = 200ms;
      } catch (const std::exception&) {
        wait = 50ms;  // no answer (connection gone): send again once connected
      }
      if (wait.count() > 0) {
        co_await pause(wait);
        wait = 0ms;
      }
      if (tries > 400) {
        ledger_.broken = action + " never answered after 400 tries";
        break;
      }
    }
    --running_;
  }

  Stack& s_;
  std::vector<std::string> ids_, tags_, drivers_;
  std::vector<std::unique_ptr<evp::sim::ChargePoint>> cps_;
  Ledger ledger_;
  bool stopping_ = false;
  int running_ = 0;
};

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out.empty() ? "NULL" : out;
}

// The database agrees with what the stations were told: every acknowledged start has its
// row, every acknowledged stop is charged exactly once, nothing else was created.
void check_sessions(Stack& s, const Ledger& l, const std::vector<std::string>& drivers) {
  INFO("acknowledged: ", l.started.size(), " starts, ", l.stopped.size(), " stops; ", l.resent,
       " messages sent again; ", l.call_errors, " CALLERRORs");
  REQUIRE(l.broken.empty());
  CHECK(std::set<std::int64_t>(l.started.begin(), l.started.end()).size() == l.started.size());
  CHECK(s.db().scalar("SELECT count(*) FROM transactions WHERE id IN (" + id_list(l.started) + ")") ==
        std::to_string(l.started.size()));
  // No transaction the stations were not told about (a resent StartTransaction is the
  // same transaction, not a second one).
  CHECK(s.db().scalar("SELECT count(*) FROM transactions") == std::to_string(l.started.size()));
  CHECK(s.db().scalar("SELECT count(*) FROM transactions WHERE id IN (" + id_list(l.stopped) +
                      ") AND stop_timestamp IS NOT NULL AND billing = 'charged' AND amount = 10.00") ==
        std::to_string(l.stopped.size()));
  CHECK(s.db().scalar("SELECT count(*) FROM transactions WHERE stop_timestamp IS NOT NULL") ==
        std::to_string(l.stopped.size()));
  CHECK(s.db().scalar("SELECT count(*) FROM balance_ledger WHERE kind = 'session'") ==
        std::to_string(l.stopped.size()));
  // Each driver paid 10.00 per acknowledged stop, and the balance says so.
  std::map<std::string, int> stops_by_tag;
  for (auto id : l.stopped) ++stops_by_tag[l.tag_of.at(id)];
  for (std::size_t i = 0; i < drivers.size(); ++i) {
    const std::string tag = "STORM-CARD-" + std::to_string(i + 1);
    const auto expected = 1000000 - 10 * stops_by_tag[tag];
    CHECK(s.db().scalar("SELECT balance FROM clients WHERE id = " + sql_quote(drivers[i])) ==
          std::to_string(expected) + ".00");
  }
}

struct Delivery {
  std::size_t notifications = 0;  // outbox rows
  std::size_t lost = 0;           // outbox rows the receiver never got
  std::size_t duplicates = 0;     // messages the receiver got more than once
  std::size_t not_sent = 0;       // outbox rows in a final state other than sent
};

// Every notification of a committed event (an outbox row) against what the receiver holds,
// matched on (subscription, event, session).
Delivery check_delivery(Stack& s) {
  const Json rows = Json::parse(s.db().scalar(
      "SELECT coalesce(json_agg(json_build_array(s.endpoint, o.event_type, o.payload->'data'->'session_id', o.state)),"
      " '[]') FROM push_outbox o JOIN push_subscriptions s ON s.id = o.subscription_id"));
  std::map<std::string, int> expected;
  Delivery d;
  for (const auto& r : rows) {
    const std::string endpoint = r[0].get<std::string>();
    const std::string key = endpoint.substr(endpoint.rfind('/') + 1) + " " + r[1].get<std::string>() + " " +
                            (r[2].is_null() ? "-" : r[2].dump());
    ++expected[key];
    ++d.notifications;
    if (r[3] != "sent") ++d.not_sent;
  }
  std::map<std::string, int> got;
  for (const auto& m : s.all_messages()) {
    const Json p = m["json"];
    const Json data = p.is_object() && p.contains("data") ? p["data"] : Json::object();
    const std::string key = m.value("subscription", "") + " " + data.value("type", "?") + " " +
                            (data.contains("session_id") ? data["session_id"].dump() : "-");
    ++got[key];
  }
  for (const auto& [key, n] : expected) {
    const int received = got.count(key) ? got[key] : 0;
    if (received < n) d.lost += static_cast<std::size_t>(n - received);
    if (received > n) d.duplicates += static_cast<std::size_t>(received - n);
  }
  return d;
}

std::string metric(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return "?";
  const auto start = at + name.size() + 2;
  return metrics.substr(start, metrics.find('\n', start) - start);
}

// Drivers and the owner subscribed from their browsers.
std::string subscribe_all(Stack& s, const Storm& storm, const std::string& owner) {
  for (const auto& d : storm.drivers()) REQUIRE(s.subscribe(s.token(d), s.new_subscription()).status == 201);
  REQUIRE(s.subscribe(s.token(owner), s.new_subscription(), "owner").status == 201);
  return owner;
}

StackOptions storm_options() {
  StackOptions o;
  o.log_level = "info";
  o.receiver_args = {"--keep-messages", "1000000", "--quiet"};
  return o;
}

}  // namespace

TEST_CASE("SIGKILL during a storm of transactions: nothing acknowledged lost, charged once, pushes all delivered") {
  Stack s(storm_options());
  INFO(s.logs());
  const auto owner = s.add_owner("Storm owner");
  Storm storm(s, 20, owner);
  subscribe_all(s, storm, owner);
  storm.start();

  // Storm until the outbox is busy, then crash the server in the middle of it.
  REQUIRE(wait_until([&] { return storm.pairs_done() >= 300; }, 120s));
  const auto pairs_before = storm.pairs_done();
  REQUIRE(s.kill_server() == 128 + SIGKILL);
  const std::string killed_at = s.db().scalar("SELECT now()");
  const std::string unsent_at_kill =
      s.db().scalar("SELECT count(*) FROM push_outbox WHERE state IN ('pending', 'sending')");
  storm.stop();  // the stations keep what they had in flight and send it after the restart
  std::this_thread::sleep_for(1s);
  const std::string restarted_at = s.db().scalar("SELECT now()");  // the supervisor starts it again
  s.restart_server();

  REQUIRE(storm.wait_finished(120s));
  REQUIRE(wait_until([&] { return s.outbox_settled(); }, 120s));
  const auto [ledger, running] = storm.snapshot();
  check_sessions(s, ledger, storm.drivers());

  const auto d = check_delivery(s);
  const std::string last_old_delivery = s.db().scalar(
      "SELECT coalesce(round(extract(epoch from max(sent_at) - " + sql_quote(restarted_at) +
      "::timestamptz) * 1000), 0) FROM push_outbox WHERE created_at < " + sql_quote(killed_at) + "::timestamptz");
  const auto m = s.metrics();
  MESSAGE("kill -9 storm: ", pairs_before, " pairs before the kill, ", ledger.stopped.size(), " in all; ",
          d.notifications, " notifications, ", unsent_at_kill, " unsent at the kill; lost ", d.lost, ", duplicates ",
          d.duplicates, "; last notification of before the kill delivered ", last_old_delivery,
          " ms after the restart; reclaimed at start ", metric(m, "evp_push_reclaimed_total"), "; messages resent ",
          ledger.resent);
  // charging_started + new_session per start, charging_completed + session_completed per stop
  CHECK(d.notifications == 2 * ledger.started.size() + 2 * ledger.stopped.size());
  CHECK(d.not_sent == 0);
  CHECK(d.lost == 0);
  CHECK(d.duplicates <= 50);
}

TEST_CASE("PostgreSQL restarted under load: the server recovers by itself and loses nothing acknowledged") {
  const char* pg_data = std::getenv("EVP_TEST_PG_DATA");
  REQUIRE_MESSAGE(pg_data != nullptr,
                  "EVP_TEST_PG_DATA must name the data folder of the test cluster (scripts/test sets it)");
  Stack s(storm_options());
  INFO(s.logs());
  const auto owner = s.add_owner("Storm owner");
  Storm storm(s, 10, owner);
  subscribe_all(s, storm, owner);
  storm.start();
  REQUIRE(wait_until([&] { return storm.pairs_done() >= 100; }, 120s));

  // A real restart: every connection is cut, and for a while nothing can connect.
  const std::string script = std::string(EVP_E2E_SOURCE_DIR) + "/scripts/pg";
  REQUIRE(std::system((script + " stop " + pg_data).c_str()) == 0);
  std::this_thread::sleep_for(3s);
  const auto during = storm.pairs_done();
  REQUIRE(std::system((script + " restart " + pg_data).c_str()) == 0);

  // Without a restart of the server, transactions go through again...
  REQUIRE(wait_until([&] { return storm.pairs_done() >= during + 100; }, 120s));
  storm.stop();
  REQUIRE(storm.wait_finished(120s));
  // ...and so do the REST API and the outbox.
  CHECK(s.get("/api/v1/balance", s.token(storm.drivers()[0])).status == 200);
  REQUIRE(wait_until([&] { return s.outbox_settled(); }, 120s));
  const auto [ledger, running] = storm.snapshot();
  check_sessions(s, ledger, storm.drivers());
  const auto d = check_delivery(s);
  MESSAGE("PostgreSQL restart: ", ledger.stopped.size(), " pairs, ", ledger.call_errors,
          " CALLERRORs during the outage, ", ledger.resent, " messages resent; ", d.notifications,
          " notifications, lost ", d.lost, ", duplicates ", d.duplicates);
  CHECK(ledger.call_errors + ledger.resent > 0);  // the outage was felt
  CHECK(d.notifications == 2 * ledger.started.size() + 2 * ledger.stopped.size());
  CHECK(d.not_sent == 0);
  CHECK(d.lost == 0);
}

TEST_CASE("the push service killed mid-batch: every notification arrives once it is back") {
  Stack s(storm_options());
  INFO(s.logs());
  const auto owner = s.add_owner("Storm owner");
  Storm storm(s, 10, owner);
  subscribe_all(s, storm, owner);
  storm.start();
  REQUIRE(wait_until([&] { return storm.pairs_done() >= 100; }, 120s));
  s.kill_receiver();  // in the middle of requests: streams cut, connections refused
  REQUIRE(wait_until([&] { return storm.pairs_done() >= 200; }, 120s));
  storm.stop();
  REQUIRE(storm.wait_finished(120s));
  s.restart_receiver();
  // The retries' backoff (PUSH_RETRY_BASE_DELAY) decides when they go; the test only waits.
  REQUIRE(wait_until([&] { return s.outbox_settled(); }, 180s));
  const auto [ledger, running] = storm.snapshot();
  const auto d = check_delivery(s);
  MESSAGE("receiver killed: ", d.notifications, " notifications, lost ", d.lost, ", duplicates ", d.duplicates,
          ", retried ", metric(s.metrics(), "evp_push_retried_total"));
  CHECK(std::stoll(metric(s.metrics(), "evp_push_retried_total")) > 0);
  CHECK(d.notifications == 2 * ledger.started.size() + 2 * ledger.stopped.size());
  CHECK(d.not_sent == 0);
  CHECK(d.lost == 0);
}

TEST_CASE("a push service that answers with NUL bytes, invalid UTF-8 and an absurd Retry-After wedges nothing") {
  StackOptions o;
  o.log_level = "info";
  o.env = {{"PUSH_LEASE_MS", "1500"}};  // shorter than one slow answer below
  Stack s(o);
  INFO(s.logs());
  const auto driver = s.add_client("Driver");
  const auto token = s.token(driver);
  std::vector<Json> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(s.new_subscription());
    REQUIRE(s.subscribe(token, subs.back()).status == 201);
  }
  auto outbox = [&](const std::string& where) {
    return s.db().scalar("SELECT count(*) FROM push_outbox WHERE " + where);
  };

  // 429 with a Retry-After beyond any timestamp and a 200 KB body of NUL, invalid UTF-8 and
  // control bytes, to every request: once for each of the three subscriptions' test pushes.
  s.receiver_control({{"throttle", 3},
                      {"retry_after_raw", "99999999999999999999999999999"},
                      {"error_body_hex", "00ff41c328080e2882"},
                      {"error_body_repeat", 25000}});
  REQUIRE(s.post("/api/v1/notifications/test", Json::object(), token).status == 202);
  REQUIRE(wait_until([&] { return outbox("state = 'pending' AND attempts = 1 AND last_status = 429") == "3"; }, 30s));
  // Each outcome was recorded: the text made safe and bounded, the next attempt a day away
  // at most (not an overflow, not now).
  CHECK(outbox("last_error LIKE 'HTTP 429: %' AND octet_length(last_error) <= 512 AND position(chr(65533) in "
               "last_error) > 0") == "3");
  CHECK(outbox("next_attempt_at > now() + interval '23 hours' AND next_attempt_at <= now() + interval '24 hours 1 "
               "minute'") == "3");

  // 500 with the same garbage: retried again, and the rows stay writable.
  s.receiver_control({{"error_rate", 1.0}});
  s.db().exec("UPDATE push_outbox SET next_attempt_at = now()");
  REQUIRE(s.post("/api/v1/notifications/test", Json::object(), token).status == 202);
  REQUIRE(wait_until([&] { return outbox("last_status = 500 AND state = 'pending'") == "6"; }, 30s));
  CHECK(outbox("state = 'sending'") == "0");

  // A slow service: each answer takes longer than the whole lease. The lease is renewed
  // while the requests run, so nobody claims the items a second time.
  s.receiver_control({{"reset", true}});
  s.receiver_control({{"delay_ms", 4000}});
  s.db().exec("UPDATE push_outbox SET next_attempt_at = now()");
  REQUIRE(wait_until([&] { return s.outbox_settled(); }, 60s));
  CHECK(outbox("state = 'sent'") == "6");
  std::size_t received = 0;
  for (const auto& sub : subs) received += s.received(sub).size();
  CHECK(received == 6);  // each exactly once
}

TEST_CASE("SIGKILL right after acknowledged soft state: that state may be lost, nothing durable is") {
  StackOptions o;
  o.log_level = "info";
  o.push = false;
  o.env = {{"OCPP_CONNECTOR_FLUSH_MS", "60000"}};  // the batch would go out in a minute
  Stack s(o);
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  s.add_station("SOFT-1", "Soft", "10.00", s.add_location(owner, "Here"));
  const auto driver = s.add_client("Driver", "100.00");
  s.db().exec("INSERT INTO id_tags (id_tag, client_id) VALUES ('SOFT-CARD', " + sql_quote(driver) + ")");
  auto opts = station_options(s, "SOFT-1");
  opts.auto_meter_values = false;
  auto cp = std::make_unique<evp::sim::ChargePoint>(s.loop().executor(), opts);
  const auto tx = s.loop().run([&]() -> asio::awaitable<std::int64_t> {
    co_await cp->connect();
    co_await cp->boot();
    co_await cp->status(1, "Available");                                // the first of the connector: written at once
    const auto id = co_await cp->start_transaction(1, "SOFT-CARD", 0);  // durable before its answer
    co_await cp->status(1, "Charging");                                 // acknowledged, held behind
    co_return id;
  }());
  CHECK(s.db().scalar("SELECT status FROM connectors WHERE station_id = 'SOFT-1' AND connector_id = 1") == "Available");
  REQUIRE(s.kill_server() == 128 + SIGKILL);
  s.restart_server();

  // The durable part survived; the held-behind Charging did not reach the database.
  CHECK(s.db().scalar("SELECT count(*) FROM transactions WHERE id = " + std::to_string(tx) +
                      " AND status = 'active'") == "1");
  CHECK(s.db().scalar("SELECT status FROM connectors WHERE station_id = 'SOFT-1' AND connector_id = 1") == "Available");
  // The station tells it again after reconnecting (the first status of a connector after
  // a start is written at once), and stops its transaction: charged once.
  s.loop().run([&]() -> asio::awaitable<void> {
    co_await cp->connect();
    co_await cp->status(1, "Charging");
    co_await cp->stop_transaction(tx, 2000, "Local");
    co_await cp->close();
    cp.reset();
  }());
  CHECK(s.db().scalar("SELECT status FROM connectors WHERE station_id = 'SOFT-1' AND connector_id = 1") == "Charging");
  CHECK(s.db().scalar("SELECT billing || ' ' || amount FROM transactions WHERE id = " + std::to_string(tx)) ==
        "charged 20.00");
}
