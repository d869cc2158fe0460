#include "receiver.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "common/time.hpp"

namespace evp::push_receiver {
namespace {

using evp::push::CryptoError;
using Json = nlohmann::json;

Response json_response(unsigned status, const Json& body) {
  return {status, {{"content-type", "application/json"}}, body.dump() + "\n", {}};
}

Response error(unsigned status, std::string_view reason) { return json_response(status, {{"error", reason}}); }

bool is_uint(std::string_view s) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_base64url(std::string_view s) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses `vapid t=<jwt>, k=<key>` (RFC 8292 section 3); parameter order and spaces vary.
bool parse_vapid(std::string_view header, std::string& t, std::string& k) {
  if (header.size() < 6 || lower(header.substr(0, 6)) != "vapid ") return false;
  std::string_view rest = header.substr(6);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    auto end = rest.find(',');
    std::string_view param = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    while (!param.empty() && param.back() == ' ') param.remove_suffix(1);
    auto eq = param.find('=');
    if (eq == std::string_view::npos) return false;
    std::string name = lower(param.substr(0, eq));
    std::string_view value = param.substr(eq + 1);
    if (!value.empty() && value.front() == '"' && value.back() == '"' && value.size() >= 2)
      value = value.substr(1, value.size() - 2);
    if (name == "t") t = value;
    if (name == "k") k = value;
  }
  return !t.empty() && !k.empty();
}

// Apple refuses subjects that are not mailto:/https: URLs, and @localhost addresses.
bool subject_ok(std::string_view sub) {
  if (sub.starts_with("https://")) return sub.size() > 8;
  if (!sub.starts_with("mailto:")) return false;
  auto at = sub.find('@');
  return at != std::string_view::npos && at > 7 && at + 1 < sub.size() && !sub.ends_with("@localhost");
}

}  // namespace

Receiver::Receiver(Options options) : options_(std::move(options)) { set_ports(options_.tls_port, options_.http_port); }

void Receiver::set_ports(unsigned tls_port, unsigned http_port) {
  options_.tls_port = tls_port;
  options_.http_port = http_port;
  endpoint_base_ = "https://" + options_.public_host + ":" + std::to_string(options_.tls_port);
  // A sender derives aud from the endpoint URL; accept the loopback spellings of the host too.
  std::vector<std::string> hosts{options_.public_host};
  if (options_.public_host == "127.0.0.1" || options_.public_host == "localhost") hosts = {"127.0.0.1", "localhost"};
  audiences_.clear();
  for (const auto& host : hosts) {
    audiences_.push_back(evp::push::origin_of("https://" + host + ":" + std::to_string(options_.tls_port)));
    if (options_.http_port)
      audiences_.push_back(evp::push::origin_of("http://" + host + ":" + std::to_string(options_.http_port)));
  }
  // Subscriptions made before the ports were known get their endpoints fixed up.
  for (auto& [id, sub] : subscriptions_) sub.json["endpoint"] = endpoint_base() + "/push/" + id;
}

std::string Receiver::endpoint_base() const { return endpoint_base_; }

