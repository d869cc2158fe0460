'use strict';
// End-to-end test of evp-push-receiver: starts it, creates subscriptions, and pushes to it
// with curl over HTTP/2 (TLS, ALPN h2), HTTP/1.1 over TLS and plain HTTP/1.1, with bodies
// and VAPID headers built by our crypto (push_crypto_vectors request ...).
//   node receiver_check.js <evp-push-receiver> <push_crypto_vectors>
// Exits non-zero when any check fails.
const { spawn, execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [receiverBin, vectorsBin] = process.argv.slice(2).map((p) => path.resolve(p));
if (!receiverBin || !vectorsBin) {
  console.error('usage: node receiver_check.js <evp-push-receiver> <push_crypto_vectors>');
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-push-receiver-'));
const cert = path.join(dir, 'cert.pem');
const ready = path.join(dir, 'ready.json');
const receiver = spawn(receiverBin, ['--port', '0', '--http-port', '0', '--cert-out', cert, '--ready-file', ready,
  '--subscriptions', '2', '--subscriptions-out', path.join(dir, 'subs.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
let exited = false;
receiver.on('exit', () => { exited = true; });

let failures = 0;
function check(ok, what, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || detail === undefined ? '' : ` -- ${detail}`}`);
  if (!ok) failures++;
}

// curl wrapper: returns {status, headers, body, version}.
function curl(url, { method = 'GET', headers = {}, bodyFile, data, proto = '--http2' } = {}) {
  const args = ['-s', '-S', proto, '--cacert', cert, '-X', method, '-D', '-', '-w', '\n%{http_version}'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (bodyFile) args.push('--data-binary', `@${bodyFile}`);
  if (data !== undefined) args.push('--data-binary', data);
  args.push(url);
  const out = execFileSync('curl', args, { encoding: 'utf8' });
  const version = out.slice(out.lastIndexOf('\n') + 1);
  const text = out.slice(0, out.lastIndexOf('\n'));
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split).split('\r\n');
  const status = Number(head[0].split(' ')[1]);
  const hdrs = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    hdrs[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers: hdrs, body: text.slice(split + 4), version };
}

// Encrypts `message` for `sub` with our crypto and signs a VAPID JWT; returns request options.
let bodyCounter = 0;
function pushRequest(sub, message, { aud, expIn = 3600, subject = 'mailto:ops@evpower.kg' } = {}) {
  const bodyFile = path.join(dir, `body${bodyCounter++}.bin`);
  const authorization = execFileSync(vectorsBin, ['request', sub.keys.p256dh, sub.keys.auth,
    aud || new URL(sub.endpoint).origin, String(expIn), subject, bodyFile], { input: message, encoding: 'utf8' });
  return { method: 'POST', bodyFile, headers: { TTL: '60', 'Content-Encoding': 'aes128gcm', Authorization: authorization } };
}

async function main() {
  // Start-up is the only wait: poll for the ready file the receiver writes once listening.
  for (let i = 0; i < 300 && !fs.existsSync(ready); i++) {
    if (exited) throw new Error('receiver exited during start-up');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { tls_port: tlsPort, http_port: httpPort } = JSON.parse(fs.readFileSync(ready, 'utf8'));
  const base = `https://127.0.0.1:${tlsPort}`;
  const plain = `http://127.0.0.1:${httpPort}`;
  const startup = JSON.parse(fs.readFileSync(path.join(dir, 'subs.json'), 'utf8'));
  check(startup.length === 2 && startup[0].endpoint === `${base}/push/1`, '--subscriptions 2 wrote two subscriptions');

  const created = curl(`${base}/subscriptions`, { method: 'POST' });
  const sub = JSON.parse(created.body);
  check(created.status === 201 && created.version === '2', 'POST /subscriptions over h2 -> 201', created.status);
  check(sub.endpoint.startsWith(`${base}/push/`) && sub.expirationTime === null &&
    Buffer.from(sub.keys.p256dh, 'base64url').length === 65 && Buffer.from(sub.keys.auth, 'base64url').length === 16,
  'subscription JSON has endpoint, expirationTime null, p256dh (65 bytes), auth (16 bytes)');
  const id = sub.endpoint.split('/').pop();

  // Valid pushes over the three transports.
  const a = pushRequest(sub, '{"title":"Зарядка началась","n":1}');
  a.headers.Urgency = 'high';
  a.headers.Topic = 'session-42';
  const h2 = curl(sub.endpoint, a);
  check(h2.status === 201 && h2.version === '2', 'push over HTTP/2 -> 201', `${h2.status} over ${h2.version}`);
  check((h2.headers.location || '').startsWith(`${base}/messages/`), '201 carries a Location header');
  const h1 = curl(sub.endpoint, { ...pushRequest(sub, '{"n":2}'), proto: '--http1.1' });
  check(h1.status === 201 && h1.version === '1.1', 'push over HTTP/1.1 (TLS) -> 201', `${h1.status} over ${h1.version}`);
  const p = curl(`${plain}/push/${id}`, { ...pushRequest(sub, '{"n":3}'), proto: '--http1.1' });
  check(p.status === 201, 'push over plain HTTP/1.1 -> 201', p.status);

  const messages = JSON.parse(curl(`${base}/messages`).body);
  const first = messages.find((m) => m.json && m.json.n === 1);
  check(messages.length === 3, 'GET /messages lists the three delivered messages', messages.length);
  check(first && first.payload === '{"title":"Зарядка началась","n":1}' && first.subscription === id &&
    first.ttl === '60' && first.urgency === 'high' && first.topic === 'session-42' && first.protocol === 'h2',
  'message shows decrypted payload, subscription id, TTL, Urgency, Topic, protocol', JSON.stringify(first));
  check(curl(`${base}/messages`, { method: 'DELETE' }).status === 200 &&
    JSON.parse(curl(`${base}/messages`).body).length === 0, 'DELETE /messages clears the list');

  // Refusals.
  const status = (url, req) => curl(url, req).status;
  check(status(`${base}/push/999999`, pushRequest(sub, 'x')) === 404, 'unknown subscription -> 404');
  const wrongAud = curl(sub.endpoint, pushRequest(sub, 'x', { aud: 'https://fcm.googleapis.com' }));
  check([401, 403].includes(wrongAud.status) && /aud/.test(wrongAud.body), 'wrong VAPID aud -> 403 naming aud',
    `${wrongAud.status} ${wrongAud.body}`);
  check(status(sub.endpoint, pushRequest(sub, 'x', { expIn: -60 })) === 403, 'expired JWT -> 403');
  check(status(sub.endpoint, pushRequest(sub, 'x', { expIn: 25 * 3600 })) === 403, 'exp more than 24 h ahead -> 403');
  check(status(sub.endpoint, pushRequest(sub, 'x', { subject: 'mailto:me@localhost' })) === 403, 'sub @localhost -> 403');
  const forged = pushRequest(sub, 'x');
  forged.headers.Authorization = forged.headers.Authorization.replace(/t=([^,]+)\.([^.,]+),/,
    (m, signed, sig) => `t=${signed}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)},`);
  check(status(sub.endpoint, forged) === 401, 'forged JWT signature -> 401');
  const noAuth = pushRequest(sub, 'x');
  delete noAuth.headers.Authorization;
  check(status(sub.endpoint, noAuth) === 401, 'missing Authorization -> 401');
  const noTtl = pushRequest(sub, 'x');
  delete noTtl.headers.TTL;
  check(status(sub.endpoint, noTtl) === 400, 'missing TTL -> 400');
  const aesgcm = pushRequest(sub, 'x');
  aesgcm.headers['Content-Encoding'] = 'aesgcm';
  check(status(sub.endpoint, aesgcm) === 400, 'Content-Encoding aesgcm -> 400');
  const big = pushRequest(sub, 'x');
  fs.writeFileSync(big.bodyFile, Buffer.alloc(5000, 7));
  check(status(sub.endpoint, big) === 413, 'body above 4096 bytes -> 413 (HTTP/2)');
  check(status(`${plain}/push/${id}`, { ...big, proto: '--http1.1' }) === 413, 'body above 4096 bytes -> 413 (HTTP/1.1)');
  const bent = pushRequest(sub, 'x');
  const bytes = fs.readFileSync(bent.bodyFile);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(bent.bodyFile, bytes);
  check(status(sub.endpoint, bent) === 400, 'tampered ciphertext -> 400');

  // Failure modes on demand.
  const control = (body) => curl(`${base}/control`, { method: 'POST', data: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' } });
  check(control({ gone: [id] }).status === 200, 'POST /control {gone}');
  check(status(sub.endpoint, pushRequest(sub, 'x')) === 410, 'gone subscription -> 410');
  control({ gone: [], throttle: 1, retry_after: 7 });
  const throttled = curl(sub.endpoint, pushRequest(sub, 'x'));
  check(throttled.status === 429 && throttled.headers['retry-after'] === '7', '429 with Retry-After: 7',
    `${throttled.status} ${throttled.headers['retry-after']}`);
  check(status(sub.endpoint, pushRequest(sub, 'after throttle')) === 201, 'throttle covers only the next K requests');
  control({ error_rate: 1 });
  check(status(sub.endpoint, pushRequest(sub, 'x')) === 500, 'error_rate 1 -> 500');
  control({ reset: true });
  check(status(sub.endpoint, pushRequest(sub, 'x')) === 201, 'reset faults -> 201 again');

  // A subscription bound to an applicationServerKey refuses other VAPID keys (as FCM does).
  const bound = JSON.parse(curl(`${base}/subscriptions`, { method: 'POST',
    data: JSON.stringify({ applicationServerKey: startup[0].keys.p256dh }) }).body);
  check(status(bound.endpoint, pushRequest(bound, 'x')) === 403, 'VAPID key other than applicationServerKey -> 403');

  // Many concurrent streams on one HTTP/2 connection (curl multiplexes with --parallel).
  const many = pushRequest(startup[1], '{"burst":true}');
  const n = 200;
  const args = ['-s', '--http2', '--cacert', cert, '--parallel', '--parallel-max', '100', '-w', '%{http_code} %{num_connects}\n',
    '-o', '/dev/null'];
  for (const [k, v] of Object.entries(many.headers)) args.push('-H', `${k}: ${v}`);
  args.push('--data-binary', `@${many.bodyFile}`);
  for (let i = 0; i < n; i++) args.push(startup[1].endpoint);
  const lines = spawnSync('curl', args, { encoding: 'utf8' }).stdout.trim().split('\n');
  check(lines.length === n && lines.every((l) => l.startsWith('201')), `${n} parallel HTTP/2 pushes -> all 201`,
    lines.filter((l) => !l.startsWith('201')).slice(0, 3).join(','));
  const connects = lines.reduce((s, l) => s + Number(l.split(' ')[1]), 0);
  console.log(`     (${n} requests over ${connects} connection(s))`);
  const stats = JSON.parse(curl(`${base}/stats`).body);
  check(stats.by_status['201'] >= n + 5, '/stats counts the deliveries', JSON.stringify(stats.by_status));
}

main().catch((e) => {
  console.error(e);
  failures++;
}).finally(() => {
  receiver.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  if (failures) {
    console.error(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log('push receiver checks passed');
});
