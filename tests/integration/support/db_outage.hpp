#pragma once
// A database outage as the server sees it: its connections are cut and new ones refused
// (ALTER DATABASE ... ALLOW_CONNECTIONS false), until the guard is ended or destroyed.
#include <string>

#include "db/testing.hpp"

namespace evp::itest {

class DbOutage {
 public:
  explicit DbOutage(const evp::db::testing::TempDatabase& db);
  ~DbOutage();
  DbOutage(const DbOutage&) = delete;
  DbOutage& operator=(const DbOutage&) = delete;
  /// Lets connections in again.
  void end();

 private:
  std::string name_;
  bool active_ = true;
};

}  // namespace evp::itest
