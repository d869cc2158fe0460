// The set-up subcommands next to `station`: owners, locations, id tags and operators, so a
// network can be set up from a shell (and by scripts) without writing SQL.
//
//   evpower owner add [<user-id>] [--name N] [--email E] [--phone P]   owner list
//   evpower location add --owner <user-id> --name N [--address A]   location list [--owner ID]
//   evpower idtag add <tag> [--client <user-id>] [--expires <RFC 3339>] [--parent <tag>]
//   evpower idtag block <tag>                                  idtag list
//   evpower operator add <user-id> [--note N]                  operator list
// Owners, locations and stations are saved through ocpp/registry.hpp, as the management API saves them.
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "charging/charging.hpp"
#include "ocpp/registry.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "run_async.hpp"

namespace evp::app {

namespace asio = boost::asio;
namespace registry = ocpp::registry;

namespace {

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// `--name value` options after the positional arguments; anything else is an error that
// names the command.
struct Parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  db::Param opt(const char* name) const {
    auto it = options.find(name);
    return it == options.end() ? db::null() : db::Param(it->second);
  }
  bool has(const char* name) const { return options.count(name) > 0; }
  /// A registry change: given -> the value, absent -> keep.
  registry::Change<std::string> change(const char* name) const {
    auto it = options.find(name);
    return it == options.end() ? registry::Change<std::string>() : registry::Change<std::string>(it->second);
  }
};

constexpr std::int64_t kPage = 1000;

Parsed parse(const char* command, const std::vector<std::string>& args, std::size_t from,
             const std::set<std::string>& allowed) {
  Parsed p;
  for (std::size_t i = from; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.starts_with("--")) {
      const auto name = a.substr(2);
      if (!allowed.count(name) || i + 1 >= args.size())
        throw common::ConfigError(command, "unknown or incomplete option '" + a + "'");
      p.options[name] = args[++i];
    } else {
      p.positional.push_back(a);
    }
  }
  return p;
}

void need_uuid(const char* command, const char* what, const std::string& value) {
  if (!is_uuid(value)) throw common::ConfigError(command, std::string(what) + " must be a UUID, got '" + value + "'");
}

// Runs `body` against the database of the environment.
int with_pool(const common::Env& env, const std::function<asio::awaitable<void>(db::Pool&)>& body) {
  auto cfg = db_config_from_env(env);
  cfg.pool_size = 1;
  asio::io_context io(1);
  db::Pool pool(io.get_executor(), cfg);
  run_async(io, pool.start());
  run_async(io, body(pool));
  pool.stop();
  return 0;
}

void print_rows(const db::Result& r, const std::string& header) {
  std::cout << header << '\n';
  for (int i = 0; i < r.rows(); ++i) {
    for (int c = 0; c < r.columns(); ++c) std::cout << (c ? "\t" : "") << (r.is_null(i, c) ? "-" : r.get(i, c));
    std::cout << '\n';
  }
}

}  // namespace

int owner(const common::Env& env, const std::vector<std::string>& args) {
  const char* usage = "usage: evpower owner add [<user-id>] [--name N] [--email E] [--phone P] | owner list";
  if (args.empty() || (args[0] != "add" && args[0] != "list")) throw common::ConfigError("owner", usage);
  if (args[0] == "list")
    return with_pool(env, [](db::Pool& pool) -> asio::awaitable<void> {
      std::cout << "id\tname\temail\tlocations\tstations\n";
      for (std::int64_t offset = 0;; offset += kPage) {
        const auto page = co_await registry::owners(pool, kPage, offset);
        for (const auto& o : page)
          std::cout << o.id << '\t' << o.name.value_or("") << '\t' << o.email.value_or("") << '\t' << o.locations
                    << '\t' << o.stations << '\n';
        if (static_cast<std::int64_t>(page.size()) < kPage) break;
      }
    });
  auto p = parse("owner", args, 1, {"name", "email", "phone"});
  if (p.positional.size() > 1) throw common::ConfigError("owner", usage);
  std::string id = p.positional.empty() ? "" : p.positional[0];
  if (!id.empty()) need_uuid("owner", "the user id (the owner's Supabase user id)", id);
  return with_pool(env, [&](db::Pool& pool) -> asio::awaitable<void> {
    // Adding an owner again changes what was given and keeps the rest.
    registry::OwnerChange change{p.change("name"), p.change("email"), p.change("phone")};
    const auto saved = co_await registry::save_owner(pool, id, change, registry::Save::Upsert);
    std::cout << "owner " << saved.row->id << " saved\n";
  });
}

