// Service end to end: real PostgreSQL (TempDatabase), the real push receiver simulator over
// TLS + HTTP/2, the real outbox and dispatcher.
#include <doctest/doctest.h>

#include <set>

#include "delivery/dispatcher.hpp"
#include "delivery/outbox.hpp"
#include "delivery/service_test_support.hpp"

using namespace evp::push;
using namespace evp::push::testing;
using namespace std::chrono_literals;

namespace {
const std::string kUser = "11111111-1111-1111-1111-111111111111";
const std::string kOwner = "22222222-2222-2222-2222-222222222222";
}  // namespace

TEST_CASE("delivers many pushes over one HTTP/2 connection with concurrent streams") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(60);
  for (auto& s : subs) env.add_subscription(kUser, "client", s);

  auto config = ServiceEnv::config_for(receiver, key);
  Service service(env.io().get_executor(), env.pool(), config);
  for (int i = 0; i < 5; ++i)
    env.enqueue(service, kUser, UserType::Client, test_notification("Зарядка " + std::to_string(i)));
  CHECK(env.count("state = 'pending'") == 300);
  service.start();
  env.settle();

  CHECK(env.count("state = 'sent'") == 300);
  CHECK(env.count("sent_at IS NOT NULL AND last_status = 201") == 300);
  CHECK(receiver.delivered() == 300);
  auto stats = service.stats();
  CHECK(stats.sent == 300);
  CHECK(stats.connections_opened == 1);  // one origin, one connection, many streams
  CHECK(env.db().scalar("SELECT count(*) FROM push_subscriptions WHERE last_used_at IS NOT NULL") == "60");

  auto messages = receiver.get("/messages");
  REQUIRE(messages.size() == 300);
  std::set<std::string> titles;
  for (auto& m : messages) {
    CHECK(m["protocol"].get<std::string>().find('2') != std::string::npos);
    CHECK(m["json"]["body"] == "Станция Test, коннектор 1");
    CHECK(m["json"]["data"]["type"] == "charging_started");
    titles.insert(m["json"]["title"].get<std::string>());
  }
  CHECK(titles.size() == 5);
  env.run(service.drain());
}

TEST_CASE("410 deletes the subscription and its pending items") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(2);
  env.add_subscription(kUser, "client", subs[0]);
  env.add_subscription(kUser, "client", subs[1]);
  receiver.post("/control", {{"gone", {subscription_id(subs[0])}}});

  Service service(env.io().get_executor(), env.pool(), ServiceEnv::config_for(receiver, key));
  service.start();
  env.enqueue(service, kUser, UserType::Client, test_notification("a"));
  env.settle();

  CHECK(env.db().scalar("SELECT count(*) FROM push_subscriptions") == "1");
  CHECK(env.db().scalar("SELECT endpoint FROM push_subscriptions") == subs[1]["endpoint"].get<std::string>());
  CHECK(env.count("true") == 1);
  CHECK(env.count("state = 'sent'") == 1);
  CHECK(receiver.responses(410) == 1);
  CHECK(service.stats().expired_subscriptions == 1);
  env.run(service.drain());
}

TEST_CASE("429 with Retry-After is retried after the wait, then delivered") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(1);
  env.add_subscription(kUser, "client", subs[0]);
  receiver.post("/control", {{"throttle", 2}, {"retry_after", 1}});

  Service service(env.io().get_executor(), env.pool(), ServiceEnv::config_for(receiver, key));
  service.start();
  env.enqueue(service, kUser, UserType::Client, test_notification("throttled"));
  env.settle();

  CHECK(env.count("state = 'sent' AND attempts = 3") == 1);
  CHECK(receiver.responses(429) == 2);
  CHECK(receiver.delivered() == 1);
  // Retry-After: 1 was honoured although the configured backoff is 50 ms: the gap between
  // creation and delivery covers two waits of at least a second.
  CHECK(env.count("sent_at - created_at >= interval '2 seconds'") == 1);
  CHECK(service.stats().retried == 2);
  env.run(service.drain());
}

