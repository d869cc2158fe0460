// StartTransaction / MeterValues / StopTransaction against PostgreSQL: ids, replays, money,
// sessions and the outbox rows written in the same transaction.
#include "handlers/test_fixture.hpp"

using namespace evp::ocpp::handlers::testing;

namespace {
std::string client_balance(Fixture& f) {
  return f.q(std::string("SELECT balance FROM clients WHERE id = '") + kClient + "'");
}
}  // namespace

TEST_CASE("StartTransaction records the transaction, a session and both notifications") {
  Fixture f;
  auto conf = f.start("TAG1", 2, 1000);
  CHECK(conf["idTagInfo"] == json{{"status", "Accepted"}});
  int tx = conf["transactionId"];
  CHECK(tx > 0);
  CHECK(f.q("SELECT station_id || ' ' || connector_id || ' ' || price_per_kwh || ' ' || client_id || ' ' || status "
            "FROM transactions WHERE id = " +
            std::to_string(tx)) == std::string("CP-1 2 13.37 ") + kClient + " active");
  CHECK(f.q("SELECT status || ' ' || client_id FROM charging_sessions WHERE transaction_id = " + std::to_string(tx)) ==
        std::string("active ") + kClient);
  CHECK(f.outbox("charging_started") == 1);
  CHECK(f.outbox("new_session") == 1);
  std::string session = f.q("SELECT id FROM charging_sessions WHERE transaction_id = " + std::to_string(tx));
  auto started = json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'charging_started'"));
  CHECK(started["title"] == "Зарядка началась");
  CHECK(started["body"] == "Станция Бишкек Парк, коннектор 2");
  CHECK(started["data"] ==
        json{{"type", "charging_started"}, {"session_id", session}, {"station_id", "CP-1"}, {"connector_id", 2}});
  CHECK(f.q("SELECT user_id FROM push_outbox WHERE event_type = 'charging_started'") == kClient);
  CHECK(f.q("SELECT user_id FROM push_outbox WHERE event_type = 'new_session'") == kOwner);
}

TEST_CASE("a replayed StartTransaction returns the same id, one session, no second notification") {
  Fixture f;
  int tx = f.start("TAG1")["transactionId"];
  auto again = f.start("TAG1");
  CHECK(again["transactionId"] == tx);
  CHECK(again["idTagInfo"]["status"] == "Accepted");  // its own transaction does not make it ConcurrentTx
  CHECK(f.count("SELECT count(*) FROM transactions") == 1);
  CHECK(f.count("SELECT count(*) FROM charging_sessions") == 1);
  CHECK(f.outbox("charging_started") == 1);
  CHECK(f.outbox("new_session") == 1);
  // A different meterStart is a different transaction.
  CHECK(f.start("TAG1", 1, 1001)["transactionId"] != tx);
}

TEST_CASE("StartTransaction claims the session the REST API created") {
  Fixture f;
  std::string session = f.q(std::string("INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag) "
                                        "VALUES ('") +
                            kClient + "', 'CP-1', 1, 'TAG1') RETURNING id");
  int tx = f.start("tag1", 1)["transactionId"];
  CHECK(f.q("SELECT id || ' ' || status FROM charging_sessions WHERE transaction_id = " + std::to_string(tx)) ==
        session + " active");
  CHECK(f.count("SELECT count(*) FROM charging_sessions") == 1);
  CHECK(json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'new_session'"))["data"]["session_id"] ==
        session);
}

TEST_CASE("a transaction is recorded for a tag that is not accepted, without notifications") {
  Fixture f;
  auto conf = f.start("NOBODY");
  CHECK(conf["idTagInfo"]["status"] == "Invalid");
  CHECK(conf["transactionId"].get<int>() > 0);
  CHECK(f.count("SELECT count(*) FROM transactions WHERE id_tag = 'NOBODY'") == 1);
  CHECK(f.count("SELECT count(*) FROM push_outbox") == 0);
  // ...and a second start with the same accepted tag while one runs is ConcurrentTx.
  f.start("TAG1", 1);
  CHECK(f.start("TAG1", 2, 5)["idTagInfo"]["status"] == "ConcurrentTx");
}

