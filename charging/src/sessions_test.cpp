// Sessions that always end and plausible energy only, against PostgreSQL.
#include "test_fixture.hpp"

using namespace evp::charging;
using namespace evp::charging::testing;

TEST_CASE("a station rebooted mid-session: the next start on the connector closes the old transaction once") {
  Fixture f;
  const int old_tx = f.start("CP-1", 1, "TAG1", 1000).transaction_id;
  f.meter("CP-1", 1, old_tx, 6000);  // 5 kWh so far
  // The station reboots and never sends the StopTransaction; the tag is still "in use".
  CHECK(run(f.io, f.svc->authorize("TAG1")).status == TagStatus::ConcurrentTx);

  const auto next = f.start("CP-1", 1, "TAG1", 7000, "2026-11-26T12:00:00Z");
  REQUIRE(next.superseded == std::vector<int>{old_tx});
  CHECK(next.authorization.status == TagStatus::Accepted);  // not ConcurrentTx with its own ghost
  CHECK(f.tx_field(old_tx, "status || ' ' || end_reason || ' ' || billing || ' ' || meter_stop || ' ' || amount || ' ' "
                           "|| superseded_by") == "completed superseded charged 6000 50.00 " +
                                                      std::to_string(next.transaction_id));
  CHECK(f.balance() == "150.00");
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 1);
  // Both parties are told, as for any stop.
  CHECK(f.outbox("charging_completed") == 1);
  CHECK(f.outbox("session_completed") == 1);
  CHECK(f.last_payload("charging_completed")["body"] == "5.00 кВт⋅ч за 50.00 сом");
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'transaction_superseded'") == 1);
  CHECK(f.count("SELECT count(*) FROM charging_sessions WHERE status = 'active'") == 1);

  // The station's own StopTransaction turns up late: recorded, not charged again.
  const auto late = f.stop("CP-1", old_tx, 6500);
  CHECK(late.outcome.find("late stop") != std::string::npos);
  CHECK(f.balance() == "150.00");
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 1);
  CHECK(f.q("SELECT detail->>'meter_stop' FROM station_events WHERE kind = 'late_stop'") == "6500");
  // A replayed StartTransaction of the new transaction supersedes nothing more.
  CHECK(f.start("CP-1", 1, "TAG1", 7000, "2026-11-26T12:00:00Z").replay);

  auto events = run(f.io, f.svc->events(std::nullopt, 10));
  CHECK(events.size() == 2);
  CHECK(events[0].kind == "late_stop");
}

TEST_CASE("a connector the station reports Available holds neither the connector nor the tag") {
  Fixture f;
  const int tx = f.start("CP-1", 1, "TAG1", 0).transaction_id;
  CHECK(run(f.io, f.svc->authorize("TAG1")).status == TagStatus::ConcurrentTx);
  CHECK_THROWS_AS(run(f.io, f.svc->open_session(kClient, "CP-1", 1, {})), Refused);
  f.connector_status("CP-1", 1, "Available");  // after a reboot: no transaction there any more
  CHECK(run(f.io, f.svc->authorize("TAG1")).status == TagStatus::Accepted);
  const auto s = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {}));
  CHECK(!s.session_id.empty());
  CHECK(f.tx_field(tx, "status") == "active");  // still closed only by a start or the sweeper
}

TEST_CASE("the sweeper closes transactions with no sign of life, flagged for review") {
  Fixture f;
  f.config.stale_transaction_after = std::chrono::hours(1);
  f.rebuild();
  const int silent = f.start("CP-1", 1, "TAG1", 1000).transaction_id;
  f.meter("CP-1", 1, silent, 3000);
  const int charging = f.start("CP-2", 1, "OTHER", 0).transaction_id;
  f.tdb.exec("UPDATE transactions SET last_activity_at = now() - interval '2 hours'");
  // CP-2 is online and says its connector is charging: alive even without MeterValues.
  f.tdb.exec("UPDATE stations SET status = 'online' WHERE id = 'CP-2'");
  f.connector_status("CP-2", 1, "Charging");
  const int fresh = f.start("CP-1", 2, "FRESH", 0).transaction_id;

  CHECK(run(f.io, f.svc->sweep()) == 1);
  CHECK(f.tx_field(silent, "status || ' ' || end_reason || ' ' || billing || ' ' || meter_stop || ' ' || amount") ==
        "completed swept charged 3000 20.00");
  CHECK(f.tx_field(silent, "review_reason IS NOT NULL") == "t");
  CHECK(f.tx_field(charging, "status") == "active");
  CHECK(f.tx_field(fresh, "status") == "active");
  CHECK(f.balance() == "180.00");
  CHECK(f.outbox("charging_completed") == 1);
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'transaction_swept'") == 1);
  CHECK(run(f.io, f.svc->sweep()) == 0);  // once
}