TEST_CASE("500 is retried up to max_retries, then the item fails") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(1);
  env.add_subscription(kUser, "client", subs[0]);
  receiver.post("/control", {{"error_rate", 1.0}});

  auto config = ServiceEnv::config_for(receiver, key);
  config.max_retries = 2;
  Service service(env.io().get_executor(), env.pool(), config);
  service.start();
  env.enqueue(service, kUser, UserType::Client, test_notification("boom"));
  env.settle();

  CHECK(env.count("state = 'failed' AND attempts = 3 AND last_status = 500") == 1);
  CHECK(env.db().scalar("SELECT last_error FROM push_outbox").find("gave up after 3 attempts") != std::string::npos);
  CHECK(receiver.responses(500) == 3);
  CHECK(receiver.delivered() == 0);
  CHECK(env.db().scalar("SELECT count(*) FROM push_subscriptions") == "1");  // not deleted
  env.run(service.drain());
}

TEST_CASE("permanent refusals are not retried and keep the service's reason") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto other = KeyPair::generate();
  // Bound to another application server key: the receiver answers 403 like FCM does.
  auto sub = receiver.post("/subscriptions", {{"applicationServerKey", other.public_b64url()}});
  env.add_subscription(kUser, "client", sub);

  Service service(env.io().get_executor(), env.pool(), ServiceEnv::config_for(receiver, key));
  service.start();
  env.enqueue(service, kUser, UserType::Client, test_notification("x"));
  env.settle();
  CHECK(env.count("state = 'failed' AND attempts = 1 AND last_status = 403") == 1);
  CHECK_FALSE(env.db().scalar("SELECT last_error FROM push_outbox").empty());
  env.run(service.drain());
}

TEST_CASE("restart: items enqueued while no dispatcher ran are delivered exactly once") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(20);
  for (auto& s : subs) env.add_subscription(kOwner, "owner", s);
  auto config = ServiceEnv::config_for(receiver, key);
  {
    Service before(env.io().get_executor(), env.pool(), config);  // never started: a process that is down
    for (int i = 0; i < 3; ++i)
      env.enqueue(before, kOwner, UserType::Owner, test_notification("n" + std::to_string(i)));
  }
  // And items a crashed process had claimed: still 'sending', lease expired.
  env.db().exec(
      "UPDATE push_outbox SET state = 'sending', attempts = 1, locked_until = now() - interval '1 second' "
      "WHERE id IN (SELECT id FROM push_outbox ORDER BY id LIMIT 10)");
  CHECK(env.count("state = 'pending'") == 50);
  CHECK(receiver.delivered() == 0);

  Service after(env.io().get_executor(), env.pool(), config);
  after.start();
  env.settle();
  CHECK(env.count("state = 'sent'") == 60);
  CHECK(receiver.delivered() == 60);
  env.idle(300ms);  // nothing more goes out once settled
  CHECK(receiver.delivered() == 60);
  env.run(after.drain());
}

TEST_CASE("two services on one database never send an item twice") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(50);
  for (auto& s : subs) env.add_subscription(kUser, "client", s);
  evp::db::Pool second_pool(env.io().get_executor(), evp::db::Config{.url = env.db().url()});
  env.run(second_pool.start());

  auto config = ServiceEnv::config_for(receiver, key);
  config.batch_size = 20;  // small batches so that both really take turns
  Service a(env.io().get_executor(), env.pool(), config);
  Service b(env.io().get_executor(), second_pool, config);
  for (int i = 0; i < 8; ++i) env.enqueue(a, kUser, UserType::Client, test_notification("m" + std::to_string(i)));
  a.start();
  b.start();
  env.settle();

  CHECK(env.count("state = 'sent' AND attempts = 1") == 400);
  CHECK(receiver.delivered() == 400);
  CHECK(a.stats().sent + b.stats().sent == 400);
  CHECK(a.stats().sent > 0);
  CHECK(b.stats().sent > 0);
  env.run(a.drain());
  env.run(b.drain());
  second_pool.stop();
}

