// push_bench: Web Push throughput on this machine, figures side by side.
//
//   push_bench [--subscriptions N] [--messages M] [--in-flight C] [--node-messages K]
//
// Starts the push receiver simulator (evp-push-receiver, which verifies VAPID and decrypts
// every message) on a free port, then measures
//   1. crypto only: encrypt (aes128gcm, fresh ephemeral key) + VAPID header, per message;
//   2. end to end: the same plus sending over one HTTP/2 connection and reading the answer,
//      C requests in flight, through the push module's own client;
//   3. the crypto limit: what OpenSSL itself does for the irreducible per-message work of
//      one push - one P-256 key generation plus one ECDH - on one core:
//      `openssl speed -seconds 3 ecdhp256` (ECDH op/s) and OpenSSL's own EVP key generation
//      (timed here, reused context); limit = 1 / (1/keygen + 1/ecdh);
//   4. the Node `web-push` library sending the same messages to the same receiver
//      (tests/node/webpush_bench.js), when node and tests/node/node_modules are present.
// Alongside the wall-clock rates it prints the CPU time each process spent per push (sender:
// this process; receiver: from /proc) and the load average, because the machine is shared:
// a wall-clock rate measured under load says as much about the other processes as about us.
// The outbox (PostgreSQL) is not part of these figures; see docs/PUSH.md.
#include <openssl/evp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "delivery/http_client.hpp"
#include "delivery/web_push_request.hpp"
#include "evp/testing/receiver.hpp"
#include "push/notification.hpp"

#ifndef EVP_SOURCE_DIR
#error "EVP_SOURCE_DIR must be defined"
#endif

namespace asio = boost::asio;
using namespace evp::push;
using namespace evp::push::delivery;
using Clock = std::chrono::steady_clock;

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  while (auto n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  pclose(pipe);
  return out;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU seconds (user + system) used by this process so far.
double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// CPU seconds used by another process (utime + stime from /proc/<pid>/stat); -1 if unknown.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 are utime and stime
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// OpenSSL's own P-256 key generation rate (EVP, one reused context), over about `seconds`.
double openssl_keygen_rate(double seconds) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  char group[] = "P-256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("group", group, 0), OSSL_PARAM_construct_end()};
  if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_params(ctx, params) <= 0) {
    EVP_PKEY_CTX_free(ctx);
    return 0;
  }
  long n = 0;
  double cpu_start = own_cpu_seconds();
  while (own_cpu_seconds() - cpu_start < seconds) {
    for (int i = 0; i < 100; ++i, ++n) {
      EVP_PKEY* key = nullptr;
      EVP_PKEY_generate(ctx, &key);
      EVP_PKEY_free(key);
    }
  }
  double used = own_cpu_seconds() - cpu_start;
  EVP_PKEY_CTX_free(ctx);
  return static_cast<double>(n) / used;
}

// The receiver, started by the test support library; few messages kept (the bench sends
// tens of thousands).
struct ReceiverProcess {
  evp::testing::Receiver rx{evp::testing::ReceiverOptions{.args = {"--quiet", "--keep-messages", "10"}}};
  pid_t pid = rx.process().pid();
  std::string dir = rx.dir(), cert = rx.cert();
  int port = rx.tls_port();
  std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port) + path; }
  nlohmann::json get(const std::string& path) const {
    return nlohmann::json::parse(run("curl -sS --cacert " + cert + " " + url(path)));
  }
};

nlohmann::json payload_for(int i) {
  Notification n;
  n.type = "charging_completed";
  n.title = "Зарядка завершена";
  n.body = "12.35 кВт⋅ч за 165.05 сом";
  n.data = {{"session_id", "bench-" + std::to_string(i)}, {"energy_kwh", "12.35"}, {"amount", "165.05"}};
  return n.payload();
}

}  // namespace