int location(const common::Env& env, const std::vector<std::string>& args) {
  const char* usage = "usage: evpower location add --owner <user-id> --name N [--address A] | location list [--owner ID]";
  if (args.empty() || (args[0] != "add" && args[0] != "list")) throw common::ConfigError("location", usage);
  auto p = parse("location", args, 1, {"owner", "name", "address"});
  if (!p.positional.empty()) throw common::ConfigError("location", usage);
  if (p.has("owner")) need_uuid("location", "--owner", p.options["owner"]);
  if (args[0] == "list")
    return with_pool(env, [&](db::Pool& pool) -> asio::awaitable<void> {
      const auto owner = p.has("owner") ? std::optional(p.options["owner"]) : std::nullopt;
      std::cout << "id\towner\tname\taddress\tstations\n";
      for (std::int64_t offset = 0;; offset += kPage) {
        const auto page = co_await registry::locations(pool, owner, kPage, offset);
        for (const auto& l : page)
          std::cout << l.id << '\t' << l.owner_id << '\t' << l.name << '\t' << l.address.value_or("") << '\t'
                    << l.stations << '\n';
        if (static_cast<std::int64_t>(page.size()) < kPage) break;
      }
    });
  if (!p.has("owner") || !p.has("name")) throw common::ConfigError("location", usage);
  return with_pool(env, [&](db::Pool& pool) -> asio::awaitable<void> {
    registry::LocationChange change;
    change.owner_id = p.options["owner"];
    change.name = p.options["name"];
    change.address = p.change("address");
    const auto saved = co_await registry::save_location(pool, "", change, registry::Save::Create);
    if (saved.outcome == registry::Outcome::UnknownOwner)
      throw common::ConfigError("location", "no owner " + p.options["owner"] + " (add it with `evpower owner add`)");
    std::cout << "location " << saved.row->id << " saved\n";
  });
}

int idtag(const common::Env& env, const std::vector<std::string>& args) {
  const char* usage =
      "usage: evpower idtag add <tag> [--client <user-id>] [--expires <RFC 3339>] [--parent <tag>] | "
      "idtag block <tag> | idtag list";
  if (args.empty() || (args[0] != "add" && args[0] != "block" && args[0] != "list"))
    throw common::ConfigError("idtag", usage);
  // The charging module owns id tags: the CLI and the management API change them the same way.
  auto with_tags = [&](const std::function<asio::awaitable<void>(charging::Service&)>& body) {
    return with_pool(env, [&](db::Pool& pool) -> asio::awaitable<void> {
      charging::Service tags(co_await asio::this_coro::executor, pool, nullptr, {});
      try {
        co_await body(tags);
      } catch (const charging::Refused& e) {
        throw common::ConfigError("idtag", e.what());
      }
    });
  };
  if (args[0] == "list")
    return with_tags([](charging::Service& tags) -> asio::awaitable<void> {
      std::cout << "id_tag\tstatus\tclient\texpires\tparent\n";
      for (std::int64_t offset = 0;; offset += 1000) {
        const auto page = co_await tags.id_tags(1000, offset);
        for (const auto& t : page)
          std::cout << t.id_tag << '\t' << charging::to_string(t.status) << '\t' << t.client_id.value_or("-") << '\t'
                    << t.expiry.value_or("-") << '\t' << t.parent_id_tag.value_or("-") << '\n';
        if (page.size() < 1000) break;
      }
    });
  auto p = parse("idtag", args, 1, {"client", "expires", "parent"});
  if (p.positional.size() != 1) throw common::ConfigError("idtag", usage);
  charging::IdTagUpdate update;
  update.id_tag = p.positional[0];
  if (args[0] == "block") {
    if (!p.options.empty()) throw common::ConfigError("idtag", usage);
    update.status = charging::TagStatus::Blocked;
    update.create = false;
  } else {
    // Adding a tag again accepts it again (unblocks) and changes what was given.
    if (p.has("client")) need_uuid("idtag", "--client", p.options["client"]);
    update.client_id = p.opt("client");
    update.expiry = p.opt("expires");
    update.parent_id_tag = p.opt("parent");
  }
  return with_tags([&](charging::Service& tags) -> asio::awaitable<void> {
    const auto saved = co_await tags.save_id_tag(update);
    std::cout << "id tag " << saved.id_tag << (args[0] == "block" ? " blocked\n" : " accepted\n");
  });
}

int operator_command(const common::Env& env, const std::vector<std::string>& args) {
  const char* usage = "usage: evpower operator add <user-id> [--note N] | operator list";
  if (args.empty() || (args[0] != "add" && args[0] != "list")) throw common::ConfigError("operator", usage);
  if (args[0] == "list")
    return with_pool(env, [](db::Pool& pool) -> asio::awaitable<void> {
      auto r = co_await pool.query(
          "SELECT user_id, coalesce(note, ''), to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
          "FROM operators ORDER BY created_at, user_id");
      print_rows(r, "user_id\tnote\tadded");
    });
  auto p = parse("operator", args, 1, {"note"});
  if (p.positional.size() != 1) throw common::ConfigError("operator", usage);
  need_uuid("operator", "the user id (the operator's Supabase user id)", p.positional[0]);
  return with_pool(env, [&](db::Pool& pool) -> asio::awaitable<void> {
    db::Params params = db::params(p.positional[0], p.opt("note"));
    co_await pool.query(
        "INSERT INTO operators (user_id, note) VALUES ($1::uuid, $2) "
        "ON CONFLICT (user_id) DO UPDATE SET note = coalesce($2, operators.note)",
        std::move(params));
    std::cout << "operator " << p.positional[0] << " saved\n";
  });
}

}  // namespace evp::app
