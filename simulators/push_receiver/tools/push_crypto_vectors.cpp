// Cross-check helper for tests/node/check_crypto.js: exercises our Web Push crypto so an
// independent implementation (http_ece, web-push, node:crypto) can check it both ways.
//   push_crypto_vectors                      -> JSON: receiver keys, an encrypted body, a VAPID JWT
//   push_crypto_vectors decrypt PRIV PUB AUTH BODY  -> the plaintext (all base64url)
//   push_crypto_vectors bench [N]            -> operations per second
//   push_crypto_vectors verify JWT K         -> the claims as JSON
//   push_crypto_vectors request P256DH AUTH AUD EXP_IN SUB BODY_FILE < plaintext
//       -> writes the encrypted body to BODY_FILE, prints the Authorization header value
//          (fresh VAPID key; EXP_IN seconds from now, may be negative)
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "push/crypto.hpp"

namespace {

using namespace evp::push;
using evp::common::base64url_encode;

Bytes b64(const char* text) {
  auto b = evp::common::base64_decode_any(text);
  if (!b) throw CryptoError(std::string("not base64url: ") + text);
  return *b;
}

int generate() {
  KeyPair receiver = KeyPair::generate();
  Bytes auth = KeyPair::generate().private_raw();  // 32 random bytes; keep 16
  auth.resize(16);
  // Multi-byte UTF-8 and JSON as the real payloads have, plus a long tail near the limit.
  std::string plaintext = R"({"title":"Зарядка началась","body":"Станция Ала-Тоо, коннектор 2","data":{"type":"x"}})";
  std::string big(kMaxPlaintext, 'z');
  std::int64_t exp = static_cast<std::int64_t>(std::time(nullptr)) + 12 * 3600;
  KeyPair vapid = KeyPair::generate();
  std::string aud = "https://push.example.net:8443";
  std::string sub = "mailto:ops@evpower.kg";
  nlohmann::json out = {
      {"receiver_private", receiver.private_b64url()},
      {"receiver_public", receiver.public_b64url()},
      {"auth", base64url_encode(auth)},
      {"plaintext", plaintext},
      {"body", base64url_encode(encrypt(ReceiverKeys{receiver.public_raw(), auth}, plaintext))},
      {"big_plaintext_len", big.size()},
      {"big_body", base64url_encode(encrypt(ReceiverKeys{receiver.public_raw(), auth}, big))},
      {"vapid_public", vapid.public_b64url()},
      {"jwt", sign_vapid_jwt(vapid, aud, exp, sub)},
      {"aud", aud},
      {"exp", exp},
      {"sub", sub},
  };
  std::cout << out.dump() << "\n";
  return 0;
}

// Figures for docs/BENCHMARKS: per-operation cost of what a push costs the sender and the receiver.
int bench(int n) {
  KeyPair receiver = KeyPair::generate();
  Bytes auth(16, 7);
  ReceiverKeys to{receiver.public_raw(), auth};
  std::string payload(300, 'p');  // a typical notification JSON
  auto time = [&](const char* what, auto&& op) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) op();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-34s %8.0f ops/s  %7.1f us/op\n", what, n / s, s * 1e6 / n);
  };
  Bytes body = encrypt(to, payload);
  KeyPair vapid = KeyPair::generate();
  std::string jwt = sign_vapid_jwt(vapid, "https://fcm.googleapis.com", std::time(nullptr) + 3600, "mailto:a@b.kg");
  std::string k = vapid.public_b64url();
  time("encrypt (300 B, fresh key + salt)", [&] { (void)encrypt(to, payload); });
  time("decrypt (300 B, loaded key)", [&] { (void)decrypt(body, receiver, auth); });
  time("sign VAPID JWT (ES256)",
       [&] { (void)sign_vapid_jwt(vapid, "https://x.example", 1900000000, "mailto:a@b.kg"); });
  time("verify VAPID JWT (ES256)", [&] { (void)verify_vapid_jwt(jwt, k); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode.empty()) return generate();
    if (mode == "bench") return bench(argc > 2 ? std::stoi(argv[2]) : 2000);
    if (mode == "decrypt" && argc == 6) {
      std::cout << decrypt(b64(argv[5]), b64(argv[2]), b64(argv[3]), b64(argv[4]));
      return 0;
    }
    if (mode == "verify" && argc == 4) {
      VapidClaims c = verify_vapid_jwt(argv[2], argv[3]);
      std::cout << nlohmann::json{{"aud", c.aud}, {"exp", c.exp}, {"sub", c.sub}}.dump() << "\n";
      return 0;
    }
    if (mode == "request" && argc == 8) {
      std::string plaintext((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      Bytes body = encrypt(ReceiverKeys::from_base64url(argv[2], argv[3]), plaintext);
      std::ofstream(argv[7], std::ios::binary).write(reinterpret_cast<const char*>(body.data()), body.size());
      KeyPair vapid = KeyPair::generate();
      std::int64_t exp = static_cast<std::int64_t>(std::time(nullptr)) + std::stoll(argv[5]);
      std::cout << "vapid t=" << sign_vapid_jwt(vapid, argv[4], exp, argv[6]) << ", k=" << vapid.public_b64url();
      return 0;
    }
    std::fprintf(stderr,
                 "usage: push_crypto_vectors [decrypt PRIV PUB AUTH BODY | verify JWT K | request P256DH AUTH AUD "
                 "EXP_IN SUB BODY_FILE]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "push_crypto_vectors: %s\n", e.what());
    return 1;
  }
}
