// The operator's id tags: add, block, expire, link to a driver, set a parent. Authorize,
// StartTransaction and StopTransaction read the same rows (authorize.cpp), so a change is
// seen by the next message.
#include "common/time.hpp"
#include "internal.hpp"

namespace evp::charging {
namespace {

// OCPP 1.6 IdToken: CiString20Type.
bool is_id_token(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// The columns of an IdTagRecord, as record_of() reads them.
const std::string& columns() {
  static const std::string sql = std::string("id_tag, status, client_id::text, to_char(expiry_date AT TIME ZONE 'UTC', '") +
                                 kUtcFormat + "'), parent_id_tag, to_char(created_at AT TIME ZONE 'UTC', '" + kUtcFormat +
                                 "')";
  return sql;
}

const std::string& returning() {
  static const std::string sql = " RETURNING " + columns();
  return sql;
}

IdTagRecord record_of(const db::Result& r, int i) {
  return {std::string(r.get(i, 0)), tag_status_of(r.get(i, 1)), r.opt(i, 2), r.opt(i, 3), r.opt(i, 4),
          std::string(r.get(i, 5))};
}

}  // namespace

asio::awaitable<IdTagRecord> Service::save_id_tag(const IdTagUpdate& u) {
  using K = Refused::Kind;
  if (!is_id_token(u.id_tag)) throw Refused(K::Invalid, "invalid_id_tag", "an id tag is 1 to 20 characters");
  if (u.parent_id_tag && !is_id_token(*u.parent_id_tag))
    throw Refused(K::Invalid, "invalid_parent_id_tag", "a parent id tag is 1 to 20 characters");
  if (u.status == TagStatus::ConcurrentTx)
    throw Refused(K::Invalid, "invalid_status", "ConcurrentTx is an answer, not a status to store");
  if (u.expiry && !common::parse_datetime(*u.expiry))
    throw Refused(K::Invalid, "invalid_expiry", "expiry must be an RFC 3339 time");
  static const std::string upsert =
      "INSERT INTO id_tags (id_tag, client_id, status, expiry_date, parent_id_tag) "
      "VALUES ($1, $2::uuid, $3, $4::timestamptz, $5) "
      "ON CONFLICT (lower(id_tag)) DO UPDATE SET status = EXCLUDED.status, "
      "  client_id = coalesce(EXCLUDED.client_id, id_tags.client_id), "
      "  expiry_date = coalesce(EXCLUDED.expiry_date, id_tags.expiry_date), "
      "  parent_id_tag = coalesce(EXCLUDED.parent_id_tag, id_tags.parent_id_tag)" + returning();
  static const std::string update =
      "UPDATE id_tags SET status = $3, client_id = coalesce($2::uuid, client_id), "
      "  expiry_date = coalesce($4::timestamptz, expiry_date), parent_id_tag = coalesce($5, parent_id_tag) "
      "WHERE lower(id_tag) = lower($1)" + returning();
  db::Params p = db::params(db::param(u.id_tag), db::param(u.client_id), db::param(to_string(u.status)),
                            db::param(u.expiry), db::param(u.parent_id_tag));
  std::optional<db::Result> r;
  std::string sqlstate;
  try {
    r = co_await impl_->pool.query(u.create ? upsert : update, std::move(p));
  } catch (const db::Error& e) {
    if (e.sqlstate() != "23503" && e.sqlstate() != "22P02") throw;
    sqlstate = e.sqlstate();
  }
  if (sqlstate == "23503") throw Refused(K::NotFound, "client_not_found", "no client " + *u.client_id);
  if (!sqlstate.empty()) throw Refused(K::Invalid, "invalid_client_id", "client_id must be a UUID");
  if (r->empty()) throw Refused(K::NotFound, "id_tag_not_found", "no id tag " + u.id_tag);
  co_return record_of(*r, 0);
}

asio::awaitable<std::vector<IdTagRecord>> Service::id_tags(std::int64_t limit, std::int64_t offset) {
  db::Params p = db::params(db::param(limit), db::param(offset));
  auto r = co_await impl_->pool.query(
      "SELECT " + columns() + " FROM id_tags ORDER BY lower(id_tag) LIMIT $1 OFFSET $2",
      std::move(p));
  std::vector<IdTagRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(record_of(r, i));
  co_return out;
}

asio::awaitable<std::vector<IdTagRecord>> Service::id_tags_of(const std::string& client_id) {
  db::Params p = db::params(db::param(client_id));
  auto r = co_await impl_->pool.query(
      "SELECT " + columns() + " FROM id_tags WHERE client_id = $1::uuid ORDER BY lower(id_tag)", std::move(p));
  std::vector<IdTagRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(record_of(r, i));
  co_return out;
}

}  // namespace evp::charging