TEST_CASE("StopTransaction charges exactly once, notifies client and owner, warns on low balance") {
  Fixture f;
  int tx = f.start("TAG1", 1, 1000)["transactionId"];
  auto conf = f.stop(tx, 1000 + 12345, "TAG1");
  CHECK(conf == json{{"idTagInfo", {{"status", "Accepted"}}}});
  // 12345 Wh at 13.37 som/kWh = 165.05265 -> 165.05, in NUMERIC.
  CHECK(f.q("SELECT energy_wh || ' ' || amount || ' ' || status || ' ' || stop_reason FROM transactions WHERE id = " +
            std::to_string(tx)) == "12345 165.05 completed Local");
  CHECK(client_balance(f) == "34.95");
  CHECK(f.q("SELECT amount || ' ' || balance_after || ' ' || reference FROM balance_ledger") ==
        "-165.05 34.95 " + std::to_string(tx));
  CHECK(f.q("SELECT status FROM charging_sessions WHERE transaction_id = " + std::to_string(tx)) == "completed");
  auto completed = json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'charging_completed'"));
  CHECK(completed["body"] == "12.35 кВт⋅ч за 165.05 сом");
  CHECK(completed["data"]["amount"] == "165.05");
  auto income = json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'session_completed'"));
  CHECK(income["body"] == "12.35 кВт⋅ч, доход 165.05 сом");
  CHECK(f.q("SELECT user_id FROM push_outbox WHERE event_type = 'session_completed'") == kOwner);
  auto low = json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'low_balance_warning'"));
  CHECK(low["body"] == "Баланс 34.95 сом. Пополните счёт");
  CHECK(low["data"] == json{{"type", "low_balance_warning"}, {"balance", "34.95"}, {"threshold", "50.00"}});
  CHECK(f.count(std::string("SELECT count(*) FROM clients WHERE low_balance_notified_at IS NOT NULL")) == 1);

  // The station did not get our answer and sends the same StopTransaction again.
  CHECK(f.stop(tx, 1000 + 12345, "TAG1") == conf);
  CHECK(client_balance(f) == "34.95");
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 1);
  CHECK(f.outbox("charging_completed") == 1);
  CHECK(f.outbox("session_completed") == 1);
  CHECK(f.outbox("low_balance_warning") == 1);
}

TEST_CASE("low_balance_warning at most once per 24 hours, threshold configurable") {
  Fixture f;
  f.charging_config.low_balance_threshold = evp::common::Money::tyiyn(19000);
  f.rebuild();
  int t1 = f.start("TAG1", 1, 0)["transactionId"];
  f.stop(t1, 1000);  // 13.37 -> 186.63 < 190
  CHECK(f.outbox("low_balance_warning") == 1);
  int t2 = f.start("TAG1", 1, 1000, "2026-11-26T12:00:00Z")["transactionId"];
  f.stop(t2, 2000);  // 173.26, but warned less than 24 h ago
  CHECK(client_balance(f) == "173.26");
  CHECK(f.outbox("low_balance_warning") == 1);
  f.tdb.exec("UPDATE clients SET low_balance_notified_at = now() - interval '25 hours'");
  int t3 = f.start("TAG1", 1, 2000, "2026-11-26T13:00:00Z")["transactionId"];
  f.stop(t3, 3000);
  CHECK(f.outbox("low_balance_warning") == 2);
  CHECK(json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'low_balance_warning' ORDER BY id DESC "
                        "LIMIT 1"))["data"]["threshold"] == "190.00");
}

TEST_CASE("StopTransaction for an unknown transaction is answered and recorded") {
  Fixture f;
  auto conf = f.stop(999, 5000, "TAG1");
  CHECK(conf == json{{"idTagInfo", {{"status", "Accepted"}}}});
  CHECK(f.stop(998, 5000) == json::object());
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'unknown_transaction_stop'") == 2);
  CHECK(f.q("SELECT detail->>'transactionId' FROM station_events ORDER BY id LIMIT 1") == "999");
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 0);
}

TEST_CASE("a meterStop below meterStart is energy 0, recorded, nothing charged") {
  Fixture f;
  int tx = f.start("TAG1", 1, 5000)["transactionId"];
  f.stop(tx, 4000);
  CHECK(f.q("SELECT energy_wh || ' ' || amount FROM transactions WHERE id = " + std::to_string(tx)) == "0 0.00");
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'meter_backwards'") == 1);
  CHECK(client_balance(f) == "200.00");
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 0);
  CHECK(f.outbox("charging_completed") == 1);
}

