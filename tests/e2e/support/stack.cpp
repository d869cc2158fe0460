#include "stack.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tokens.hpp"

namespace evp::e2e {

namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

std::string random_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a = rng(), b = rng();
  a = (a & ~0xF000ULL) | 0x4000ULL;                  // version 4
  b = (b & ~(0xC000ULL << 48)) | (0x8000ULL << 48);  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(a >> 32),
                (unsigned long long)((a >> 16) & 0xFFFF), (unsigned long long)(a & 0xFFFF),
                (unsigned long long)(b >> 48), (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string sql_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string subscription_id(const Json& subscription) {
  const std::string endpoint = subscription.at("endpoint").get<std::string>();
  return endpoint.substr(endpoint.rfind('/') + 1);
}

Stack::Stack(StackOptions options) {
  char tmpl[] = "/tmp/evp-e2e-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  loop_ = std::make_unique<Loop>();
  // An empty database: the schema comes from `evpower migrate`, as an operator makes it.
  db_ = std::make_unique<db::testing::TempDatabase>(db::testing::TempDatabase::Options{.migrate = false});
  if (options.async_commit) db_->exec("ALTER DATABASE " + db_->name() + " SET synchronous_commit = off");

  // The whole environment, also for the commands run before the server (migrate,
  // vapid-keygen); evp::testing::Server adds nothing to it but DB_POOL_SIZE, left at the
  // server's default here.
  env_ = {{"DATABASE_URL", db_->url()},
          {"EVP_ENV", "test"},
          {"EVP_MIGRATIONS_DIR", db::testing::TempDatabase::default_migrations_dir()},
          {"LOG_LEVEL", options.log_level},
          {"OCPP_LISTEN_ADDRESS", "127.0.0.1"},
          {"OCPP_PORT", "0"},
          {"OCPP_TLS_PORT", "0"},
          {"OCPP_AUTO_REGISTER", "off"},
          {"API_LISTEN_ADDRESS", "127.0.0.1"},
          {"API_PORT", "0"},
          {"JWT_SECRET", kJwtSecret},
          {"PAYMENT_WEBHOOK_SECRET", kWebhookSecret},
          {"PUSH_NOTIFICATIONS_ENABLED", options.push ? "true" : "false"}};

  auto [mrc, mout] = run_command({server_binary(), "migrate"}, env_, dir_);
  if (mrc != 0) throw std::runtime_error("evpower migrate failed (" + std::to_string(mrc) + "): " + mout);

  if (options.push) {
    // Subscriptions and the TLS identity survive restart_receiver() (--state-file).
    receiver_ = std::make_unique<testing::Receiver>(
        testing::ReceiverOptions{.dir = dir_, .state_file = true, .args = options.receiver_args});
    connect_receiver();

    auto [krc, keys] = run_command({server_binary(), "vapid-keygen"}, env_, dir_);
    if (krc != 0) throw std::runtime_error("evpower vapid-keygen failed: " + keys);
    std::istringstream lines(keys);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#' || line.find('=') == std::string::npos) continue;
      env_[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
    }
    if (!env_.contains("VAPID_PRIVATE_KEY") || !env_.contains("VAPID_PUBLIC_KEY"))
      throw std::runtime_error("vapid-keygen printed no key pair: " + keys);
    env_["VAPID_SUBJECT"] = "mailto:e2e@evpower.kg";
    env_["PUSH_CA_FILE"] = receiver_->cert();
    env_["PUSH_ALLOW_INSECURE_ENDPOINTS"] = "true";
  }
  // The ports are picked at the first start and kept for restarts: the dispatcher's
  // instance name must not change with them.
  env_["PUSH_INSTANCE_NAME"] = "e2e:" + db_->name();
  for (auto& [k, v] : options.env) env_[k] = v;
  // EVP_E2E_SERVER_WRAPPER="/usr/bin/gdb -batch -ex run -ex bt --args" runs the server under
  // a debugger (words separated by spaces; the first must be a path).
  std::vector<std::string> wrapper;
  std::istringstream words(env_or("EVP_E2E_SERVER_WRAPPER", ""));
  for (std::string word; words >> word;) wrapper.push_back(word);
  server_ = std::make_unique<testing::Server>(testing::ServerOptions{.database_url = db_->url(),
                                                                     .env = env_,
                                                                     .log_level = options.log_level,
                                                                     .jwt_secret = kJwtSecret,
                                                                     .push = options.push,
                                                                     .db_pool_size = 0,
                                                                     .dir = dir_,
                                                                     .wrapper = std::move(wrapper)});
  connect_api();
}

void Stack::connect_receiver() {
  loop_->run([this]() -> asio::awaitable<void> {
    receiver_http_ = std::make_unique<HttpClient>(loop_->executor(), "127.0.0.1", receiver_->http_port());
    co_return;
  }());
}

int Stack::kill_receiver() { return receiver_->kill_now(); }

void Stack::restart_receiver() {
  receiver_->restart();
  connect_receiver();
}

void Stack::connect_api() {
  rest_port_ = server_->rest_port();
  loop_->run([this]() -> asio::awaitable<void> {
    api_ = std::make_unique<HttpClient>(loop_->executor(), "127.0.0.1", rest_port_);
    co_return;
  }());
}

int Stack::kill_server() { return server_->kill_now(); }

void Stack::restart_server() {
  server_->restart();
  connect_api();
}

std::string Stack::metrics() {
  auto res = request(http::verb::get, "/metrics", "", {});
  if (res.status != 200) throw std::runtime_error("GET /metrics: " + std::to_string(res.status) + " " + res.body);
  return res.body;
}

Json Stack::receiver_control(const Json& faults) {
  auto res = loop_->run(receiver_http_->request(http::verb::post, "/control", faults.dump()));
  if (res.status != 200) throw std::runtime_error("receiver POST /control: " + res.body);
  return res.json();
}

Stack::~Stack() {
  // Clients first (their sockets live on the loop), then the processes, then the database.
  loop_->run([this]() -> asio::awaitable<void> {
    api_.reset();
    receiver_http_.reset();
    co_return;
  }());
  if (server_) {
    const int rc = server_->stop();
    if (rc != 0) std::fprintf(stderr, "e2e: server exited with %d; log tail:\n%s\n", rc, server_->log_tail().c_str());
  }
  if (receiver_) receiver_->stop();
  loop_.reset();
  db_.reset();
  if (!std::getenv("EVP_E2E_KEEP")) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string Stack::ocpp_url() const { return server_->ocpp_url(); }

std::string Stack::logs() const {
  std::string s = "server log (" + dir_ + "):\n" + (server_ ? server_->log_tail() : std::string());
  if (receiver_) s += "\nreceiver log:\n" + receiver_->log_tail(3000);
  return s;
}

std::string Stack::add_client(const std::string& name, const std::string& balance) {
  auto id = random_uuid();
  db_->exec("INSERT INTO clients (id, name, email, balance) VALUES (" + sql_quote(id) + ", " + sql_quote(name) + ", " +
            sql_quote(id.substr(0, 8) + "@driver.kg") + ", " + sql_quote(balance) + "::numeric)");
  return id;
}

std::string Stack::add_owner(const std::string& name) {
  auto id = random_uuid();
  db_->exec("INSERT INTO owners (id, name, email) VALUES (" + sql_quote(id) + ", " + sql_quote(name) + ", " +
            sql_quote(id.substr(0, 8) + "@owner.kg") + ")");
  return id;
}

std::string Stack::add_location(const std::string& owner_id, const std::string& name) {
  return db_->scalar("INSERT INTO locations (user_id, name, address) VALUES (" + sql_quote(owner_id) + ", " +
                     sql_quote(name) + ", 'Бишкек') RETURNING id");
}

void Stack::add_station(const std::string& id, const std::string& display_name, const std::string& price,
                        const std::string& location_id) {
  auto [rc, out] =
      server_->cli({"station", "add", id, "--name", display_name, "--price", price, "--location", location_id});
  if (rc != 0) throw std::runtime_error("evpower station add " + id + " failed: " + out);
}

std::pair<int, std::string> Stack::cli(std::vector<std::string> args) { return server_->cli(std::move(args)); }

std::string Stack::token(const std::string& user_id) const { return hs256_jwt(kJwtSecret, user_claims(user_id)); }

HttpResponse Stack::request(http::verb method, const std::string& target, std::string body, Headers headers) {
  return loop_->run(api_->request(method, target, std::move(body), std::move(headers)));
}

HttpResponse Stack::get(const std::string& target, const std::string& token) {
  Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return request(http::verb::get, target, {}, std::move(h));
}

HttpResponse Stack::post(const std::string& target, const Json& body, const std::string& token) {
  return send_json(http::verb::post, target, body, token);
}

HttpResponse Stack::put(const std::string& target, const Json& body, const std::string& token) {
  return send_json(http::verb::put, target, body, token);
}

HttpResponse Stack::send_json(http::verb method, const std::string& target, const Json& body,
                              const std::string& token) {
  Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return request(method, target, body.is_null() ? std::string() : body.dump(), std::move(h));
}

HttpResponse Stack::webhook(const std::string& body, std::optional<std::string> signature) {
  Headers h{{"X-Signature", signature.value_or(hmac_sha256_hex(kWebhookSecret, body))}};
  return request(http::verb::post, "/api/v1/payment/webhook", body, std::move(h));
}

HttpResponse Stack::subscribe(const std::string& token, const Json& subscription, const std::string& user_type) {
  Json body = subscription;
  if (!user_type.empty()) body["user_type"] = user_type;
  return post("/api/v1/notifications/subscribe", body, token);
}

Json Stack::new_subscription() {
  if (!receiver_http_) throw std::runtime_error("push receiver not started (StackOptions::push)");
  auto res = loop_->run(receiver_http_->request(http::verb::post, "/subscriptions", "{}"));
  if (res.status != 201) throw std::runtime_error("receiver POST /subscriptions: " + res.body);
  return res.json();
}

Json Stack::all_messages() {
  auto res = loop_->run(receiver_http_->request(http::verb::get, "/messages"));
  if (res.status != 200) throw std::runtime_error("receiver GET /messages: " + res.body);
  return res.json();
}

std::vector<Json> Stack::received(const Json& subscription) {
  const auto id = subscription_id(subscription);
  std::vector<Json> out;
  for (const auto& m : all_messages()) {
    if (m.value("subscription", "") != id) continue;
    out.push_back(m["json"].is_object() ? m["json"] : Json::parse(m.value("payload", ""), nullptr, false));
  }
  return out;
}

bool Stack::outbox_settled() const {
  return db_->scalar("SELECT count(*) FROM push_outbox WHERE state IN ('pending', 'sending')") == "0";
}

std::string Stack::undelivered(const std::string& event_type) const {
  return db_->scalar("SELECT count(*) FROM push_outbox WHERE event_type = " + sql_quote(event_type) +
                     " AND state IN ('failed', 'expired')");
}

}  // namespace evp::e2e
