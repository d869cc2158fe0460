// Available balance, parallel sessions, pending starts and payments, against PostgreSQL.
#include "test_fixture.hpp"

using namespace evp::charging;
using namespace evp::charging::testing;
using evp::common::Money;

namespace {
Money som(const char* text) { return Money::from_db(text); }
}  // namespace

TEST_CASE("two parallel sessions of one driver cannot spend more than the balance") {
  Fixture f("100.00");
  // Two app starts on two stations: each holds the minimum (10.00) of what is available.
  const auto a = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {}));
  const auto b = run(f.io, f.svc->open_session(kClient, "CP-2", 1, {}));
  CHECK(a.reserved.str() == "10.00");
  CHECK(run(f.io, f.svc->available_balance(kClient))->str() == "80.00");
  const int ta = f.start("CP-1", 1, a.id_tag, 0).transaction_id;
  // The second station runs the same driver tag: not ConcurrentTx, the central system asked
  // for it (RemoteStartTransaction); the balance rule is what keeps it honest.
  const auto second = f.start("CP-2", 1, a.id_tag, 0);
  CHECK(second.authorization.status == TagStatus::Accepted);
  const int tb = second.transaction_id;

  // A: 6 kWh = 60.00; B holds its 10.00 reservation: A may go on (60 < 100 - 10).
  CHECK_FALSE(f.meter("CP-1", 1, ta, 6000).stop_due);
  // B: 3 kWh = 30.00; A has consumed 60.00: B may use 40.00, still below.
  CHECK_FALSE(f.meter("CP-2", 1, tb, 3000).stop_due);
  // B: 4 kWh = 40.00 reaches what A left it: stop B.
  auto due = f.meter("CP-2", 1, tb, 4000).stop_due;
  REQUIRE(due);
  CHECK(due->reason == "balance");
  CHECK(due->transaction_id == tb);
  // A: 6.1 kWh = 61.00, with B at 40.00: 61 >= 100 - 40, stop A too.
  due = f.meter("CP-1", 1, ta, 6100).stop_due;
  REQUIRE(due);
  CHECK(due->transaction_id == ta);
  // Each overshoots by at most what it drew until its stop landed (one metering interval).
  f.stop("CP-1", ta, 6200);
  f.stop("CP-2", tb, 4100);
  CHECK(f.balance() == "-3.00");  // 62.00 + 41.00 of 100.00
  CHECK(run(f.io, f.svc->available_balance(kClient))->str() == "-3.00");
  // Nothing is available any more: the next start is refused.
  CHECK_THROWS_AS(run(f.io, f.svc->open_session(kClient, "CP-1", 1, {})), Refused);
}

TEST_CASE("a start needs the minimum of what is available; an auto-stop claim is taken once") {
  Fixture f("15.00");
  const auto a = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {}));
  CHECK(a.reserved.str() == "10.00");
  try {
    run(f.io, f.svc->open_session(kClient, "CP-2", 1, {}));
    FAIL("the second start should have been refused");
  } catch (const Refused& e) {
    CHECK(e.kind() == Refused::Kind::InsufficientBalance);
    CHECK(std::string(e.what()) == "available balance 5.00 is below the minimum 10.00 to start charging");
  }
  // The same connector cannot be opened twice.
  Fixture g("500.00");
  run(g.io, g.svc->open_session(kClient, "CP-1", 1, {.amount = som("100.00")}));
  CHECK(run(g.io, g.svc->available_balance(kClient))->str() == "400.00");
  try {
    run(g.io, g.svc->open_session(kClient, "CP-1", 1, {}));
    FAIL("connector should be busy");
  } catch (const Refused& e) {
    CHECK(e.code() == "connector_busy");
  }
  const int tx = g.start("CP-1", 1, run(g.io, g.svc->driver_id_tag(kClient)), 0).transaction_id;
  CHECK(run(g.io, g.svc->claim_auto_stop(tx, "limit_amount")));
  CHECK_FALSE(run(g.io, g.svc->claim_auto_stop(tx, "limit_amount")));
  run(g.io, g.svc->release_auto_stop(tx));
  CHECK(run(g.io, g.svc->claim_auto_stop(tx, "balance")));
}

