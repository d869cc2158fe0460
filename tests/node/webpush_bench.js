// Baseline for push_bench: the `web-push` npm library sending to the same receiver.
// usage: NODE_EXTRA_CA_CERTS=receiver.pem node webpush_bench.js subscriptions.json COUNT [IN_FLIGHT]
// Prints one JSON line: {"pushes_per_second", "delivered", "failed", "seconds"}.
'use strict';
const fs = require('fs');
const path = require('path');
const webpush = require(path.join(__dirname, 'node_modules', 'web-push'));

const subs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const count = parseInt(process.argv[3] || '2000', 10);
const inFlight = parseInt(process.argv[4] || '100', 10);
const keys = webpush.generateVAPIDKeys();
const payload = JSON.stringify({
  title: 'Зарядка завершена', body: '12.35 кВт⋅ч за 165.05 сом', icon: '/logo-192.png', badge: '/logo-96.png',
  data: { type: 'charging_completed', session_id: 'bench-0', energy_kwh: '12.35', amount: '165.05' },
});
const options = {
  TTL: 3600,
  vapidDetails: { subject: 'mailto:bench@evpower.kg', publicKey: keys.publicKey, privateKey: keys.privateKey },
};

let next = 0, delivered = 0, failed = 0;
async function worker() {
  while (next < count) {
    const sub = subs[next++ % subs.length];
    try {
      const r = await webpush.sendNotification(sub, payload, options);
      if (r.statusCode === 201) delivered++; else failed++;
    } catch (e) {
      failed++;
      if (failed === 1) console.error(String(e && (e.body || e.message || e)));
    }
  }
}
const start = process.hrtime.bigint();
Promise.all(Array.from({ length: inFlight }, worker)).then(() => {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ pushes_per_second: delivered / seconds, delivered, failed, seconds }));
});