TEST_CASE("an absurd meterStop is answered, recorded as suspect and not charged; retries change nothing") {
  Fixture f;
  const int tx = f.start("CP-1", 1, "TAG1", 1000).transaction_id;
  const auto r = f.stop("CP-1", tx, 9007199254740991);
  CHECK(r.outcome.find("suspect") != std::string::npos);
  CHECK(f.tx_field(tx, "status || ' ' || billing || ' ' || (amount IS NULL) || ' ' || energy_wh") ==
        "completed suspect true 9007199254739991");
  CHECK(f.balance() == "200.00");
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 0);
  CHECK(f.outbox("charging_completed") == 0);  // no completion push with the absurd figure
  CHECK(f.outbox("session_completed") == 0);
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'suspect_session'") == 1);
  CHECK(f.stop("CP-1", tx, 9007199254740991).outcome == "already completed (replay)");
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'suspect_session'") == 1);
}

TEST_CASE("energy beyond the connector's power over the duration is suspect") {
  Fixture f;
  f.connector_status("CP-1", 1, "Charging");
  f.tdb.exec("UPDATE connectors SET max_power_w = 22000 WHERE station_id = 'CP-1' AND connector_id = 1");
  // 910 kWh in five minutes at 22 kW: a station that started offline with a placeholder meter.
  const int tx = f.start("CP-1", 1, "TAG1", 0, "2026-11-26T10:00:00Z").transaction_id;
  f.stop("CP-1", tx, 910'000, "2026-11-26T10:05:00Z");
  CHECK(f.tx_field(tx, "billing") == "suspect");
  CHECK(f.balance() == "200.00");
  // 120 kW for five minutes is plausible at the default 400 kW, and charged.
  const int ok = f.start("CP-2", 1, "TAG1", 0, "2026-11-26T10:00:00Z").transaction_id;
  f.stop("CP-2", ok, 10'000, "2026-11-26T10:05:00Z");  // 10 kWh in 5 min = 120 kW
  CHECK(f.tx_field(ok, "billing || ' ' || amount") == "charged 100.00");
}

TEST_CASE("a session nobody pays for earns the owner nothing and is listed as unpaid") {
  Fixture f;
  const int tx = f.start("CP-1", 1, "UNKNOWN", 0).transaction_id;
  CHECK(f.start("CP-1", 1, "UNKNOWN", 0).authorization.status == TagStatus::Invalid);
  f.stop("CP-1", tx, 1875);  // 1.875 kWh at 10.00 = 18.75 som that no one was charged
  CHECK(f.tx_field(tx, "billing || ' ' || amount") == "unpaid 18.75");
  CHECK(f.outbox("session_completed") == 1);
  CHECK(f.last_payload("session_completed")["body"] == "1.88 кВт⋅ч, доход 0.00 сом");
  CHECK(f.last_payload("session_completed")["data"]["amount"] == "0.00");
  CHECK(f.outbox("charging_completed") == 0);
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'unpaid_session'") == 1);

  const int paid = f.start("CP-2", 1, "TAG1", 0).transaction_id;
  f.stop("CP-2", paid, 1000);
  const Revenue rev = run(f.io, f.svc->owner_revenue(kOwner, std::nullopt, std::nullopt));
  CHECK(rev.revenue.str() == "10.00");
  CHECK(rev.sessions == 2);
  CHECK(rev.unpaid_sessions == 1);
  auto rows = run(f.io, f.svc->owner_transactions(kOwner, std::nullopt, 10, 0));
  REQUIRE(rows.size() == 2);
  for (const auto& t : rows) {
    if (t.transaction_id == tx) CHECK_FALSE(t.charged);
    if (t.transaction_id == paid) CHECK(t.charged->str() == "10.00");
  }
}