TEST_CASE("MeterValues stores every sample and advances the energy register, never backwards") {
  Fixture f;
  std::vector<evp::charging::StopDue> stops;
  f.options.on_stop_due = [&](const evp::charging::StopDue& d) { stops.push_back(d); };
  f.rebuild();
  int tx = f.start("TAG1", 1, 1000)["transactionId"];
  json sample = {{"timestamp", "2026-11-26T10:05:00Z"},
                 {"sampledValue",
                  {{{"value", "3.5"}, {"unit", "kWh"}, {"context", "Sample.Periodic"}},
                   {{"value", "7.2"}, {"measurand", "Power.Active.Import"}, {"unit", "kW"}},
                   {{"value", "1200"}, {"phase", "L1"}, {"unit", "Wh"}}}}};
  CHECK(f.call("MeterValues", {{"connectorId", 1}, {"transactionId", tx}, {"meterValue", {sample}}}) == json::object());
  CHECK(f.count("SELECT count(*) FROM meter_values WHERE transaction_id = " + std::to_string(tx)) == 3);
  CHECK(
      f.q("SELECT measurand || ' ' || unit || ' ' || context || ' ' || value FROM meter_values ORDER BY id LIMIT 1") ==
      "Energy.Active.Import.Register kWh Sample.Periodic 3.5");
  CHECK(f.q("SELECT meter_last FROM transactions WHERE id = " + std::to_string(tx)) == "3500");
  // 2.5 kWh at 13.37 = 33.43 som of a 200.00 balance, no limit: nothing to stop.
  CHECK(stops.empty());

  // A lower reading: stored as a sample, logged as an event, not counted.
  json lower = {{"timestamp", "2026-11-26T10:10:00Z"}, {"sampledValue", {{{"value", "3000"}}}}};
  f.call("MeterValues", {{"connectorId", 1}, {"transactionId", tx}, {"meterValue", {lower}}});
  CHECK(f.q("SELECT meter_last FROM transactions WHERE id = " + std::to_string(tx)) == "3500");
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'meter_backwards'") == 1);
  CHECK(stops.empty());

  // Values without a transaction (connector 0, main meter) are stored too.
  json main_meter = {{"timestamp", "2026-11-26T10:10:00Z"}, {"sampledValue", {{{"value", "99\"{,}"}}}}};
  f.call("MeterValues", {{"connectorId", 0}, {"meterValue", {main_meter}}});
  CHECK(f.q("SELECT value FROM meter_values WHERE transaction_id IS NULL") == "99\"{,}");

  // transactionData of the stop is stored as meter values of the transaction.
  json end = {{"timestamp", "2026-11-26T11:00:00Z"},
              {"sampledValue", {{{"value", "4000"}, {"context", "Transaction.End"}}}}};
  f.call("StopTransaction", {{"transactionId", tx},
                             {"meterStop", 4000},
                             {"timestamp", "2026-11-26T11:00:00Z"},
                             {"reason", "EVDisconnected"},
                             {"transactionData", {end}}});
  CHECK(f.count("SELECT count(*) FROM meter_values WHERE context = 'Transaction.End' AND transaction_id = " +
                std::to_string(tx)) == 1);
  CHECK(f.q("SELECT stop_reason FROM transactions WHERE id = " + std::to_string(tx)) == "EVDisconnected");
}

TEST_CASE("outbox rows roll back with the handler's transaction") {
  Fixture f;
  // Fail the StartTransaction after charging_started was enqueued, at the new_session row.
  f.tdb.exec(R"(
    CREATE FUNCTION fail_new_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.event_type = 'new_session' OR NEW.event_type = 'session_completed' THEN
        RAISE EXCEPTION 'simulated failure';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER fail_new_session BEFORE INSERT ON push_outbox FOR EACH ROW EXECUTE FUNCTION fail_new_session();)");
  CHECK_THROWS_AS(f.start("TAG1"), evp::db::Error);
  CHECK(f.count("SELECT count(*) FROM push_outbox") == 0);
  CHECK(f.count("SELECT count(*) FROM transactions") == 0);
  CHECK(f.count("SELECT count(*) FROM charging_sessions") == 0);

  f.tdb.exec("DROP TRIGGER fail_new_session ON push_outbox");
  int tx = f.start("TAG1")["transactionId"];
  CHECK(f.outbox("charging_started") == 1);
  CHECK(f.outbox("new_session") == 1);

  // Same for the stop: nothing charged, nothing enqueued, the transaction still active.
  f.tdb.exec(
      "CREATE TRIGGER fail_new_session BEFORE INSERT ON push_outbox FOR EACH ROW EXECUTE FUNCTION fail_new_session()");
  CHECK_THROWS_AS(f.stop(tx, 5000), evp::db::Error);
  CHECK(f.outbox("charging_completed") == 0);
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 0);
  CHECK(client_balance(f) == "200.00");
  CHECK(f.q("SELECT status FROM transactions WHERE id = " + std::to_string(tx)) == "active");
  f.tdb.exec("DROP TRIGGER fail_new_session ON push_outbox");
  f.stop(tx, 5000);
  CHECK(f.outbox("charging_completed") == 1);
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 1);
}

TEST_CASE("with push disabled everything else works and nothing is enqueued") {
  Fixture f;
  f.rebuild(nullptr, /*no_push=*/true);
  int tx = f.start("TAG1")["transactionId"];
  f.stop(tx, 1000 + 12345);
  CHECK(client_balance(f) == "34.95");
  CHECK(f.count("SELECT count(*) FROM push_outbox") == 0);
  CHECK(f.q("SELECT status FROM charging_sessions") == "completed");
}
