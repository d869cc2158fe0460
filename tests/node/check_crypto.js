'use strict';
// Independent cross-check of EvPower's Web Push crypto (RFC 8291 aes128gcm, RFC 8292 VAPID)
// against http_ece, web-push and node:crypto, in both directions.
//   node check_crypto.js <path to push_crypto_vectors>
// Exits non-zero on any mismatch.
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const path = require('path');

function need(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`cannot load ${name}: run "npm ci" in ${__dirname} (${e.message})`);
    process.exit(3);
  }
}
const ece = need('http_ece');
const webpush = need('web-push');
const encryptionHelper = need('web-push/src/encryption-helper');

const tool = process.argv[2];
if (!tool) {
  console.error('usage: node check_crypto.js <push_crypto_vectors>');
  process.exit(2);
}
const run = (...args) => execFileSync(path.resolve(tool), args, { encoding: 'utf8' });

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
const b64 = (s) => Buffer.from(s, 'base64url');

function jwkFromRaw(raw) {
  return { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') };
}

// 1. Ours -> theirs: decrypt our bodies with http_ece, verify our JWT with node:crypto.
const v = JSON.parse(run());
const receiver = crypto.createECDH('prime256v1');
receiver.setPrivateKey(b64(v.receiver_private));
check(receiver.getPublicKey().equals(b64(v.receiver_public)), 'receiver public key matches its private key');

function eceDecrypt(body) {
  return ece.decrypt(b64(body), { version: 'aes128gcm', privateKey: receiver, authSecret: v.auth });
}
check(eceDecrypt(v.body).toString('utf8') === v.plaintext, 'http_ece decrypts our aes128gcm body');
const big = eceDecrypt(v.big_body);
check(b64(v.big_body).length === 4096 && big.length === v.big_plaintext_len, 'http_ece decrypts our 4096-byte body');
const tampered = b64(v.body);
tampered[tampered.length - 1] ^= 1;
let refused = false;
try {
  ece.decrypt(tampered, { version: 'aes128gcm', privateKey: receiver, authSecret: v.auth });
} catch (e) {
  refused = true;
}
check(refused, 'http_ece refuses our body with a flipped tag bit (the check can fail)');

const [h, p, s] = v.jwt.split('.');
const header = JSON.parse(b64(h).toString('utf8'));
const claims = JSON.parse(b64(p).toString('utf8'));
check(header.alg === 'ES256' && header.typ === 'JWT', 'JWT header is {typ: JWT, alg: ES256}');
check(claims.aud === v.aud && claims.exp === v.exp && claims.sub === v.sub, 'JWT claims as requested');
const pub = crypto.createPublicKey({ key: jwkFromRaw(b64(v.vapid_public)), format: 'jwk' });
check(b64(s).length === 64, 'JWT signature is raw R||S (64 bytes)');
check(crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: 'ieee-p1363' }, b64(s)),
  'node:crypto verifies our ES256 signature');
check(!crypto.verify('sha256', Buffer.from(`${h}.${p}x`), { key: pub, dsaEncoding: 'ieee-p1363' }, b64(s)),
  'node:crypto refuses the signature over other bytes (the check can fail)');

// 2. Theirs -> ours: web-push encrypts and signs, our code decrypts and verifies.
const message = 'Баланс 42.00 сом. Пополните счёт';
const theirs = encryptionHelper.encrypt(v.receiver_public, v.auth, message, 'aes128gcm');
const ours = run('decrypt', v.receiver_private, v.receiver_public, v.auth, theirs.cipherText.toString('base64url'));
check(ours === message, 'our decrypt reads a web-push aes128gcm body');

const keys = webpush.generateVAPIDKeys();
const exp = Math.floor(Date.now() / 1000) + 3600;
const auth = webpush.getVapidHeaders('https://fcm.googleapis.com', 'mailto:a@b.kg', keys.publicKey, keys.privateKey,
  'aes128gcm', exp).Authorization;
const m = /^vapid t=([^,]+), k=(.+)$/.exec(auth);
const verified = JSON.parse(run('verify', m[1], m[2]));
check(verified.aud === 'https://fcm.googleapis.com' && verified.exp === exp && verified.sub === 'mailto:a@b.kg',
  'our verify accepts a web-push VAPID JWT');
let ourRefusal = false;
try {
  run('verify', m[1], v.vapid_public);
} catch (e) {
  ourRefusal = true;
}
check(ourRefusal, 'our verify refuses the web-push JWT under another key');

if (failures) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('all crypto cross-checks passed');
