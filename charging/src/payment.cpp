// Payments credited by the provider's webhook: once per payment id, the ledger row and the
// payment_confirmed notification in the same transaction.
#include "internal.hpp"
#include "push/events.hpp"

namespace evp::charging {

asio::awaitable<Credit> Service::credit_payment(const std::string& payment_id, const std::string& client_id,
                                                Money amount, const std::string& currency, const std::string& raw) {
  Credit out;
  Outbox outbox(impl_->push);
  const std::string amount_text = amount.str();
  co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    outbox.reset();
    out = {};
    db::Params lp = db::params(db::param(client_id));
    auto client = co_await tx.query("SELECT 1 FROM clients WHERE id = $1 FOR UPDATE", std::move(lp));
    if (client.empty()) throw Refused(Refused::Kind::NotFound, "client_not_found", "no client with this user_id");
    // The payments primary key and the ledger's (kind, reference) key make a replay credit
    // nothing; the replay is answered with the first delivery's result.
    db::Params ip = db::params(db::param(payment_id), db::param(client_id), db::param(amount_text), db::param(currency),
                         db::param(raw));
    auto ins = co_await tx.query(
        "INSERT INTO payments (id, client_id, amount, currency, raw) VALUES ($1, $2, $3::numeric, $4, $5::jsonb) "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        std::move(ip));
    if (ins.empty()) {
      db::Params pp = db::params(db::param(payment_id));
      auto prev = co_await tx.query(
          "SELECT p.client_id, p.amount::text, l.balance_after::text FROM payments p "
          "LEFT JOIN balance_ledger l ON l.kind = 'payment' AND l.reference = p.id WHERE p.id = $1",
          std::move(pp));
      if (prev.get(0, 0) != client_id || Money::from_db(prev.get(0, 1)) != amount)
        throw Refused(Refused::Kind::Conflict, "payment_conflict",
                      "payment_id was already used with a different user or amount");
      out.new_balance = Money::from_db(prev.get(0, 2));
      co_return;
    }
    db::Params up = db::params(db::param(client_id), db::param(amount_text));
    auto bal = co_await tx.query(
        "UPDATE clients SET balance = balance + $2::numeric, updated_at = now() WHERE id = $1 RETURNING balance::text",
        std::move(up));
    out.new_balance = Money::from_db(bal.get(0, 0));
    db::Params lp2 = db::params(db::param(client_id), db::param(amount_text), db::param(payment_id),
                          db::param(out.new_balance.str()));
    co_await tx.query(
        "INSERT INTO balance_ledger (client_id, amount, kind, reference, balance_after) "
        "VALUES ($1, $2::numeric, 'payment', $3, $4::numeric)",
        std::move(lp2));
    const auto note = push::events::payment_confirmed(payment_id, amount, out.new_balance);
    co_await outbox.add(tx, client_id, /*owner=*/false, note);
    out.credited = true;
  });
  outbox.wake();
  co_return out;
}

asio::awaitable<Credit> Service::adjust_balance(const Adjustment& a) {
  using K = Refused::Kind;
  if (a.id.empty() || a.id.size() > 64) throw Refused(K::Invalid, "invalid_adjustment_id", "id is 1 to 64 characters");
  if (a.reason.empty() || a.reason.size() > 500)
    throw Refused(K::Invalid, "invalid_reason", "reason is 1 to 500 characters");
  if (a.amount.is_zero() || !a.amount.fits_column())
    throw Refused(K::Invalid, "invalid_amount", "amount must be non-zero and fit a balance");
  Credit out;
  const std::string amount_text = a.amount.str();
  co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    out = {};
    db::Params lp = db::params(db::param(a.client_id));
    auto client = co_await tx.query("SELECT balance::text FROM clients WHERE id = $1 FOR UPDATE", std::move(lp));
    if (client.empty()) throw Refused(K::NotFound, "client_not_found", "no client with this id");
    const Money before = Money::from_db(client.get(0, 0));
    db::Params ip = db::params(db::param(a.id), db::param(a.client_id), db::param(amount_text), db::param(a.reason),
                               db::param(a.operator_id));
    auto ins = co_await tx.query(
        "INSERT INTO balance_adjustments (id, client_id, amount, reason, operator_id) "
        "VALUES ($1, $2, $3::numeric, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id",
        std::move(ip));
    if (ins.empty()) {
      // A repeat (a double click, a retried request): the first result, nothing moves.
      db::Params pp = db::params(db::param(a.id));
      auto prev = co_await tx.query(
          "SELECT b.client_id, b.amount::text, l.balance_after::text FROM balance_adjustments b "
          "LEFT JOIN balance_ledger l ON l.kind = 'adjustment' AND l.reference = b.id WHERE b.id = $1",
          std::move(pp));
      if (prev.get(0, 0) != a.client_id || Money::from_db(prev.get(0, 1)) != a.amount)
        throw Refused(K::Conflict, "adjustment_conflict", "this id was already used for another client or amount");
      out.new_balance = Money::from_db(prev.get(0, 2));
      co_return;
    }
    // Checked before the update, which NUMERIC(12,2) would refuse as a database error.
    // Both fit the column, so the sum cannot overflow.
    const Money after = before + a.amount;
    if (!after.fits_column()) throw Refused(K::Invalid, "invalid_amount", "the balance would not fit");
    db::Params up = db::params(db::param(a.client_id), db::param(amount_text));
    auto bal = co_await tx.query(
        "UPDATE clients SET balance = balance + $2::numeric, updated_at = now() WHERE id = $1 RETURNING balance::text",
        std::move(up));
    out.new_balance = Money::from_db(bal.get(0, 0));
    db::Params lp2 = db::params(db::param(a.client_id), db::param(amount_text), db::param(a.id),
                                db::param(out.new_balance.str()));
    co_await tx.query(
        "INSERT INTO balance_ledger (client_id, amount, kind, reference, balance_after) "
        "VALUES ($1, $2::numeric, 'adjustment', $3, $4::numeric)",
        std::move(lp2));
    out.credited = true;
  });
  co_return out;
}

}  // namespace evp::charging
