// One database round trip per transaction message, reservations used by the start that
// names them, and the SQL twins of the pure rules and texts held to the C++ ones.
#include <limits>

#include "push/events.hpp"
#include "rules.hpp"
#include "test_fixture.hpp"

using namespace evp::charging;
using namespace evp::charging::testing;
using evp::common::Money;

namespace {

/// Round trips the pool made while `op` ran (PoolStats::round_trips).
template <typename Op>
std::uint64_t trips(Fixture& f, Op&& op) {
  const auto before = f.pool.stats().round_trips;
  op();
  return f.pool.stats().round_trips - before;
}

void reserve(Fixture& f, int id, int connector, const std::string& tag, const std::string& expiry) {
  run(f.io, f.svc->reservation_accepted("CP-1", id, connector, tag, std::nullopt, at(expiry)));
}

}  // namespace

TEST_CASE("each transaction message is one round trip, notifications included") {
  Fixture f;
  StartResult started;
  CHECK(trips(f, [&] { started = f.start("CP-1", 1, "TAG1", 1000); }) == 1);
  CHECK(started.authorization.status == TagStatus::Accepted);
  CHECK(f.outbox("charging_started") == 1);
  CHECK(f.outbox("new_session") == 1);
  const int tx = started.transaction_id;

  CHECK(trips(f, [&] { CHECK(f.start("CP-1", 1, "TAG1", 1000).replay); }) == 1);
  CHECK(trips(f, [&] { CHECK(run(f.io, f.svc->authorize("TAG1")).status == TagStatus::ConcurrentTx); }) == 1);
  CHECK(trips(f, [&] { CHECK_FALSE(f.meter("CP-1", 1, tx, 3000).stop_due); }) == 1);
  CHECK(f.tx_field(tx, "meter_last") == "3000");

  StopResult stopped;
  CHECK(trips(f, [&] { stopped = f.stop("CP-1", tx, 6000); }) == 1);
  CHECK(stopped.outcome == "5000 Wh, charged 50.00 som");
  CHECK(f.balance() == "150.00");
  CHECK(f.outbox("charging_completed") == 1);
  CHECK(f.outbox("session_completed") == 1);
  CHECK(trips(f, [&] { CHECK(f.stop("CP-1", tx, 6000).outcome == "already completed (replay)"); }) == 1);
  CHECK(trips(f, [&] { CHECK(f.stop("CP-1", 999, 6000).outcome == "unknown transaction"); }) == 1);
  CHECK(f.count("SELECT count(*) FROM balance_ledger") == 1);

  // Superseding an older transaction of the connector happens inside the same statement.
  const int older = f.start("CP-2", 1, "TAG1", 0, "2026-11-26T12:00:00Z").transaction_id;
  StartResult next;
  CHECK(trips(f, [&] { next = f.start("CP-2", 1, "TAG1", 2000, "2026-11-26T13:00:00Z"); }) == 1);
  CHECK(next.superseded == std::vector<int>{older});
  CHECK(f.tx_field(older, "end_reason || ' ' || billing || ' ' || amount") == "superseded free 0.00");
}

TEST_CASE("a session the app opened is claimed by its StartTransaction in the one round trip") {
  Fixture f;
  const auto pending = run(f.io, f.svc->open_session(kClient, "CP-1", 2, {}));
  StartResult s;
  CHECK(trips(f, [&] { s = f.start("CP-1", 2, pending.id_tag, 0); }) == 1);
  CHECK(f.q("SELECT status || ' ' || transaction_id FROM charging_sessions WHERE id = '" + pending.session_id + "'") ==
        "active " + std::to_string(s.transaction_id));
  // The notification carries the app's session id and the texts of push/events.hpp.
  const auto expected = evp::push::events::charging_started(pending.session_id, {"CP-1", "Бишкек Парк"}, 2);
  CHECK(f.last_payload("charging_started") == expected.payload());
  CHECK(f.q("SELECT topic FROM push_outbox WHERE event_type = 'charging_started'") == expected.topic);
}

TEST_CASE("rendered notifications equal push/events.hpp's, whatever the station's name holds") {
  Fixture f("60.00");
  f.tdb.exec("UPDATE stations SET display_name = 'Парк \"Ала-Тоо\" \\ 5e5510e0-0000-4000-8000-000000000000' "
             "WHERE id = 'CP-1'");
  const int tx = f.start("CP-1", 1, "TAG1", 0).transaction_id;
  const std::string session = f.q("SELECT id FROM charging_sessions WHERE transaction_id = " + std::to_string(tx));
  const evp::push::events::Station st{"CP-1", "Парк \"Ала-Тоо\" \\ 5e5510e0-0000-4000-8000-000000000000"};
  CHECK(f.last_payload("new_session") == evp::push::events::new_session(session, st, 1).payload());
  f.stop("CP-1", tx, 1234);  // 12.34 som of 60.00: 47.66 left, below the 50.00 threshold
  CHECK(f.last_payload("charging_completed") ==
        evp::push::events::charging_completed(session, 1234, Money::from_db("12.34")).payload());
  CHECK(f.last_payload("session_completed") ==
        evp::push::events::session_completed(session, st, 1234, Money::from_db("12.34")).payload());
  CHECK(f.last_payload("low_balance_warning") ==
        evp::push::events::low_balance_warning(Money::from_db("47.66"), f.config.low_balance_threshold).payload());
  CHECK(f.q("SELECT topic FROM push_outbox WHERE event_type = 'low_balance_warning'") == "low-balance");
}

