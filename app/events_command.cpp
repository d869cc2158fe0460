// `evpower events`: the session events an operator reviews (superseded and swept
// transactions, suspect and unpaid sessions, late and unknown stops, meters going backwards).
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "charging/charging.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "run_async.hpp"

namespace evp::app {

int events(const common::Env& env, const std::vector<std::string>& args) {
  std::optional<std::string> kind;
  std::int64_t limit = 50;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--kind" && i + 1 < args.size()) {
      kind = args[++i];
    } else if (args[i] == "--limit" && i + 1 < args.size()) {
      try {
        limit = std::stoll(args[++i]);
      } catch (const std::exception&) {
        limit = 0;
      }
      if (limit < 1 || limit > 10000) throw common::ConfigError("events", "--limit must be 1 to 10000");
    } else {
      throw common::ConfigError("events", "usage: evpower events [--kind KIND] [--limit N]");
    }
  }
  auto cfg = db_config_from_env(env);
  cfg.pool_size = 1;
  boost::asio::io_context io(1);
  db::Pool pool(io.get_executor(), cfg);
  run_async(io, pool.start());
  charging::Service charging(io.get_executor(), pool, nullptr, charging_config_from_env(env));
  auto list = run_async(io, charging.events(kind, limit));
  std::cout << "id\tcreated_at\tstation\tkind\tdetail\n";
  for (const auto& e : list)
    std::cout << e.id << '\t' << e.created_at << '\t' << e.station_id << '\t' << e.kind << '\t' << e.detail_json << '\n';
  pool.stop();
  return 0;
}

}  // namespace evp::app
