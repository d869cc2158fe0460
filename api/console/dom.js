// DOM helpers. Text always goes in as text (never as HTML), so nothing a station or a user
// sends can become markup.
import { ApiError } from './api.js';

/// h('a', {href: '#/', class: 'x', onclick: f}, 'text', child, [children])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const TONES = {
  online: 'ok', Available: 'ok', Accepted: 'ok', answered: 'ok', completed: 'ok', charged: 'ok', Unlocked: 'ok',
  Charging: 'info', Preparing: 'info', active: 'info', SuspendedEV: 'info', SuspendedEVSE: 'info', Finishing: 'info',
  Reserved: 'info', sent: 'warn', Pending: 'warn', Scheduled: 'warn', free: 'warn', unpaid: 'warn',
  offline: 'bad', Faulted: 'bad', Unavailable: 'bad', Rejected: 'bad', Blocked: 'bad', Expired: 'bad',
  Invalid: 'bad', timeout: 'bad', call_error: 'bad', invalid_response: 'bad', suspect: 'bad', NotSupported: 'bad',
};
export function badge(text, tone) {
  return h('span', { class: `badge ${tone || TONES[text] || ''}` }, text ?? '—');
}

export function table(columns, rows, { onclick, empty = 'Nothing yet.', rowAttrs } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.cls }, c.title)))),
    h('tbody', {}, rows.map((r) => h('tr', {
      class: onclick ? 'clickable' : undefined,
      onclick: onclick ? () => onclick(r) : undefined,
      ...(rowAttrs ? rowAttrs(r) : {}),
    }, columns.map((c) => h('td', { class: c.cls }, c.render ? c.render(r) : r[c.key] ?? '—')))))));
}

/// What a failed request means for the page: "not available on this server" for a route
/// this server does not have, else the error's message.
export function problem(err, what) {
  if (err instanceof ApiError && err.missing)
    return h('div', { class: 'notice missing', dataset: { missing: '1' } },
      `${what}: not available on this server (its version has no such endpoint).`);
  return h('div', { class: 'notice error' }, `${what}: ${describe(err)}`);
}

export function describe(err) {
  if (err instanceof ApiError) return `${err.message} (${err.status || 'no answer'} ${err.code})`;
  return String(err && err.message ? err.message : err);
}

export function when(ts) {
  if (!ts) return '—';
  const d = new Date(String(ts).replace(' ', 'T').replace(/\+00$/, 'Z'));
  if (Number.isNaN(d.getTime())) return String(ts);
  const secs = Math.round((Date.now() - d.getTime()) / 1000);
  const rel = secs < 5 ? 'just now' : secs < 90 ? `${secs} s ago` : secs < 5400 ? `${Math.round(secs / 60)} min ago`
    : secs < 129600 ? `${Math.round(secs / 3600)} h ago` : d.toISOString().slice(0, 10);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, rel);
}

/// A modal confirmation; resolves true when the operator confirms.
export function confirmAction(title, text, okLabel = 'Send') {
  const dlg = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

let toastTimer;
export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 2500);
}

/// Form values by input name; "" for empty fields.
export function values(form) {
  const out = {};
  for (const el of form.elements) if (el.name) out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
  return out;
}

export function field(label, input) { return h('label', {}, label, input); }
export function select(name, options, value) {
  return h('select', { name }, options.map((o) => h('option', { value: o, selected: o === value }, o === '' ? '—' : o)));
}
