// The network: every station with its live status and connectors; register a new one.
import { admin, get, post } from '../api.js';
import { badge, clear, describe, field, h, problem, table, toast, values, when } from '../dom.js';
import { onLive } from './common.js';

export function connectorChips(connectors) {
  if (!connectors || !connectors.length) return h('span', { class: 'muted' }, 'none reported');
  return h('div', { class: 'chips' }, connectors.map((c) =>
    h('span', { title: c.error_code && c.error_code !== 'NoError' ? c.error_code : undefined },
      badge(`${c.connector_id}: ${c.status}`, toneOf(c.status)))));
}

function toneOf(status) {
  return { Available: 'ok', Charging: 'info', Preparing: 'info', SuspendedEV: 'info', SuspendedEVSE: 'info',
    Finishing: 'info', Reserved: 'info', Faulted: 'bad', Unavailable: 'bad' }[status] || '';
}

export function overview(main) {
  const stats = h('div', { class: 'stats', id: 'stats' });
  const list = h('div', { id: 'stations' }, h('p', { class: 'muted' }, 'Loading…'));
  const updated = h('span', { class: 'muted small', id: 'updated' });
  clear(main,
    h('div', { class: 'spread' }, h('h1', {}, 'Network'), updated),
    stats,
    h('section', { class: 'card' }, h('h2', {}, 'Stations'), list),
    registerCard());

  async function refresh() {
    try {
      const stations = await get(admin('stations'));
      const connectors = stations.flatMap((s) => s.connectors || []);
      const count = (pred) => connectors.filter(pred).length;
      clear(stats,
        stat(stations.length, 'stations'),
        stat(stations.filter((s) => s.status === 'online').length, 'online', 'online'),
        stat(stations.filter((s) => s.status !== 'online').length, 'offline', 'offline'),
        stat(count((c) => c.status === 'Charging'), 'connectors charging', 'charging'),
        stat(count((c) => c.status === 'Faulted'), 'connectors faulted', 'faulted'));
      clear(list, table([
        { title: 'Station', render: (s) => h('div', {}, h('a', { href: `#/stations/${encodeURIComponent(s.id)}` }, s.id),
          s.name && s.name !== s.id ? h('div', { class: 'muted small' }, s.name) : null) },
        { title: 'Status', render: (s) => h('span', { class: 'status' }, badge(s.status)) },
        { title: 'Connectors', render: (s) => connectorChips(s.connectors) },
        { title: 'Registration', cls: 'opt', render: (s) => badge(s.registration_status) },
        { title: 'Location', cls: 'opt', render: (s) => (s.location && s.location.name) || '—' },
        { title: 'Last seen', cls: 'opt', render: (s) => when(s.last_seen_at) },
      ], stations, {
        empty: 'No stations yet. Register one below, or run the server with OCPP_AUTO_REGISTER=accept.',
        onclick: (s) => { location.hash = `#/stations/${encodeURIComponent(s.id)}`; },
        rowAttrs: (s) => ({ dataset: { station: s.id, status: s.status } }),
      }));
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      clear(list, problem(e, 'Stations'));
    }
  }
  refresh();
  const off = onLive(refresh, (e) => ['station', 'connector', 'fault', 'session'].includes(e.type));
  return { dispose: off };
}

function stat(n, label, id) {
  return h('div', { class: 'stat', id: id ? `stat-${id}` : undefined }, h('b', {}, n), h('span', {}, label));
}

function registerCard() {
  const out = h('div', { id: 'register-result' });
  const form = h('form', { id: 'register', onsubmit: async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = { id: v.id };
    if (v.display_name) body.display_name = v.display_name;
    if (v.price_per_kwh) body.price_per_kwh = v.price_per_kwh;
    if (v.location_id) body.location_id = v.location_id;
    try {
      const r = await post(admin('stations'), body);
      clear(out, h('div', { class: 'answer ok' }, `Station ${r.id || v.id} registered.`,
        r.password ? h('p', {}, 'Its Basic-auth password (shown once): ', h('code', {}, r.password)) : null));
      toast('Station registered');
      form.reset();
    } catch (err) {
      clear(out, problem(err, 'Registering a station'));
    }
  } },
  h('div', { class: 'form-grid' },
    field('Station id (its OCPP identity)', h('input', { name: 'id', required: true, maxlength: 48 })),
    field('Name', h('input', { name: 'display_name' })),
    field('Price per kWh (som)', h('input', { name: 'price_per_kwh', inputmode: 'decimal', placeholder: '12.50' })),
    field('Location id', h('input', { name: 'location_id', placeholder: 'UUID (optional)' }))),
  h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Register station')));
  return h('section', { class: 'card' }, h('h2', {}, 'Register a station'), form, out);
}

export { describe };
