// `evpower dev-token [--operator] <user-id> [--hours H]`: a locally signed access token for
// development (scripts/run prints a console link with one). It signs with JWT_SECRET, which
// outside production is the generated development secret; in production it refuses, since
// a token signed with the Supabase project's secret would be a real sign-in.
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "api/dev_token.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "run_async.hpp"

namespace evp::app {

namespace asio = boost::asio;

int dev_token(const common::Env& env, const std::vector<std::string>& args) {
  const char* usage = "usage: evpower dev-token [--operator] <user-id> [--hours H]";
  bool as_operator = false;
  std::string user;
  std::int64_t hours = 12;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--operator") {
      as_operator = true;
    } else if (args[i] == "--hours" && i + 1 < args.size()) {
      try {
        hours = std::stoll(args[++i]);
      } catch (const std::exception&) {
        hours = 0;
      }
      if (hours < 1 || hours > 24 * 30) throw common::ConfigError("dev-token", "--hours must be 1 to 720");
    } else if (!args[i].starts_with("--") && user.empty()) {
      user = args[i];
    } else {
      throw common::ConfigError("dev-token", usage);
    }
  }
  if (user.size() != 36 || user[8] != '-' || user[13] != '-' || user[18] != '-' || user[23] != '-')
    throw common::ConfigError("dev-token", "the user id must be a UUID");
  for (auto& c : user) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto environment = env.str("EVP_ENV", "development");
  if (environment == "production")
    throw common::ConfigError("dev-token", "refused in production (EVP_ENV=production): sign in through Supabase");
  const auto secret = env.str("JWT_SECRET", "");
  if (secret.empty())
    throw common::ConfigError("JWT_SECRET",
                              "dev-token signs with JWT_SECRET (scripts/run generates one in .data/dev.env)");
  auto audience = env.str("JWT_AUDIENCE", "authenticated");
  if (audience == "-") audience.clear();

  if (as_operator) {
    // The token alone does not make an operator: say so now rather than with a 403 later.
    auto cfg = db_config_from_env(env);
    cfg.pool_size = 1;
    asio::io_context io(1);
    db::Pool pool(io.get_executor(), cfg);
    run_async(io, pool.start());
    auto r = run_async(io, pool.query("SELECT 1 FROM operators WHERE user_id = $1::uuid", db::params(user)));
    pool.stop();
    if (r.empty())
      throw common::ConfigError("dev-token",
                                user + " is not an operator: run `evpower operator add " + user + "` first");
  }
  std::cout << api::mint_hs256_token(secret, user, audience, std::chrono::hours(hours)) << "\n";
  return 0;
}

}  // namespace evp::app
