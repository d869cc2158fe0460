// Live updates: the server's event stream (GET /api/v1/admin/stream, Server-Sent Events
// read with fetch so the token goes in the Authorization header) when it has one, else a
// poll every few seconds. Views subscribe and refresh what they show.
import { token } from './api.js';

export const POLL_MS = 3000;
const listeners = new Set();
let mode = 'off';  // 'stream' | 'polling' | 'off'
let controller = null;
let pollTimer = null;
let lastEventId = null;
let onMode = () => {};

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
export function currentMode() { return mode; }
export function onModeChange(fn) { onMode = fn; }

function emit(event) {
  for (const fn of [...listeners]) {
    try { fn(event); } catch (e) { console.error(e); }
  }
}

function setMode(m) {
  mode = m;
  onMode(m);
}

export function start() {
  stop();
  controller = new AbortController();
  connect(controller.signal, 0);
}

export function stop() {
  if (controller) controller.abort();
  controller = null;
  clearInterval(pollTimer);
  pollTimer = null;
  setMode('off');
}

function startPolling() {
  setMode('polling');
  clearInterval(pollTimer);
  pollTimer = setInterval(() => emit({ type: 'poll' }), POLL_MS);
}

async function connect(signal, failures) {
  let res;
  try {
    const headers = { Authorization: `Bearer ${token() || ''}`, Accept: 'text/event-stream' };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    res = await fetch('/api/v1/admin/stream', { headers, signal, cache: 'no-store' });
  } catch (e) {
    if (signal.aborted) return;
    res = null;
  }
  if (signal.aborted) return;
  if (res && (res.status === 404 || res.status === 405)) {
    startPolling();  // this server has no stream: poll for as long as the page lives
    return;
  }
  if (res && res.ok && res.body) {
    setMode('stream');
    clearInterval(pollTimer);
    pollTimer = null;
    emit({ type: 'resync' });  // whatever happened while we were not listening
    try {
      await read(res.body, signal);
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
    }
  }
  if (signal.aborted) return;
  // Dropped or refused: poll meanwhile, try the stream again with a growing pause.
  if (!pollTimer) startPolling();
  const pause = Math.min(30000, 1000 * 2 ** Math.min(failures, 5));
  setTimeout(() => { if (!signal.aborted) connect(signal, failures + 1); }, pause);
}

async function read(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  signal.addEventListener('abort', () => reader.cancel().catch(() => {}), { once: true });
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let m;
    while ((m = /\r?\n\r?\n/.exec(buffer))) {
      const block = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      dispatch(block);
    }
  }
}

function dispatch(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;  // a comment (keep-alive)
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') type = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id') lastEventId = value;
  }
  if (!data.length) return;
  let parsed;
  try { parsed = JSON.parse(data.join('\n')); } catch { parsed = data.join('\n'); }
  emit({ type, data: parsed });
}

/// Calls `fn` at most once per `ms` for a burst of events (a storm of status changes
/// refreshes a view once).
export function debounce(fn, ms = 250) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
