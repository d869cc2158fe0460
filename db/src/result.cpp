// Result: a thin owner of a text-format PGresult.
#include <libpq-fe.h>

#include <charconv>

#include "db/db.hpp"

namespace evp::db {

Result::Result(PGresult* r) : res_(r) {}
Result::Result(Result&& o) noexcept : res_(o.res_) { o.res_ = nullptr; }
Result& Result::operator=(Result&& o) noexcept {
  if (this != &o) {
    if (res_ != nullptr) PQclear(res_);
    res_ = o.res_;
    o.res_ = nullptr;
  }
  return *this;
}
Result::~Result() {
  if (res_ != nullptr) PQclear(res_);
}

int Result::rows() const { return res_ ? PQntuples(res_) : 0; }
int Result::columns() const { return res_ ? PQnfields(res_) : 0; }

std::int64_t Result::affected() const {
  if (res_ == nullptr) return 0;
  const char* s = PQcmdTuples(res_);
  std::int64_t v = 0;
  std::from_chars(s, s + std::char_traits<char>::length(s), v);
  return v;
}

std::string_view Result::command_status() const { return res_ ? PQcmdStatus(res_) : ""; }

static void check_cell(PGresult* res, int row, int col) {
  if (res == nullptr || row < 0 || col < 0 || row >= PQntuples(res) || col >= PQnfields(res)) {
    throw Error("result has no cell (" + std::to_string(row) + ", " + std::to_string(col) + ")");
  }
}

bool Result::is_null(int row, int col) const {
  check_cell(res_, row, col);
  return PQgetisnull(res_, row, col) != 0;
}

std::string_view Result::get(int row, int col) const {
  check_cell(res_, row, col);
  return {PQgetvalue(res_, row, col), static_cast<std::size_t>(PQgetlength(res_, row, col))};
}

std::optional<std::string> Result::opt(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return std::string(get(row, col));
}

std::int64_t Result::get_int(int row, int col) const {
  auto s = get(row, col);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    throw Error("column " + std::to_string(col) + " is not an integer: '" + std::string(s) + "'");
  }
  return v;
}

bool Result::get_bool(int row, int col) const {
  auto s = get(row, col);
  if (s == "t" || s == "true") return true;
  if (s == "f" || s == "false") return false;
  throw Error("column " + std::to_string(col) + " is not a boolean: '" + std::string(s) + "'");
}

int Result::column(std::string_view name) const {
  std::string n(name);
  // PQfnumber folds unquoted names to lower case; quote to match exactly.
  int c = res_ ? PQfnumber(res_, ("\"" + n + "\"").c_str()) : -1;
  if (c < 0) throw Error("result has no column '" + n + "'");
  return c;
}

}  // namespace evp::db