TEST_CASE("disabled service enqueues and sends nothing") {
  Receiver receiver;
  ServiceEnv env;
  auto subs = receiver.subscribe(1);
  env.add_subscription(kUser, "client", subs[0]);
  Config config;
  config.enabled = false;  // and no keys at all: start() must not complain
  Service service(env.io().get_executor(), env.pool(), config);
  CHECK_NOTHROW(service.start());
  env.enqueue(service, kUser, UserType::Client, test_notification("x"));
  service.send_to_client(kUser, test_notification("y"));
  service.send_notification(kUser, UserType::Client, "t", "b", "", "", {{"type", "test"}}, nullptr);
  env.idle(300ms);
  CHECK(env.count("true") == 0);
  CHECK(receiver.delivered() == 0);
  CHECK_FALSE(service.enabled());
}

TEST_CASE("send_to_client enqueues in its own transaction and delivers") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(1);
  env.add_subscription(kUser, "client", subs[0]);
  env.add_subscription(kOwner, "owner", receiver.subscribe(1)[0]);
  Service service(env.io().get_executor(), env.pool(), ServiceEnv::config_for(receiver, key));
  service.start();
  service.send_to_client(kUser, test_notification("client only"));
  env.idle(200ms);
  env.settle();
  CHECK(env.count("state = 'sent' AND user_type = 'client'") == 1);
  CHECK(env.count("user_type = 'owner'") == 0);
  auto messages = receiver.get("/messages");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["json"]["title"] == "client only");
  env.run(service.drain());
}

TEST_CASE("unsafe endpoints are refused at send time and oversized payloads at enqueue") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto sub = receiver.subscribe(1)[0];
  env.add_subscription(kUser, "client", sub);  // https://127.0.0.1:...: loopback
  auto plain = sub;
  plain["endpoint"] = "http://127.0.0.1:" + std::to_string(receiver.http_port()) + "/push/" + subscription_id(sub);
  env.add_subscription(kUser, "client", plain);

  auto config = ServiceEnv::config_for(receiver, key);
  config.allow_insecure_endpoints = false;
  Service service(env.io().get_executor(), env.pool(), config);
  service.start();
  env.enqueue(service, kUser, UserType::Client, test_notification("x"));
  Notification big = test_notification("big");
  big.body = std::string(5000, 'x');
  env.enqueue(service, kUser, UserType::Client, big);
  env.settle();

  CHECK(env.count("state = 'failed'") == 4);
  CHECK(env.count("state = 'failed' AND last_error LIKE '%loopback%'") == 1);
  CHECK(env.count("state = 'failed' AND last_error LIKE '%only https%'") == 1);
  CHECK(env.count("state = 'failed' AND attempts = 0 AND last_error LIKE '%bytes; at most 3993%'") == 2);
  CHECK(receiver.delivered() == 0);
  env.run(service.drain());
}

TEST_CASE("HTTP/1.1 fallback delivers to an http:// endpoint when insecure endpoints are allowed") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto sub = receiver.subscribe(1)[0];
  sub["endpoint"] = "http://127.0.0.1:" + std::to_string(receiver.http_port()) + "/push/" + subscription_id(sub);
  env.add_subscription(kUser, "client", sub);
  Service service(env.io().get_executor(), env.pool(), ServiceEnv::config_for(receiver, key));
  service.start();
  for (int i = 0; i < 3; ++i) env.enqueue(service, kUser, UserType::Client, test_notification("h1"));
  env.settle();
  CHECK(env.count("state = 'sent'") == 3);
  CHECK(receiver.delivered() == 3);
  CHECK(service.stats().connections_opened == 1);  // keep-alive: one connection for all three
  env.run(service.drain());
}

TEST_CASE("bad VAPID keys stop start() with a message naming the variables") {
  Receiver receiver;
  ServiceEnv env;
  Config config;
  Service missing(env.io().get_executor(), env.pool(), config);
  try {
    missing.start();
    FAIL("start() accepted missing keys");
  } catch (const CryptoError& e) {
    CHECK(std::string(e.what()).find("VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY") != std::string::npos);
  }
  auto a = KeyPair::generate(), b = KeyPair::generate();
  config.vapid_private_key = a.private_b64url();
  config.vapid_public_key = b.public_b64url();  // does not match
  Service mismatched(env.io().get_executor(), env.pool(), config);
  try {
    mismatched.start();
    FAIL("start() accepted mismatched keys");
  } catch (const CryptoError& e) {
    CHECK(std::string(e.what()).find("VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY") != std::string::npos);
  }
}

