#include "support/db_outage.hpp"

#include "evp/testing/process.hpp"

namespace evp::itest {

namespace {
void admin_sql(const std::string& sql) {
  evp::testing::run_shell("psql -X -q -v ON_ERROR_STOP=1 '" + evp::db::testing::TempDatabase::admin_url() + "' -c \"" +
                          sql + "\" >/dev/null");
}
}  // namespace

DbOutage::DbOutage(const evp::db::testing::TempDatabase& db) : name_(db.name()) {
  admin_sql("ALTER DATABASE " + name_ + " ALLOW_CONNECTIONS false");
  admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name_ + "'");
}

DbOutage::~DbOutage() {
  try {
    end();
  } catch (...) {
  }
}

void DbOutage::end() {
  if (!active_) return;
  active_ = false;
  admin_sql("ALTER DATABASE " + name_ + " ALLOW_CONNECTIONS true");
}

}  // namespace evp::itest
