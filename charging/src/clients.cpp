// Drivers as operators look them up (the console's search): who they are and their balance.
#include "charging/charging.hpp"
#include "internal.hpp"

namespace evp::charging {

namespace {

const std::string& client_select() {
  static const std::string sql = std::string("SELECT c.id, c.email, c.name, c.phone, c.balance::text, to_char(c.created_at AT TIME ZONE 'UTC', '") +
                                 kUtcFormat + "'), count(*) OVER () FROM clients c ";
  return sql;
}

ClientSummary client_of(const db::Result& r, int i) {
  return {std::string(r.get(i, 0)), r.opt(i, 1), r.opt(i, 2), r.opt(i, 3), Money::from_db(r.get(i, 4)),
          std::string(r.get(i, 5))};
}

}  // namespace

asio::awaitable<ClientPage> Service::clients(const std::optional<std::string>& q, std::int64_t limit,
                                             std::int64_t offset) {
  // strpos, not LIKE: what the operator typed is matched literally (no % or _ wildcards).
  db::Params p = db::params(db::param(q), db::param(limit), db::param(offset));
  auto r = co_await impl_->pool.query(
      client_select() +
          "WHERE $1::text IS NULL OR c.id::text = lower($1) OR strpos(lower(c.email), lower($1)) > 0 "
          "OR strpos(c.phone, $1) > 0 OR strpos(lower(c.name), lower($1)) > 0 "
          "ORDER BY c.created_at DESC, c.id LIMIT $2 OFFSET $3",
      std::move(p));
  ClientPage page;
  for (int i = 0; i < r.rows(); ++i) page.items.push_back(client_of(r, i));
  if (!r.empty()) {
    page.total = r.get_int(0, 6);
  } else if (offset > 0) {
    db::Params c = db::params(db::param(q));
    auto n = co_await impl_->pool.query(
        "SELECT count(*) FROM clients c WHERE $1::text IS NULL OR c.id::text = lower($1) "
        "OR strpos(lower(c.email), lower($1)) > 0 OR strpos(c.phone, $1) > 0 OR strpos(lower(c.name), lower($1)) > 0",
        std::move(c));
    page.total = n.get_int(0, 0);
  }
  co_return page;
}

asio::awaitable<std::optional<ClientSummary>> Service::client(const std::string& client_id) {
  db::Params p = db::params(db::param(client_id));
  auto r = co_await impl_->pool.query(client_select() + "WHERE c.id = $1::uuid", std::move(p));
  if (r.empty()) co_return std::nullopt;
  co_return client_of(r, 0);
}

}  // namespace evp::charging