TEST_CASE("limits: kWh and som limits stop the session") {
  Fixture f("500.00");
  const auto s = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {.energy_wh = 5000}));
  CHECK(s.reserved.str() == "50.00");  // the cost of 5 kWh at 10.00
  const int tx = f.start("CP-1", 1, s.id_tag, 0).transaction_id;
  CHECK_FALSE(f.meter("CP-1", 1, tx, 4999).stop_due);
  CHECK(f.meter("CP-1", 1, tx, 5000).stop_due->reason == "limit_kwh");
}

TEST_CASE("no answer to RemoteStartTransaction: the session stays pending, a late start is billed normally") {
  Fixture f;
  const auto s = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {}));
  CHECK(run(f.io, f.svc->remote_start_result(s.session_id, RemoteAnswer::NoAnswer, "")) == "pending");
  auto view = run(f.io, f.svc->session(kClient, s.session_id));
  REQUIRE(view);
  CHECK(view->status == "pending");
  CHECK(view->station_answer == "no_answer");
  // The station starts it after all.
  const int tx = f.start("CP-1", 1, s.id_tag, 100).transaction_id;
  view = run(f.io, f.svc->session(kClient, s.session_id));
  CHECK(view->status == "active");
  CHECK(view->transaction_id == tx);
  CHECK(f.outbox("charging_started") == 1);
  CHECK(f.last_payload("charging_started")["data"]["session_id"] == s.session_id);
  f.stop("CP-1", tx, 2100);  // 2 kWh = 20.00
  CHECK(f.balance() == "180.00");
  CHECK(run(f.io, f.svc->session(kClient, s.session_id))->cost.str() == "20.00");
}

TEST_CASE("a pending session the station never starts gives up and releases its hold") {
  Fixture f;
  f.config.pending_timeout = std::chrono::seconds(1);
  f.rebuild();
  const auto s = run(f.io, f.svc->open_session(kClient, "CP-1", 1, {.amount = som("150.00")}));
  CHECK(run(f.io, f.svc->available_balance(kClient))->str() == "50.00");
  run(f.io, f.svc->remote_start_result(s.session_id, RemoteAnswer::Accepted, ""));
  f.tdb.exec("UPDATE charging_sessions SET pending_until = now() - interval '1 second'");
  CHECK(run(f.io, f.svc->sweep()) == 1);
  const auto view = run(f.io, f.svc->session(kClient, s.session_id));
  CHECK(view->status == "failed");
  CHECK(run(f.io, f.svc->available_balance(kClient))->str() == "200.00");
  // A rejected start fails at once.
  const auto r = run(f.io, f.svc->open_session(kClient, "CP-2", 1, {}));
  CHECK(run(f.io, f.svc->remote_start_result(r.session_id, RemoteAnswer::Rejected, "RemoteStartTransaction Rejected")) ==
        "failed");
}

TEST_CASE("a payment is credited once, replays answer the first result") {
  Fixture f;
  const auto first = run(f.io, f.svc->credit_payment("pay-1", kClient, som("50.00"), "KGS", "{}"));
  CHECK(first.credited);
  CHECK(first.new_balance.str() == "250.00");
  CHECK(f.last_payload("payment_confirmed")["body"] == "+50.00 сом, баланс 250.00 сом");
  const auto replay = run(f.io, f.svc->credit_payment("pay-1", kClient, som("50.00"), "KGS", "{}"));
  CHECK_FALSE(replay.credited);
  CHECK(replay.new_balance.str() == "250.00");
  CHECK(f.balance() == "250.00");
  CHECK_THROWS_AS(run(f.io, f.svc->credit_payment("pay-1", kClient, som("60.00"), "KGS", "{}")), Refused);
  CHECK(f.outbox("payment_confirmed") == 1);
}