Json Receiver::subscribe(std::string_view application_server_key) {
  std::string id = std::to_string(next_subscription_++);
  Subscription sub{id, evp::push::KeyPair::generate(), {}, std::string(application_server_key), {}};
  sub.auth = evp::push::KeyPair::generate().private_raw();  // 32 CSPRNG bytes; keep 16
  sub.auth.resize(16);
  sub.json = {{"endpoint", endpoint_base() + "/push/" + id},
              {"expirationTime", nullptr},
              {"keys", {{"p256dh", sub.key.public_b64url()}, {"auth", common::base64url_encode(sub.auth)}}}};
  Json out = sub.json;
  if (state_fd_ >= 0) {
    std::string line = Json{{"id", id},
                            {"private", sub.key.private_b64url()},
                            {"auth", common::base64url_encode(sub.auth)},
                            {"k", sub.required_k}}
                           .dump() +
                       "\n";
    if (::write(state_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      spdlog::error("receiver: cannot append to {}", options_.state_file);
  }
  subscriptions_.emplace(id, std::move(sub));
  return out;
}

Receiver::~Receiver() {
  if (state_fd_ >= 0) ::close(state_fd_);
}

std::size_t Receiver::load_state() {
  if (options_.state_file.empty()) return 0;
  if (state_fd_ < 0) state_fd_ = ::open(options_.state_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (state_fd_ < 0) throw std::runtime_error("cannot open " + options_.state_file);
  std::ifstream state(options_.state_file);
  std::size_t loaded = 0;
  for (std::string line; std::getline(state, line);) {
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // a line cut short by a kill
    if (j.contains("message")) {
      const Json& jm = j["message"];
      Message m;
      m.seq = jm.value("seq", std::uint64_t{0});
      m.subscription = jm.value("subscription", "");
      m.payload = jm.value("payload", "");
      m.ttl = jm.value("ttl", "");
      m.urgency = jm.value("urgency", "");
      m.topic = jm.value("topic", "");
      m.protocol = jm.value("protocol", "");
      m.time = common::TimePoint(std::chrono::milliseconds(jm.value("time_ms", std::int64_t{0})));
      next_message_ = std::max(next_message_, m.seq + 1);
      messages_.push_back(std::move(m));
      if (messages_.size() > options_.keep_messages) messages_.pop_front();
      continue;
    }
    try {
      Subscription sub{j.at("id").get<std::string>(),
                       evp::push::KeyPair::from_strings(j.at("private").get<std::string>(), ""),
                       common::base64_decode_any(j.at("auth").get<std::string>()).value(),
                       j.value("k", ""),
                       {}};
      sub.json = {{"endpoint", endpoint_base() + "/push/" + sub.id},
                  {"expirationTime", nullptr},
                  {"keys", {{"p256dh", sub.key.public_b64url()}, {"auth", j.at("auth").get<std::string>()}}}};
      std::uint64_t number = 0;
      std::from_chars(sub.id.data(), sub.id.data() + sub.id.size(), number);
      next_subscription_ = std::max(next_subscription_, number + 1);
      subscriptions_.insert_or_assign(sub.id, std::move(sub));
      ++loaded;
    } catch (const std::exception& e) {
      spdlog::warn("receiver: skipping a subscription of {}: {}", options_.state_file, e.what());
    }
  }
  return loaded;
}

bool Receiver::audience_ok(std::string_view aud) const {
  for (const auto& audience : audiences_)
    if (aud == audience) return true;
  return false;
}

std::optional<Response> Receiver::check_vapid(const Request& req, const Subscription& sub) {
  if (req.authorization.empty()) return error(401, "missing Authorization (VAPID required)");
  std::string t, k;
  if (!parse_vapid(req.authorization, t, k)) return error(401, "Authorization is not 'vapid t=<jwt>, k=<key>'");
  if (!sub.required_k.empty() && k != sub.required_k)
    return error(403, "VAPID key differs from the applicationServerKey of the subscription");
  std::string cache_key = k + ' ' + t;
  auto it = verified_.find(cache_key);
  if (it == verified_.end()) {
    evp::push::VapidClaims claims;
    try {
      claims = evp::push::verify_vapid_jwt(t, k);
    } catch (const CryptoError& e) {
      return error(401, std::string("VAPID: ") + e.what());
    }
    if (verified_.size() >= 4096) verified_.clear();  // bounded; re-verifying is only a cost
    it = verified_.emplace(std::move(cache_key), std::move(claims)).first;
  }
  const auto& c = it->second;
  if (!audience_ok(c.aud)) return error(403, "BadJwtToken: aud '" + c.aud + "' is not " + endpoint_base_);
  std::int64_t now = common::unix_seconds(common::now());
  if (c.exp <= now) return error(403, "BadJwtToken: exp is in the past");
  if (c.exp > now + 24 * 3600) return error(403, "BadJwtToken: exp is more than 24 hours ahead");
  if (!subject_ok(c.sub)) return error(403, "BadJwtToken: sub must be a mailto: or https: URL");
  return std::nullopt;
}

Response Receiver::push(const Request& req, std::string_view id) {
  auto it = subscriptions_.find(std::string(id));
  if (it == subscriptions_.end()) return error(404, "no such subscription");
  if (faults_.gone.contains(it->first)) return error(410, "subscription expired or unsubscribed");
  if (faults_.throttle_next > 0) {
    --faults_.throttle_next;
    Response r = error(429, "too many requests");
    if (faults_.error_body) r.body = *faults_.error_body;
    r.headers.emplace_back(
        "retry-after", faults_.retry_after_raw.empty() ? std::to_string(faults_.retry_after) : faults_.retry_after_raw);
    return r;
  }
  if (faults_.error_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < faults_.error_rate) {
    Response r = error(500, "injected server error");
    if (faults_.error_body) r.body = *faults_.error_body;
    return r;
  }
  if (!req.has_ttl) return error(400, "missing TTL header");
  if (!is_uint(req.ttl)) return error(400, "TTL must be a non-negative integer");
  if (lower(req.content_encoding) != "aes128gcm") return error(400, "Content-Encoding must be aes128gcm");
  if (!req.urgency.empty() && req.urgency != "very-low" && req.urgency != "low" && req.urgency != "normal" &&
      req.urgency != "high")
    return error(400, "Urgency must be very-low, low, normal or high");
  if (!req.topic.empty() && (req.topic.size() > 32 || !is_base64url(req.topic)))
    return error(400, "Topic must be at most 32 base64url characters");
  if (auto refused = check_vapid(req, it->second)) return *refused;
  if (req.body_too_large || req.body.size() > 4096) return error(413, "payload above 4096 bytes");
  if (req.body.empty()) return error(400, "empty body");

  Message m;
  try {
    auto body = common::as_bytes(req.body);
    m.payload = evp::push::decrypt(evp::push::Bytes(body.begin(), body.end()), it->second.key, it->second.auth);
  } catch (const CryptoError& e) {
    return error(400, std::string("cannot decrypt: ") + e.what());
  }
  m.seq = next_message_++;
  m.subscription = it->first;
  m.ttl = req.ttl;
  m.urgency = req.urgency;
  m.topic = req.topic;
  m.protocol = req.protocol;
  m.time = common::now();
  if (options_.log_messages)
    spdlog::info("push #{} to subscription {} over {} (TTL {}): {}", m.seq, m.subscription, m.protocol, m.ttl,
                 m.payload.size() > 200 ? m.payload.substr(0, 200) + "…" : m.payload);
  Response r{201, {{"location", endpoint_base_ + "/messages/" + std::to_string(m.seq)}}, {}, {}};
  if (state_fd_ >= 0) {
    // Before the 201 goes out, in the kernel's hands (a SIGKILL right after loses nothing):
    // what a push service accepted it keeps.
    std::string line = Json{{"message",
                             {{"seq", m.seq},
                              {"subscription", m.subscription},
                              {"payload", m.payload},
                              {"ttl", m.ttl},
                              {"urgency", m.urgency},
                              {"topic", m.topic},
                              {"protocol", m.protocol},
                              {"time_ms", m.time.time_since_epoch().count()}}}}
                           .dump(-1, ' ', false, Json::error_handler_t::replace) +
                       "\n";
    if (::write(state_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      spdlog::error("receiver: cannot append to {}", options_.state_file);
  }
  messages_.push_back(std::move(m));
  if (messages_.size() > options_.keep_messages) messages_.pop_front();
  return r;
}

Response Receiver::messages_json() const {
  Json list = Json::array();
  for (const Message& m : messages_) {
    Json payload = Json::parse(m.payload, nullptr, false);
    list.push_back({{"id", m.seq},
                    {"subscription", m.subscription},
                    {"payload", m.payload},
                    {"json", payload.is_discarded() ? Json() : payload},
                    {"ttl", m.ttl},
                    {"urgency", m.urgency.empty() ? Json() : Json(m.urgency)},
                    {"topic", m.topic.empty() ? Json() : Json(m.topic)},
                    {"protocol", m.protocol},
                    {"time", common::format_datetime(m.time)}});
  }
  return json_response(200, list);
}

Json Receiver::faults_json() const {
  return {{"gone", faults_.gone},
          {"throttle_next", faults_.throttle_next},
          {"retry_after", faults_.retry_after},
          {"error_rate", faults_.error_rate},
          {"delay_ms", faults_.delay.count()},
          {"retry_after_raw", faults_.retry_after_raw},
          {"error_body_bytes", faults_.error_body ? Json(faults_.error_body->size()) : Json()}};
}

Json Receiver::stats() const {
  Json by_status = Json::object();
  for (auto [status, n] : status_counts_) by_status[std::to_string(status)] = n;
  return {{"subscriptions", subscriptions_.size()},
          {"messages_kept", messages_.size()},
          {"delivered", next_message_ - 1},
          {"by_status", by_status},
          {"faults", faults_json()}};
}

Response Receiver::control(const Request& req) {
  Json j = Json::parse(req.body, nullptr, false);
  if (!j.is_object()) return error(400, "body must be a JSON object");
  try {
    if (j.contains("gone")) faults_.gone = j["gone"].get<std::set<std::string>>();
    if (j.contains("gone_add"))
      for (auto& id : j["gone_add"]) faults_.gone.insert(id.get<std::string>());
    if (j.contains("throttle")) faults_.throttle_next = j["throttle"].get<std::uint64_t>();
    if (j.contains("retry_after")) faults_.retry_after = j["retry_after"].get<unsigned>();
    if (j.contains("error_rate")) {
      double rate = j["error_rate"].get<double>();
      if (rate < 0 || rate > 1) return error(400, "error_rate must be within 0..1");
      faults_.error_rate = rate;
    }
    if (j.contains("delay_ms")) faults_.delay = std::chrono::milliseconds(j["delay_ms"].get<std::uint32_t>());
    if (j.contains("retry_after_raw")) faults_.retry_after_raw = j["retry_after_raw"].get<std::string>();
    if (j.contains("error_body_hex")) {
      if (j["error_body_hex"].is_null()) {
        faults_.error_body.reset();
      } else {
        auto hex = j["error_body_hex"].get<std::string>();
        if (hex.size() % 2 != 0) return error(400, "error_body_hex must have an even number of digits");
        std::string bytes;
        for (std::size_t i = 0; i < hex.size(); i += 2) {
          auto digit = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
          };
          int hi = digit(hex[i]), lo = digit(hex[i + 1]);
          if (hi < 0 || lo < 0) return error(400, "error_body_hex must be hexadecimal");
          bytes += static_cast<char>(hi * 16 + lo);
        }
        auto repeat = j.value("error_body_repeat", 1u);
        if (repeat < 1 || repeat > 1'000'000) return error(400, "error_body_repeat must be 1..1000000");
        std::string body;
        body.reserve(bytes.size() * repeat);
        for (unsigned k = 0; k < repeat; ++k) body += bytes;
        faults_.error_body = std::move(body);
      }
    }
    if (j.value("reset", false)) faults_ = Faults{};
  } catch (const Json::exception& e) {
    return error(400, e.what());
  }
  return json_response(200, faults_json());
}

Response Receiver::handle(const Request& req) {
  std::string_view path = req.path;
  path = path.substr(0, path.find('?'));
  Response r;
  if (path.starts_with("/push/") && req.method == "POST") {
    r = push(req, path.substr(6));
    r.delay = faults_.delay;
  } else if (path == "/subscriptions" && req.method == "POST") {
    Json j = req.body.empty() ? Json::object() : Json::parse(req.body, nullptr, false);
    if (!j.is_object()) return error(400, "body must be a JSON object");
    std::string key = j.value("applicationServerKey", "");
    std::size_t count = j.value("count", 1u);
    if (count == 0 || count > 100000) return error(400, "count must be within 1..100000");
    if (j.contains("count")) {
      Json list = Json::array();
      for (std::size_t i = 0; i < count; ++i) list.push_back(subscribe(key));
      r = json_response(201, list);
    } else {
      r = json_response(201, subscribe(key));
    }
  } else if (path == "/subscriptions" && req.method == "GET") {
    Json list = Json::array();
    for (auto& [id, sub] : subscriptions_) list.push_back(sub.json);
    r = json_response(200, list);
  } else if (path == "/messages" && req.method == "GET") {
    r = messages_json();
  } else if (path == "/messages" && req.method == "DELETE") {
    messages_.clear();
    r = json_response(200, {{"cleared", true}});
  } else if (path == "/control" && req.method == "POST") {
    r = control(req);
  } else if (path == "/control" && req.method == "GET") {
    r = json_response(200, faults_json());
  } else if (path == "/stats" && req.method == "GET") {
    r = json_response(200, stats());
  } else if (path == "/health" && req.method == "GET") {
    r = json_response(200, {{"status", "ok"}});
  } else {
    r = error(404, "no such resource");
  }
  ++status_counts_[r.status];
  return r;
}

}  // namespace evp::push_receiver
