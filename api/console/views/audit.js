// The audit log: every command an operator sent, who, when, and what came back.
import { admin, get, query } from '../api.js';
import { badge, clear, field, h, problem, table, when } from '../dom.js';
import { onLive } from './common.js';

export function audit(main) {
  const list = h('div', { id: 'audit' });
  const more = h('div', { class: 'row end' });
  let rows = [];
  const form = h('form', { class: 'form-grid', onsubmit: (e) => { e.preventDefault(); rows = []; load(); } },
    field('Station', h('input', { name: 'station', placeholder: 'any' })),
    h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Filter')));
  clear(main, h('h1', {}, 'Audit log'), h('section', { class: 'card' }, form, list, more));

  async function load(before) {
    try {
      const station = form.elements.station.value.trim();
      const page = await get(admin('audit') + query({ station, limit: 50, before }));
      rows = before ? rows.concat(page) : page;
      clear(list, table([
        { title: '#', cls: 'opt', render: (a) => a.id },
        { title: 'When', render: (a) => when(a.created_at) },
        { title: 'Station', render: (a) => h('a', { href: `#/stations/${encodeURIComponent(a.station_id)}` }, a.station_id) },
        { title: 'Command', render: (a) => h('b', {}, a.action) },
        { title: 'Request', cls: 'opt', render: (a) => h('code', {}, JSON.stringify(a.request)) },
        { title: 'Outcome', render: (a) => h('div', {}, badge(a.outcome),
          a.response && a.response.status ? [' ', badge(a.response.status)] : null,
          a.error ? h('div', { class: 'small error' }, a.error) : null) },
        { title: 'Operator', cls: 'opt', render: (a) => h('code', { title: a.operator_id }, String(a.operator_id).slice(0, 8)) },
      ], rows, { empty: 'No commands sent yet.', rowAttrs: (a) => ({ dataset: { action: a.action, outcome: a.outcome } }) }));
      clear(more, page.length === 50
        ? h('button', { class: 'secondary small', onclick: () => load(rows[rows.length - 1].id) }, 'Older') : null);
    } catch (e) {
      clear(list, problem(e, 'Audit log'));
    }
  }
  load();
  // New commands appear at the top; an open "older" page is kept as it is.
  return { dispose: onLive(() => { if (rows.length <= 50) load(); }, () => false) };
}
