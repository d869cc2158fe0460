// evp-push-receiver: a local Web Push service standing in for a browser and its push
// service. See docs/PUSH_RECEIVER.md.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/log.hpp"
#include "server.hpp"
#include "tls.hpp"

namespace {

namespace asio = boost::asio;
using namespace evp::push_receiver;

constexpr const char* kUsage = R"(usage: evp-push-receiver [options]
  --host ADDR              bind address (default 127.0.0.1)
  --public-host HOST       host put in endpoint URLs and expected in VAPID aud (default: --host,
                           or 127.0.0.1 when binding 0.0.0.0)
  --port N                 TLS port, ALPN h2 and http/1.1 (default 8443; 0 picks a free port)
  --http-port N            also serve plain HTTP/1.1 on N (0 picks a free port; default off)
  --cert-out FILE          write the self-signed certificate (PEM) here for senders to trust
  --ready-file FILE        write {"tls_port","http_port","endpoint_base"} here once listening
  --subscriptions N        create N subscriptions at start
  --subscriptions-out FILE write the start-up subscriptions (JSON array) here (default: stdout)
  --application-server-key K  start-up subscriptions only accept pushes signed with VAPID key K
  --gone ID[,ID...]        answer 410 for these subscription ids
  --throttle K             answer 429 to the next K push requests
  --retry-after N          Retry-After seconds for 429 (default 5)
  --error-rate R           answer 500 with probability R (0..1)
  --delay-ms D             wait D ms before answering each push
  --max-streams N          HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS (default 1000)
  --keep-messages N        messages kept for GET /messages (default 10000)
  --state-file FILE        keep subscriptions (and their keys) in FILE, and the TLS identity in
                           FILE.tls.pem, across restarts
  --quiet                  no log line per message
  --log-level L            trace, debug, info, warn, error (default info)
)";

struct Cli {
  std::string host = "127.0.0.1";
  std::string public_host;
  unsigned port = 8443;
  int http_port = -1;
  std::string cert_out, ready_file, subscriptions_out, application_server_key;
  std::size_t subscriptions = 0;
  std::string log_level = "info";
  Options options;
  Faults faults;
  Http2Settings h2;
};

template <class T>
T number(const std::string& flag, const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument(flag + ": not a number: " + text);
  return value;
}

Cli parse(int argc, char** argv) {
  Cli cli;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (flag == "--quiet") {
      cli.options.log_messages = false;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value (or unknown flag)");
    std::string v = argv[++i];
    if (flag == "--host")
      cli.host = v;
    else if (flag == "--public-host")
      cli.public_host = v;
    else if (flag == "--port")
      cli.port = number<unsigned>(flag, v);
    else if (flag == "--http-port")
      cli.http_port = number<int>(flag, v);
    else if (flag == "--cert-out")
      cli.cert_out = v;
    else if (flag == "--ready-file")
      cli.ready_file = v;
    else if (flag == "--subscriptions")
      cli.subscriptions = number<std::size_t>(flag, v);
    else if (flag == "--subscriptions-out")
      cli.subscriptions_out = v;
    else if (flag == "--application-server-key")
      cli.application_server_key = v;
    else if (flag == "--gone") {
      for (std::size_t start = 0; start <= v.size();) {
        auto comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (comma > start) cli.faults.gone.insert(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (flag == "--throttle")
      cli.faults.throttle_next = number<std::uint64_t>(flag, v);
    else if (flag == "--retry-after")
      cli.faults.retry_after = number<unsigned>(flag, v);
    else if (flag == "--error-rate")
      cli.faults.error_rate = number<double>(flag, v);
    else if (flag == "--delay-ms")
      cli.faults.delay = std::chrono::milliseconds(number<unsigned>(flag, v));
    else if (flag == "--max-streams")
      cli.h2.max_concurrent_streams = number<unsigned>(flag, v);
    else if (flag == "--state-file")
      cli.options.state_file = v;
    else if (flag == "--keep-messages")
      cli.options.keep_messages = number<std::size_t>(flag, v);
    else if (flag == "--log-level")
      cli.log_level = v;
    else
      throw std::invalid_argument("unknown flag " + flag);
  }
  if (cli.faults.error_rate < 0 || cli.faults.error_rate > 1) throw std::invalid_argument("--error-rate must be 0..1");
  if (cli.public_host.empty()) cli.public_host = cli.host == "0.0.0.0" || cli.host == "::" ? "127.0.0.1" : cli.host;
  cli.options.public_host = cli.public_host;
  return cli;
}

void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Cli cli = parse(argc, argv);
    evp::common::setup_logging(cli.log_level);
    asio::io_context io;
    auto address = asio::ip::make_address(cli.host);
    asio::ip::tcp::acceptor tls_acceptor(io, {address, static_cast<unsigned short>(cli.port)});
    std::optional<asio::ip::tcp::acceptor> http_acceptor;
    if (cli.http_port >= 0)
      http_acceptor.emplace(io, asio::ip::tcp::endpoint{address, static_cast<unsigned short>(cli.http_port)});
    unsigned tls_port = tls_acceptor.local_endpoint().port();
    unsigned http_port = http_acceptor ? http_acceptor->local_endpoint().port() : 0;

    Receiver receiver(cli.options);
    receiver.set_ports(tls_port, http_port);
    if (auto loaded = receiver.load_state())
      spdlog::info("receiver: {} subscription(s) from {}", loaded, cli.options.state_file);
    receiver.faults() = cli.faults;
    asio::ssl::context tls = make_server_tls(cli.public_host, cli.cert_out,
                                             cli.options.state_file.empty() ? "" : cli.options.state_file + ".tls.pem");

    if (cli.subscriptions > 0) {
      nlohmann::json list = nlohmann::json::array();
      for (std::size_t i = 0; i < cli.subscriptions; ++i)
        list.push_back(receiver.subscribe(cli.application_server_key));
      if (cli.subscriptions_out.empty())
        std::cout << list.dump() << std::endl;
      else
        write_file(cli.subscriptions_out, list.dump() + "\n");
    }

    asio::co_spawn(io, accept_tls(tls_acceptor, tls, receiver, cli.h2), asio::detached);
    if (http_acceptor) asio::co_spawn(io, accept_plain(*http_acceptor, receiver), asio::detached);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { io.stop(); });

    spdlog::info("evp-push-receiver: {} (h2, http/1.1){}", receiver.endpoint_base(),
                 http_acceptor ? fmt::format(", plain HTTP/1.1 on http://{}:{}", cli.public_host, http_port) : "");
    if (!cli.ready_file.empty())
      write_file(cli.ready_file, nlohmann::json{{"tls_port", tls_port},
                                                {"http_port", http_port},
                                                {"endpoint_base", receiver.endpoint_base()},
                                                {"cert", cli.cert_out}}
                                         .dump() +
                                     "\n");
    io.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evp-push-receiver: %s\n", e.what());
    return 1;
  }
}
