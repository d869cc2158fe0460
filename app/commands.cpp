// The operator subcommands: migrate, station add/list, vapid-keygen.
#include "commands.hpp"

#include <boost/asio/io_context.hpp>
#include <iostream>
#include <map>

#include "config.hpp"
#include "ocpp/registry.hpp"
#include "push/crypto.hpp"
#include "run_async.hpp"

namespace evp::app {

namespace asio = boost::asio;

int vapid_keygen() {
  std::cout << push::vapid_keygen_env_lines();
  return 0;
}

int migrate(const common::Env& env, const std::vector<std::string>& args) {
  auto cfg = db_config_from_env(env);
  cfg.pool_size = 1;
  const auto dir = env.str("EVP_MIGRATIONS_DIR", EVP_DEFAULT_MIGRATIONS_DIR);
  int steps = 0;
  if (!args.empty()) {
    if (args[0] != "down") throw common::ConfigError("migrate", "usage: evpower migrate [down N]");
    steps = 1;
    if (args.size() > 1) {
      try {
        steps = std::stoi(args[1]);
      } catch (const std::exception&) {
        steps = -1;
      }
      if (steps < 1) throw common::ConfigError("migrate", "N must be a positive number of migrations");
    }
  }
  asio::io_context io(1);
  db::Pool pool(io.get_executor(), cfg);
  run_async(io, pool.start());
  auto names = steps ? run_async(io, db::rollback(pool, dir, steps)) : run_async(io, db::migrate(pool, dir));
  if (names.empty()) std::cout << (steps ? "nothing to roll back\n" : "database is up to date\n");
  for (auto& n : names) std::cout << (steps ? "rolled back " : "applied ") << n << "\n";
  pool.stop();
  return 0;
}

namespace {

int station_add(db::Pool& pool, asio::io_context& io, const std::vector<std::string>& args) {
  if (args.size() < 2) throw common::ConfigError("station", "usage: evpower station add <id> [--password P] ...");
  const std::string id = args[1];
  if (id.empty() || id.size() > 48) throw common::ConfigError("station", "the id must be 1 to 48 characters");
  std::map<std::string, std::string> opt;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const auto& a = args[i];
    if ((a == "--password" || a == "--name" || a == "--price" || a == "--location") && i + 1 < args.size())
      opt[a.substr(2)] = args[++i];
    else
      throw common::ConfigError("station", "unknown or incomplete option '" + a + "'");
  }
  auto change = [&](const char* k) {
    auto it = opt.find(k);
    return it == opt.end() ? ocpp::registry::Change<std::string>() : ocpp::registry::Change<std::string>(it->second);
  };
  // Upsert, so the command also changes a station's password, name, price or location.
  ocpp::registry::StationChange c;
  c.display_name = change("name");
  c.location_id = change("location");
  if (opt.count("price")) c.price_per_kwh = opt["price"];
  if (opt.count("password")) c.password = opt["password"];
  const auto outcome = run_async(io, ocpp::registry::save_station(pool, id, c, ocpp::registry::Save::Upsert));
  if (outcome == ocpp::registry::Outcome::UnknownLocation)
    throw common::ConfigError("station", "no location " + opt["location"] + " (add it with `evpower location add`)");
  std::cout << "station " << id << " saved" << (opt.count("password") ? " (Basic auth password set)" : "") << "\n";
  return 0;
}

int station_list(db::Pool& pool, asio::io_context& io) {
  auto r = run_async(io, pool.query("SELECT id, COALESCE(display_name, ''), registration_status, status,"
                                    " COALESCE(to_char(last_seen_at, 'YYYY-MM-DD HH24:MI:SSOF'), '-'),"
                                    " password_hash IS NOT NULL, price_per_kwh FROM stations ORDER BY id"));
  std::cout << "id\tname\tregistration\tstatus\tlast_seen\tpassword\tprice_per_kwh\n";
  for (int i = 0; i < r.rows(); ++i)
    std::cout << r.get(i, 0) << '\t' << r.get(i, 1) << '\t' << r.get(i, 2) << '\t' << r.get(i, 3) << '\t' << r.get(i, 4)
              << '\t' << (r.get_bool(i, 5) ? "yes" : "no") << '\t' << r.get(i, 6) << '\n';
  return 0;
}

}  // namespace

int station(const common::Env& env, const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "add" && args[0] != "list"))
    throw common::ConfigError("station", "usage: evpower station add <id> [...] | station list");
  auto cfg = db_config_from_env(env);
  cfg.pool_size = 1;
  asio::io_context io(1);
  db::Pool pool(io.get_executor(), cfg);
  run_async(io, pool.start());
  int rc = args[0] == "add" ? station_add(pool, io, args) : station_list(pool, io);
  pool.stop();
  return rc;
}

}  // namespace evp::app
