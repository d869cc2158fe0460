// Sessions: every transaction, newest first, filtered by station and state; and the session
// events the charging rules raised for review.
import { admin, get, query } from '../api.js';
import { badge, clear, field, h, problem, select, table, values, when } from '../dom.js';
import { onLive } from './common.js';

const PAGE = 25;

export function sessions(main) {
  const list = h('div', { id: 'sessions' });
  const events = h('div', { id: 'events' });
  let offset = 0;
  const form = h('form', { class: 'form-grid', onsubmit: (e) => { e.preventDefault(); offset = 0; refresh(); } },
    field('Station', h('input', { name: 'station_id', placeholder: 'any' })),
    field('State', select('status', ['', 'active', 'completed'], '')),
    field('Driver (client id)', h('input', { name: 'client_id', placeholder: 'UUID' })),
    h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Filter')));
  const pager = h('div', { class: 'row end' });
  clear(main, h('h1', {}, 'Sessions'),
    h('section', { class: 'card' }, form, list, pager),
    h('section', { class: 'card' }, h('h2', {}, 'Events to review'), events));

  async function refresh() {
    const v = values(form);
    try {
      const page = await get(admin('transactions') + query({ ...v, limit: PAGE, offset }));
      clear(list, table([
        { title: 'Tx', render: (t) => t.transaction_id },
        { title: 'Station', render: (t) => h('a', { href: `#/stations/${encodeURIComponent(t.station_id)}` }, `${t.station_id} #${t.connector_id}`) },
        { title: 'State', render: (t) => badge(t.status) },
        { title: 'Id tag', cls: 'opt', render: (t) => h('code', {}, t.id_tag || '—') },
        { title: 'Started', render: (t) => when(t.started_at) },
        { title: 'Stopped', cls: 'opt', render: (t) => when(t.stopped_at) },
        { title: 'kWh', cls: 'num', render: (t) => (t.energy_wh / 1000).toFixed(3) },
        { title: 'Charged', cls: 'num', render: (t) => (t.amount ? `${t.amount}` : '—') },
        { title: 'Billing', cls: 'opt', render: (t) => (t.billing ? badge(t.billing) : '—') },
        { title: 'End', cls: 'opt', render: (t) => t.end_reason || t.stop_reason || '—' },
      ], page.items, { empty: 'No sessions match.' }));
      clear(pager,
        offset > 0 ? h('button', { class: 'secondary small', onclick: () => { offset = Math.max(0, offset - PAGE); refresh(); } }, 'Newer') : null,
        page.items.length === PAGE ? h('button', { class: 'secondary small', onclick: () => { offset += PAGE; refresh(); } }, 'Older') : null);
    } catch (e) {
      clear(list, problem(e, 'Sessions'));
    }
    try {
      const ev = await get(admin('events') + query({ limit: 20 }));
      clear(events, table([
        { title: 'When', render: (x) => when(x.created_at) },
        { title: 'Station', render: (x) => x.station_id || '—' },
        { title: 'Kind', render: (x) => badge(x.kind, 'warn') },
        { title: 'Detail', cls: 'opt', render: (x) => h('code', {}, JSON.stringify(x.detail)) },
      ], ev, { empty: 'Nothing to review.' }));
    } catch (e) {
      clear(events, problem(e, 'Session events'));
    }
  }
  refresh();
  return { dispose: onLive(refresh, (e) => e.type === 'session') };
}
