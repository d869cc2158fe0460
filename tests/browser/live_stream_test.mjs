// The console's live-update client (api/console/live.js) against a small Server-Sent Events
// server: events parsed with their types, JSON data, ids and CRLF line ends, comments
// ignored, the token sent in the Authorization header, a dropped stream resumed with
// Last-Event-ID, and polling when the server has no stream (404). Runs in Node (fetch and
// web streams are built in), so the stream path is tested even where the server under test
// has no stream yet.
import http from 'node:http';

const seen = { auth: [], lastEventId: [] };
let mode = 'stream';
let connections = 0;
const server = http.createServer((req, res) => {
  if (req.url !== '/api/v1/admin/stream') { res.writeHead(404).end(); return; }
  seen.auth.push(req.headers.authorization);
  seen.lastEventId.push(req.headers['last-event-id'] ?? null);
  if (mode === 'missing') {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"success":false,"error":{"code":"not_found","message":"no such endpoint"}}');
    return;
  }
  connections++;
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  if (connections === 1) {
    res.write(': keep-alive\n\n');
    res.write('id: 1\nevent: station\ndata: {"id":"CP1","status":"online"}\n\n');
    // Split across writes, CRLF line ends, data on two lines.
    res.write('id: 2\r\nevent: conn');
    setTimeout(() => {
      res.write('ector\r\ndata: {"station_id":"CP1",\r\ndata: "connector_id":1,"status":"Charging"}\r\n\r\n');
      setTimeout(() => res.end(), 50);  // the server drops the stream
    }, 50);
  } else {
    res.write('id: 3\nevent: session\ndata: {"station_id":"CP1","transaction_id":7}\n\n');
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

// What the browser gives the module: same-origin fetch and sessionStorage.
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => realFetch(new URL(url, base), init);
const store = new Map([['evpower.console.token', 'TOKEN-123']]);
globalThis.sessionStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };

const live = await import('../../api/console/live.js');
let failures = 0;
const check = (ok, what) => { console.log(ok ? 'ok  ' : 'FAIL', what); if (!ok) failures++; };
const events = [];
const modes = [];
live.onModeChange((m) => modes.push(m));
live.subscribe((e) => events.push(e));
const until = async (what, fn, ms = 10000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

live.start();
await until('three events', () => events.filter((e) => e.data).length >= 3);
const data = events.filter((e) => e.data);
check(data[0].type === 'station' && data[0].data.status === 'online', 'a station event with its JSON data');
check(data[1].type === 'connector' && data[1].data.status === 'Charging' && data[1].data.connector_id === 1,
  'an event split across chunks, CRLF, data on two lines');
check(data[2].type === 'session' && data[2].data.transaction_id === 7, 'the event after a reconnect');
check(seen.auth.every((a) => a === 'Bearer TOKEN-123'), 'the token goes in the Authorization header');
check(seen.lastEventId[0] === null && seen.lastEventId[1] === '2', 'the reconnect sends Last-Event-ID of the last event');
check(modes.includes('stream') && live.currentMode() === 'stream', 'mode: stream');
check(events.some((e) => e.type === 'resync'), 'a (re)connect asks the screens to resynchronise');
live.stop();

mode = 'missing';
events.length = 0;
live.start();
await until('polling', () => live.currentMode() === 'polling');
await until('a poll', () => events.some((e) => e.type === 'poll'), live.POLL_MS + 2000);
check(true, `no stream (404): polling every ${live.POLL_MS} ms`);
live.stop();
server.close();
console.log(failures ? `live stream test: ${failures} failed` : 'live stream test passed');
process.exit(failures ? 1 : 0);
