#include <string>

#include "db/db.hpp"

namespace evp::db {

Param param(std::int64_t v) { return std::to_string(v); }
Param param(bool v) { return std::string(v ? "true" : "false"); }

}  // namespace evp::db
