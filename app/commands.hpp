#pragma once
// The subcommands of `evpower`. Each returns the process exit code.
#include <string>
#include <vector>

#include "common/env.hpp"

namespace evp::app {

int serve(const common::Env& env);
/// `migrate` applies pending migrations; `migrate down N` rolls back the newest N.
int migrate(const common::Env& env, const std::vector<std::string>& args);
/// `station add <id> [--password P] [--name N] [--price 12.50] [--location UUID]`, `station list`.
int station(const common::Env& env, const std::vector<std::string>& args);
/// `owner add [<user-id>] [--name N] [--email E]`, `owner list`.
int owner(const common::Env& env, const std::vector<std::string>& args);
/// `location add --owner <user-id> --name N [--address A]`, `location list [--owner ID]`.
int location(const common::Env& env, const std::vector<std::string>& args);
/// `idtag add <tag> [--client ID] [--expires T] [--parent TAG]`, `idtag block <tag>`, `idtag list`.
int idtag(const common::Env& env, const std::vector<std::string>& args);
/// `operator add <user-id> [--note N]`, `operator list`.
int operator_command(const common::Env& env, const std::vector<std::string>& args);
/// `events [--kind KIND] [--limit N]`: session events for review, newest first.
int events(const common::Env& env, const std::vector<std::string>& args);
/// `dev-token [--operator] <user-id> [--hours H]`: a token signed with JWT_SECRET (not in production).
int dev_token(const common::Env& env, const std::vector<std::string>& args);
/// Prints a fresh VAPID key pair as env lines.
int vapid_keygen();

}  // namespace evp::app
