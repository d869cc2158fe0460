// evpower: the EvPower central system and its operator commands.
//
//   evpower [--env-file F] [serve]        run the server (default)
//   evpower migrate [down N]              apply / roll back database migrations
//   evpower station add <id> [...]        register a station; `station list`
//   evpower owner|location|idtag|operator add|list ...   set up owners, locations, cards, operators
//   evpower events [--kind K] [--limit N] session events for review (superseded, suspect, ...)
//   evpower vapid-keygen                  print a fresh VAPID key pair as env lines
//   evpower dev-token [--operator] <user-id>   development only: a locally signed access token
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common/env.hpp"
#include "common/log.hpp"

namespace {

void usage() {
  std::cerr << "usage: evpower [--env-file FILE] [serve | migrate [down N] | vapid-keygen |\n"
               "               station add <id> [--password P] [--name N] [--price 12.50] [--location UUID] |\n"
               "               station list | events [--kind KIND] [--limit N] |\n"
               "               owner add [<user-id>] [--name N] [--email E] | owner list |\n"
               "               location add --owner <user-id> --name N [--address A] | location list [--owner ID] |\n"
               "               idtag add <tag> [--client <user-id>] [--expires T] [--parent <tag>] | idtag block <tag> |\n"
               "               idtag list | operator add <user-id> [--note N] | operator list |\n"
               "               dev-token [--operator] <user-id> [--hours H]]\n"
               "Configuration comes from the environment (see .env.example); --env-file or EVP_ENV_FILE\n"
               "names a KEY=value file read for variables the environment does not set.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  std::string env_file;
  if (const char* f = std::getenv("EVP_ENV_FILE")) env_file = f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--env-file" && i + 1 < argc) {
      env_file = argv[++i];
    } else if (a.starts_with("--env-file=")) {
      env_file = a.substr(11);
    } else if (a == "-h" || a == "--help" || a == "help") {
      usage();
      return 0;
    } else {
      args.push_back(std::move(a));
    }
  }
  const std::string command = args.empty() ? "serve" : args.front();
  if (!args.empty()) args.erase(args.begin());

  try {
    evp::common::Env env;
    if (!env_file.empty()) env.load_file(env_file);
    if (command == "vapid-keygen") return evp::app::vapid_keygen();
    evp::common::setup_logging(env.str("LOG_LEVEL", "info"));
    if (command == "serve") return evp::app::serve(env);
    if (command == "migrate") return evp::app::migrate(env, args);
    if (command == "station") return evp::app::station(env, args);
    if (command == "events") return evp::app::events(env, args);
    if (command == "owner") return evp::app::owner(env, args);
    if (command == "location") return evp::app::location(env, args);
    if (command == "idtag") return evp::app::idtag(env, args);
    if (command == "operator") return evp::app::operator_command(env, args);
    if (command == "dev-token") return evp::app::dev_token(env, args);
    std::cerr << "evpower: unknown command '" << command << "'\n";
    usage();
    return 2;
  } catch (const evp::common::ConfigError& e) {
    std::cerr << "evpower: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "evpower: " << e.what() << "\n";
    return 1;
  }
}