TEST_CASE("a user's per-event opt-out keeps that event out of the outbox, other events still go") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  env.add_subscription(kUser, "client", receiver.subscribe(1)[0]);
  env.db().exec("INSERT INTO notification_preferences (user_id, event_type, enabled) VALUES ('" + std::string(kUser) +
                "', 'low_balance_warning', false)");
  Service service(env.io().get_executor(), env.pool(), ServiceEnv::config_for(receiver, key));
  service.start();
  auto muted = test_notification("muted");
  muted.type = "low_balance_warning";
  auto wanted = test_notification("wanted");
  wanted.type = "charging_started";
  env.enqueue(service, kUser, UserType::Client, muted);
  env.enqueue(service, kUser, UserType::Client, wanted);
  env.settle();
  CHECK(env.count("event_type = 'low_balance_warning'") == 0);
  CHECK(env.count("event_type = 'charging_started' AND state = 'sent'") == 1);
  auto messages = receiver.get("/messages");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["json"]["title"] == "wanted");
  env.run(service.drain());
}

TEST_CASE("a restarted instance takes back its own unfinished claims at once, not another's") {
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(10);
  for (auto& s : subs) env.add_subscription(kUser, "client", s);
  auto config = ServiceEnv::config_for(receiver, key);
  config.instance_name = "host-a:8180";
  {
    Service before(env.io().get_executor(), env.pool(), config);
    env.enqueue(before, kUser, UserType::Client, test_notification("claimed before the crash"));
  }
  // The earlier run of this instance claimed 6 items and was killed: their lease has an hour
  // to go. Another instance holds the other 4, live.
  env.db().exec(
      "UPDATE push_outbox SET state = 'sending', attempts = 1, locked_until = now() + interval '1 hour', "
      "  claim_owner = 'host-a:8180', claim_token = gen_random_uuid() "
      "WHERE id IN (SELECT id FROM push_outbox ORDER BY id LIMIT 6)");
  env.db().exec(
      "UPDATE push_outbox SET state = 'sending', attempts = 1, locked_until = now() + interval '1 hour', "
      "  claim_owner = 'host-b:8180', claim_token = gen_random_uuid() WHERE state = 'pending'");

  Service after(env.io().get_executor(), env.pool(), config);
  after.start();
  CHECK(env.wait([&] { return env.count("state = 'sent'") == 6; }));
  CHECK(after.stats().reclaimed == 6);
  // The interrupted attempt does not count against the item's retries.
  CHECK(env.count("state = 'sent' AND attempts = 1") == 6);
  CHECK(env.count("state = 'sending' AND claim_owner = 'host-b:8180'") == 4);
  CHECK(receiver.delivered() == 6);
  env.run(after.drain());
}

TEST_CASE("an outcome is recorded only by the claim it belongs to") {
  ServiceEnv env;
  Receiver receiver;
  auto subs = receiver.subscribe(1);
  env.add_subscription(kUser, "client", subs[0]);
  auto key = KeyPair::generate();
  auto config = ServiceEnv::config_for(receiver, key);
  {
    Service s(env.io().get_executor(), env.pool(), config);
    env.enqueue(s, kUser, UserType::Client, test_notification("x"));
  }
  using namespace evp::push::delivery;
  Claimant first{"host-a", random_claim_token()}, second{"host-b", random_claim_token()};
  auto items = env.run(claim_outbox_items(env.pool(), 10, std::chrono::milliseconds(1), first));
  REQUIRE(items.size() == 1);
  env.idle(10ms);  // the lease runs out; another process claims the item
  auto again = env.run(claim_outbox_items(env.pool(), 10, std::chrono::minutes(1), second));
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);

  ItemResult late;
  late.kind = ItemResult::Kind::Failed;
  late.id = items[0].id;
  late.attempts = items[0].attempts;
  late.error = "from the first claim";
  // The first claimant's late answer changes nothing...
  CHECK(env.run(record_results(env.pool(), first, {late})) == 1);
  CHECK(env.count("state = 'sending' AND claim_owner = 'host-b'") == 1);
  // ...nor does one from the right process for an older attempt...
  late.attempts = 1;
  CHECK(env.run(record_results(env.pool(), second, {late})) == 1);
  // ...the current claim's does, with its error text made safe.
  ItemResult now = late;
  now.attempts = 2;
  now.kind = ItemResult::Kind::Retry;
  static constexpr char kGarbage[] = "HTTP 500: \0\xff\xfe bad";
  now.error = std::string(kGarbage, sizeof kGarbage - 1);
  now.retry_in = std::chrono::hours(24 * 365 * 1000);  // clamped to a day
  CHECK(env.run(record_results(env.pool(), second, {now})) == 0);
  CHECK(env.count("state = 'pending' AND last_error = 'HTTP 500:  \uFFFD\uFFFD bad' AND "
                  "next_attempt_at <= now() + interval '1 day 1 minute'") == 1);
}

