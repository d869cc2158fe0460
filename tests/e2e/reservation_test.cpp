// Reservations against the real server and a simulated station: a ReserveNow the station
// accepts (sent by an operator through the management API) is recorded, the StartTransaction
// that carries its reservationId uses it, a CancelReservation cancels one, and a reservationId
// that does not hold is an event for the operator while the start goes ahead.
#include <doctest/doctest.h>

#include "driver_steps.hpp"
#include "stack.hpp"
#include "station.hpp"

using namespace evp::e2e;

TEST_CASE("reservations: accepted, used by the start that names them, cancelled, mismatches recorded") {
  StackOptions o;
  o.push = false;
  Stack s(o);
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  const auto location = s.add_location(owner, "Ала-Тоо");
  s.add_station("RSV-1", "Парк", "10.00", location);
  REQUIRE(s.cli({"idtag", "add", "CARD-1"}).first == 0);
  const auto op = random_uuid();
  REQUIRE(s.cli({"operator", "add", op}).first == 0);
  const auto op_token = s.token(op);

  Station st(s.loop(), station_options(s, "RSV-1"));
  st.start();
  st.accept_reservations(true);
  auto call = [&](const std::string& action, const Json& payload) {
    return s.post("/api/v1/admin/stations/RSV-1/calls/" + action, payload, op_token);
  };
  auto r = call("ReserveNow", Json{{"connectorId", 1}, {"expiryDate", "2099-01-01T00:00:00Z"}, {"idTag", "CARD-1"},
                                   {"reservationId", 41}});
  REQUIRE(r.status == 200);
  r = call("ReserveNow", Json{{"connectorId", 0}, {"expiryDate", "2099-01-01T00:00:00Z"}, {"idTag", "CARD-1"},
                              {"reservationId", 42}});
  REQUIRE(r.status == 200);
  r = call("CancelReservation", Json{{"reservationId", 42}});
  REQUIRE(r.status == 200);
  CHECK(s.db().scalar("SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM reservations") ==
        "41:reserved,42:cancelled");

  // The station starts the reserved charge and says which reservation it ends.
  const Json started = st.call("StartTransaction", Json{{"connectorId", 1},
                                                        {"idTag", "CARD-1"},
                                                        {"meterStart", 0},
                                                        {"timestamp", "2026-12-04T10:00:00Z"},
                                                        {"reservationId", 41}});
  INFO(started.dump());
  CHECK(started["idTagInfo"].value("status", "") == "Accepted");
  const auto tx = started.value("transactionId", 0);
  CHECK(s.db().scalar("SELECT status || ' ' || transaction_id FROM reservations WHERE id = 41") ==
        "used " + std::to_string(tx));

  // A cancelled reservation named by a start: recorded, and the start is answered as any other.
  const Json other = st.call("StartTransaction", Json{{"connectorId", 2},
                                                      {"idTag", "CARD-1"},
                                                      {"meterStart", 0},
                                                      {"timestamp", "2026-12-04T10:05:00Z"},
                                                      {"reservationId", 42}});
  CHECK(other.value("transactionId", 0) > tx);
  CHECK(other["idTagInfo"].value("status", "") == "ConcurrentTx");  // the same card charges on connector 1
  CHECK(s.db().scalar("SELECT detail->>'reason' FROM station_events WHERE kind = 'reservation_mismatch'") ==
        "cancelled");
}