int main(int argc, char** argv) {
  int subscriptions = 1000, messages = 30000, in_flight = 500, node_messages = 3000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::stoi(argv[i + 1]);
    if (flag == "--subscriptions")
      subscriptions = value;
    else if (flag == "--messages")
      messages = value;
    else if (flag == "--in-flight")
      in_flight = value;
    else if (flag == "--node-messages")
      node_messages = value;
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }

  ReceiverProcess receiver;
  auto subs = nlohmann::json::parse(
      run("curl -sS --cacert " + receiver.cert + " -H 'content-type: application/json' -d '" +
          nlohmann::json{{"count", subscriptions}}.dump() + "' " + receiver.url("/subscriptions")));
  std::string subs_file = receiver.dir + "/subscriptions.json";
  std::ofstream(subs_file) << subs.dump();
  auto key = KeyPair::generate();
  VapidCache vapid(key, "mailto:bench@evpower.kg");
  std::vector<std::string> payloads;
  for (int i = 0; i < 100; ++i) payloads.push_back(payload_for(i).dump());
  // One message per subscription, built up front, so that the loops below measure the push
  // module and not JSON look-ups in this program (message i goes to subscription i % N with
  // payload i % 100).
  std::vector<PushMessage> prepared;
  for (int k = 0; k < subscriptions; ++k) {
    const auto& s = subs[static_cast<std::size_t>(k)];
    PushMessage m;
    m.endpoint = s["endpoint"];
    m.p256dh = s["keys"]["p256dh"];
    m.auth = s["keys"]["auth"];
    m.ttl = 3600;
    prepared.push_back(std::move(m));
  }
  auto message_for = [&](int i) {
    PushMessage m = prepared[static_cast<std::size_t>(i % subscriptions)];
    m.payload = payloads[static_cast<std::size_t>(i % 100)];
    return m;
  };
  auto now_unix = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };

  std::cout << "push_bench: " << subscriptions << " subscriptions, " << messages << " messages, " << in_flight
            << " in flight, payload " << payloads[0].size() << " bytes, cores " << std::thread::hardware_concurrency()
            << "\n";

  std::string load_start = load_average();
  std::printf("load average at start: %s\n\n", load_start.c_str());

  // 1. crypto only
  int crypto_n = std::max(2000, messages / 3);
  auto start = Clock::now();
  double cpu_start = own_cpu_seconds();
  std::size_t bytes = 0;
  for (int i = 0; i < crypto_n; ++i) bytes += build_web_push_request(message_for(i), vapid, now_unix()).body.size();
  double crypto_rate = crypto_n / seconds_since(start);
  double crypto_cpu_us = (own_cpu_seconds() - cpu_start) * 1e6 / crypto_n;
  std::printf("crypto only (encrypt + VAPID header):  %9.0f pushes/s  (%.1f us CPU per push)\n", crypto_rate,
              crypto_cpu_us);

  // 2. end to end over HTTP/2
  asio::io_context io;
  ClientOptions options;
  options.ca_file = receiver.cert;
  options.allow_insecure = true;  // the receiver is on loopback
  options.request_timeout = std::chrono::seconds(30);
  HttpClient client(io.get_executor(), options);
  int next = 0, ok = 0, failed = 0, workers_left = in_flight;
  double e2e_seconds = 0;
  int last_status = 0;
  std::string last_error;
  start = Clock::now();
  cpu_start = own_cpu_seconds();
  double receiver_cpu_start = process_cpu_seconds(receiver.pid);
  double sender_cpu = 0, receiver_cpu = 0;
  for (int w = 0; w < in_flight; ++w) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (next < messages) {
            int i = next++;
            auto request = build_web_push_request(message_for(i), vapid, now_unix());
            auto response = co_await client.send(request);
            if (response.status == 201) {
              ++ok;
            } else {
              ++failed;
              last_status = response.status;
              last_error = response.error + response.body;
            }
          }
          // The last worker stops the clock and closes the connection (which would otherwise
          // stay open, idle, keeping io.run() busy until its idle timeout).
          if (--workers_left == 0) {
            e2e_seconds = seconds_since(start);
            sender_cpu = own_cpu_seconds() - cpu_start;
            receiver_cpu = process_cpu_seconds(receiver.pid) - receiver_cpu_start;
            client.close_all();
          }
        },
        asio::detached);
  }
  io.run();
  double e2e_rate = ok / e2e_seconds;
  std::printf("end to end over HTTP/2 (1 connection):  %9.0f pushes/s  (%d delivered, %d failed, %llu connection(s))\n",
              e2e_rate, ok, failed, static_cast<unsigned long long>(client.connections_opened()));
  std::printf("  CPU per push: sender %.1f us, receiver %.1f us (decrypt + VAPID check + HTTP/2 + TLS)\n",
              sender_cpu * 1e6 / messages, receiver_cpu * 1e6 / messages);
  if (failed) std::printf("  last failure: %d %s\n", last_status, last_error.c_str());
  auto stats = receiver.get("/stats");
  std::printf("  receiver counted %lld delivered (decrypted and VAPID-verified)\n",
              static_cast<long long>(stats.value("delivered", 0L)));
  std::string load_after_e2e = load_average();

  // 3. the crypto limit: OpenSSL alone doing one key generation + one ECDH per push
  auto speed = run("openssl speed -seconds 3 ecdhp256 2>/dev/null");
  double ecdh_ops = 0;
  {
    std::istringstream lines(speed);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find("ecdh") == std::string::npos || line.find("nistp256") == std::string::npos) continue;
      std::istringstream words(line);
      std::string word, last;
      while (words >> word) last = word;
      try {
        ecdh_ops = std::stod(last);
      } catch (...) {
      }
    }
  }
  double keygen_ops = openssl_keygen_rate(2.0);
  double crypto_limit = ecdh_ops > 0 && keygen_ops > 0 ? 1.0 / (1.0 / ecdh_ops + 1.0 / keygen_ops) : 0;
  std::printf("openssl speed -seconds 3 ecdhp256:      %9.0f ECDH op/s\n", ecdh_ops);
  // `openssl speed` divides by CPU (user) time unless -elapsed is given; so does this.
  std::printf("openssl P-256 key generation (EVP):     %9.0f op/s\n", keygen_ops);
  std::printf("crypto limit, 1 keygen + 1 ECDH, 1 core:%9.0f pushes/s\n", crypto_limit);

  // 4. web-push (node)
  double node_rate = 0;
  std::string script = std::string(EVP_SOURCE_DIR) + "/tests/node/webpush_bench.js";
  if (access(script.c_str(), R_OK) == 0 && !run("command -v node").empty()) {
    auto out = run("NODE_EXTRA_CA_CERTS=" + receiver.cert + " node " + script + " " + subs_file + " " +
                   std::to_string(node_messages) + " 2>&1");
    auto j = nlohmann::json::parse(out.substr(out.find('{') == std::string::npos ? 0 : out.find('{')), nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      node_rate = j.value("pushes_per_second", 0.0);
      std::printf("node web-push (same receiver):         %9.0f pushes/s  (%lld delivered, %lld failed)\n", node_rate,
                  static_cast<long long>(j.value("delivered", 0L)), static_cast<long long>(j.value("failed", 0L)));
    } else {
      std::printf("node web-push: no result (%s)\n", out.c_str());
    }
  } else {
    std::printf("node web-push: skipped (node or %s missing)\n", script.c_str());
  }

  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
  std::printf("\nload average: %s at start, %s after end to end, %s now\n", load_start.c_str(), load_after_e2e.c_str(),
              load_average().c_str());
  std::printf("end to end / crypto limit = %.2f   (target >= 0.50: %s)\n", ratio(e2e_rate, crypto_limit),
              verdict(ratio(e2e_rate, crypto_limit) >= 0.5));
  std::printf("end to end                = %.0f/s (target >= 10000/s: %s)\n", e2e_rate, verdict(e2e_rate >= 10000));
  if (node_rate > 0)
    std::printf("end to end / web-push     = %.1f   (target >= 5: %s)\n", ratio(e2e_rate, node_rate),
                verdict(ratio(e2e_rate, node_rate) >= 5));
  else
    std::printf("end to end / web-push     = n/a (web-push not run)\n");
  std::printf("end to end / crypto only  = %.2f\n", ratio(e2e_rate, crypto_rate));
  return failed == 0 ? 0 : 1;
}