TEST_CASE("the SQL energy check and kWh text agree with rules::check_energy and format_kwh") {
  Fixture f;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::vector<std::pair<std::int64_t, std::int64_t>> cases = {
      {3600, 400'000}, {0, 400'000},   {-50, 22'000},      {59, 1},           {1, 7'000},
      {86400, 1},      {kMax, 1},      {kMax - 30, 2},     {kMax / 2, 1'000}, {1'000'000'000'000, 10'000'000}};
  for (const auto& one : cases) {
    // Named copies, not structured bindings: Clang 15 refuses those in doctest's CAPTURE.
    const std::int64_t duration = one.first, power = one.second;
    const auto c = rules::check_energy(0, duration, power);
    CAPTURE(duration);
    CAPTURE(power);
    CHECK(f.q("SELECT evp_allowed_wh(" + std::to_string(duration) + ", " + std::to_string(power) + ")") ==
          std::to_string(c.allowed_wh));
  }
  for (std::int64_t wh : {0LL, 4LL, 5LL, 12345LL, 999995LL, -5LL, -4LL, 919191919191910LL}) {
    CAPTURE(wh);
    CHECK(f.q("SELECT evp_kwh_text(" + std::to_string(wh) + ")") == evp::push::events::format_kwh(wh));
  }
}

TEST_CASE("a StartTransaction with its reservationId uses the reservation in the same round trip") {
  Fixture f;
  reserve(f, 7, 1, "tag1", "2026-11-26T10:30:00Z");  // idTag is case-insensitive
  StartRequest req{"CP-1", 1, "TAG1", 0, at("2026-11-26T10:00:00Z"), 7};
  StartResult s;
  CHECK(trips(f, [&] { s = run(f.io, f.svc->start_transaction(req)); }) == 1);
  CHECK(s.authorization.status == TagStatus::Accepted);
  CHECK(f.q("SELECT status || ' ' || transaction_id FROM reservations WHERE id = 7") ==
        "used " + std::to_string(s.transaction_id));
  CHECK(f.tx_field(s.transaction_id, "reservation_id") == "7");
  CHECK(f.count("SELECT count(*) FROM station_events WHERE kind = 'reservation_mismatch'") == 0);
}

TEST_CASE("a reservationId that does not hold is recorded and does not block the start") {
  Fixture f;
  f.tdb.exec("INSERT INTO id_tags (id_tag, status) VALUES ('TAG2', 'Accepted'), ('TAG3', 'Accepted'), "
             "('TAG4', 'Accepted'), ('TAG5', 'Accepted')");
  reserve(f, 1, 2, "TAG1", "2099-01-01T00:00:00Z");  // for connector 2
  reserve(f, 2, 0, "OTHER", "2099-01-01T00:00:00Z");  // for another tag
  reserve(f, 3, 0, "TAG3", "2026-11-26T09:00:00Z");   // expired before the start
  reserve(f, 4, 0, "TAG4", "2099-01-01T00:00:00Z");
  run(f.io, f.svc->reservation_cancelled("CP-1", 4));  // cancelled
  const std::vector<std::pair<std::string, int>> starts = {{"TAG1", 1}, {"TAG2", 2}, {"TAG3", 3}, {"TAG4", 4},
                                                           {"TAG5", 99}};
  int connector = 1;
  for (const auto& [tag, reservation] : starts) {
    StartRequest req{"CP-1", connector++, tag, 0, at("2026-11-26T10:00:00Z"), reservation};
    const auto s = run(f.io, f.svc->start_transaction(req));
    CHECK(s.authorization.status == TagStatus::Accepted);
  }
  CHECK(f.q("SELECT string_agg(detail->>'reservation_id' || ':' || (detail->>'reason'), ',' ORDER BY id) "
            "FROM station_events WHERE kind = 'reservation_mismatch'") ==
        "1:other_connector,2:other_tag,3:expired,4:cancelled,99:unknown");
  CHECK(f.count("SELECT count(*) FROM reservations WHERE status = 'used'") == 0);
  // The sweeper expires what is past its date.
  f.tdb.exec("UPDATE reservations SET expiry_date = now() - interval '1 minute' WHERE id = 1");
  run(f.io, f.svc->sweep());
  CHECK(f.q("SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM reservations") ==
        "1:expired,2:reserved,3:expired,4:cancelled");
}

TEST_CASE("a session opened from the app is one round trip; what it holds is rules::reservation") {
  Fixture f("500.00");
  PendingSession s;
  CHECK(trips(f, [&] { s = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {})); }) == 1);
  CHECK(s.reserved.str() == "10.00");
  CHECK(f.q("SELECT id_tag FROM charging_sessions WHERE id = '" + s.session_id + "'") == s.id_tag);
  CHECK(trips(f, [&] { CHECK_THROWS_AS(run(f.io, f.svc->open_session(kClient, "CP-1", 1, {})), Refused); }) == 1);
  // The same cases through the SQL and through the C++ rule (price 10.00 at both stations).
  const Money price = Money::from_db("10.00");
  const std::vector<SessionLimits> cases = {
      {}, {.amount = Money::from_db("100.00")}, {.energy_wh = 12'345}, {.amount = Money::from_db("900.00")}};
  int connector = 2;
  Money available = Money::from_db("490.00");
  for (const auto& limits : cases) {
    const auto want = rules::reservation(available, f.config.min_balance_to_start, limits, price);
    const auto got = run(f.io, f.svc->open_session(kClient, "CP-1", connector++, limits));
    CHECK(got.reserved == want);
    available -= got.reserved;
  }
  // An unknown driver: refused, nothing created.
  try {
    run(f.io, f.svc->open_session("99999999-9999-4999-8999-999999999999", "CP-2", 1, {}));
    FAIL("an unknown client should be refused");
  } catch (const Refused& e) {
    CHECK(e.code() == "client_not_found");
  }
}