TEST_CASE("a committed notification is delivered while every connection of the shared pool is busy") {
  // The OCPP and REST traffic can hold every connection of the shared pool (a storm of
  // transactions). The dispatcher's claims and outcomes run on connections of its own, so
  // a notification committed meanwhile still goes out at once. Here the shared pool's two
  // connections are held for the whole test and a connection would be given out only
  // after a minute: a dispatcher that asked the shared pool would deliver nothing.
  Receiver receiver;
  ServiceEnv env;
  auto key = KeyPair::generate();
  auto subs = receiver.subscribe(1);
  env.add_subscription(kUser, "client", subs[0]);

  evp::db::Pool shared(env.io().get_executor(),
                       evp::db::Config{.url = env.db().url(), .pool_size = 2, .acquire_timeout = std::chrono::seconds(60)});
  std::vector<evp::db::Lease> held;
  env.run([&]() -> asio::awaitable<void> {
    held.push_back(co_await shared.acquire());
    held.push_back(co_await shared.acquire());
  }());
  REQUIRE(shared.stats().idle == 0);

  auto config = ServiceEnv::config_for(receiver, key);
  config.poll_interval = std::chrono::seconds(30);  // only the wake-up after commit can be in time
  Service service(env.io().get_executor(), shared, config);
  service.start();
  env.idle(100ms);  // the dispatcher is up and waiting
  env.enqueue(service, kUser, UserType::Client, test_notification("во время шторма"));
  // A generous bound for a shared machine; the point is "long before a minute".
  CHECK(env.wait([&] { return receiver.delivered() == 1; }, std::chrono::seconds(15)));
  CHECK(env.wait([&] { return env.count("state = 'sent'") == 1; }, std::chrono::seconds(15)));
  CHECK(shared.stats().waiting == 0);  // nobody queued for the shared connections

  // The latency histogram saw this first attempt.
  const auto stats = service.stats();
  CHECK(stats.commit_to_send.count == 1);
  CHECK(stats.commit_to_send.buckets.back() == 1);
  CHECK(stats.commit_to_send.max >= 0.0);
  CHECK(stats.commit_to_send.max == doctest::Approx(stats.commit_to_send.sum));

  held.clear();
  env.run(service.drain());
  shared.stop();
}

TEST_CASE("the latency histogram counts cumulatively, as Prometheus buckets") {
  LatencyHistogram h;
  h.observe(0.0004);
  h.observe(0.012);
  h.observe(3.0);
  h.observe(-0.001);  // a hair of clock skew between PostgreSQL and this process
  CHECK(h.count == 4);
  CHECK(h.buckets[0] == 2);   // <= 1 ms: 0.4 ms and the clamped one
  CHECK(h.buckets[5] == 3);   // <= 15 ms
  CHECK(h.buckets[14] == 3);  // <= 2.5 s
  CHECK(h.buckets[15] == 4);  // <= 5 s
  CHECK(h.buckets.back() == 4);
  CHECK(h.max == doctest::Approx(3.0));
  CHECK(h.sum == doctest::Approx(3.0124));
}
