// The aes128gcm decoder of Web Push (RFC 8188/8291), as the push receiver uses it on every
// request body (push::decrypt with the subscription's key pair). Receiver keys are those of
// RFC 8291 Appendix A, so the RFC's body is a valid seed. Input: byte 0 (modulo 3) chooses:
//   0  a request body, decrypted as is;
//   1  32-byte sender key || 16-byte salt || plaintext: encrypted, then decrypted;
//   2  4-byte record size || 1-byte key id length || plaintext: encrypted with the RFC's
//      sender key and salt, the header fields replaced by the given ones, then decrypted.
// Invariants: only CryptoError escapes; whatever decrypts is exactly the plaintext encrypted.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/base64.hpp"
#include "fuzz_check.hpp"
#include "push/crypto.hpp"

using evp::fuzz::check;
using evp::push::Bytes;
using evp::push::CryptoError;

namespace {

Bytes b64(std::string_view text) { return *evp::common::base64_decode_any(text); }

struct Receiver {
  evp::push::KeyPair key = evp::push::KeyPair::from_raw_private(b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"));
  Bytes auth = b64("BTBZMqHH6r4Tts7J_aSIgg");
  evp::push::ReceiverKeys keys{key.public_raw(), auth};
  Bytes sender = b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw");
  Bytes salt = b64("DGv6ra1nlYgDCS1FRnbzlw");
};

const Receiver& receiver() {
  static const Receiver r;
  return r;
}

bool decrypts(const Bytes& body, std::string* plain) {
  try {
    *plain = evp::push::decrypt(body, receiver().key, receiver().auth);
    return true;
  } catch (const CryptoError&) {
    return false;
  }
}

void round_trip(std::string_view in) {
  if (in.size() < 48) return;
  Bytes sender(in.begin(), in.begin() + 32), salt(in.begin() + 32, in.begin() + 48);
  std::string_view plaintext = in.substr(48);
  Bytes body;
  try {
    body = evp::push::encrypt_with(receiver().keys, plaintext, sender, salt);
  } catch (const CryptoError&) {
    return;  // not a valid P-256 scalar, or a plaintext above kMaxPlaintext
  }
  std::string plain;
  check(decrypts(body, &plain), "a body we encrypted does not decrypt");
  check(plain == plaintext, "decrypted plaintext differs from the encrypted one");
}

void header_fields(std::string_view in) {
  if (in.size() < 5) return;
  std::string_view plaintext = in.substr(5);
  Bytes body;
  try {
    body = evp::push::encrypt_with(receiver().keys, plaintext, receiver().sender, receiver().salt);
  } catch (const CryptoError&) {
    return;
  }
  std::memcpy(body.data() + 16, in.data(), 5);  // rs (4 bytes, big endian) and idlen
  std::string plain;
  if (decrypts(body, &plain)) check(plain == plaintext, "decrypted plaintext differs after a header change");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      std::string plain;
      (void)decrypts(Bytes(data + 1, data + size), &plain);
      break;
    }
    case 1: round_trip(input); break;
    default: header_fields(input); break;
  }
  return 0;
}
