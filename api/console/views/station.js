// One station: live status, connectors, every central-system command with the station's
// answer, its configuration (read and change), settings and its latest frames.
import { ApiError, admin, del, get, patch, post } from '../api.js';
import { badge, clear, confirmAction, describe, field, h, problem, select, table, toast, values, when } from '../dom.js';
import { COMMANDS, command, payloadOf } from '../commands.js';
import { connectorChips } from './overview.js';
import { onLive, stationOf } from './common.js';

export function station(main, id) {
  const head = h('div', { id: 'station-head' }, h('h1', {}, id));
  const details = h('div', { id: 'details' });
  const connectors = h('div', { id: 'connectors' });
  const frames = h('div', { id: 'frames', class: 'frames' });
  const config = h('div', { id: 'configuration' }, h('p', { class: 'muted' },
    'Ask the station for its configuration keys (GetConfiguration).'));
  const answer = h('div', { id: 'answer' });

  clear(main,
    h('p', {}, h('a', { href: '#/' }, '← Network')),
    head,
    h('div', { class: 'grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Station'), details),
      h('section', { class: 'card' }, h('h2', {}, 'Connectors'), connectors)),
    commandsCard(id, answer),
    h('section', { class: 'card' }, h('div', { class: 'spread' }, h('h2', {}, 'Configuration'),
      h('button', { class: 'secondary small', id: 'load-config', onclick: () => loadConfig(id, config) }, 'Load configuration')),
    config),
    h('div', { class: 'grid' },
      settingsCard(id),
      h('section', { class: 'card' }, h('h2', {}, 'Latest frames'), frames)));

  async function refresh() {
    try {
      const s = await get(admin('stations', id));
      renderHead(head, s, refresh);
      renderDetails(details, s);
      clear(connectors, connectorChips(s.connectors));
      loadConnectors(id, connectors, s);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'station_not_found') clear(head, h('h1', {}, id), h('p', { class: 'error' }, 'No such station.'));
      else clear(details, problem(e, 'Station'));
    }
    try {
      const fs = await get(admin('stations', id, 'frames'));
      clear(frames, fs.length ? fs.slice().reverse().map((f) => h('div', { class: 'frame' },
        h('span', { class: `dir ${f.direction}` }, f.direction === 'received' ? '⇠ from station' : '⇢ to station'),
        h('span', { class: 'muted small' }, when(f.at)), h('pre', {}, f.frame))) : h('p', { class: 'muted' }, 'No frames since the server started.'));
    } catch (e) {
      clear(frames, problem(e, 'Frames'));
    }
  }
  refresh();
  const off = onLive(refresh, (e) => stationOf(e) === id);
  return { dispose: off };
}

function renderHead(head, s, refresh) {
  const reg = s.registration_status;
  const setReg = async (status) => {
    try {
      await post(admin('stations', s.id, 'registration'), { status });
      toast(`Registration: ${status}`);
      refresh();
    } catch (e) { toast(describe(e)); }
  };
  clear(head,
    h('div', { class: 'spread' },
      h('div', {}, h('h1', {}, s.name && s.name !== s.id ? `${s.id} · ${s.name}` : s.id),
        h('div', { class: 'row' }, h('span', { id: 'station-status' }, badge(s.status)),
          s.connected ? badge('connected', 'ok') : badge('not connected'),
          h('span', { class: 'muted small' }, 'registration'), badge(reg))),
      h('div', { class: 'row' },
        reg !== 'Accepted' ? h('button', { class: 'small', onclick: () => setReg('Accepted') }, 'Accept') : null,
        reg !== 'Rejected' ? h('button', { class: 'small secondary', onclick: () => setReg('Rejected') }, 'Reject') : null)));
}

function renderDetails(el, s) {
  const row = (k, v) => h('tr', {}, h('th', {}, k), h('td', {}, v ?? '—'));
  clear(el, h('table', {}, h('tbody', {},
    row('Vendor / model', [s.vendor, s.model].filter(Boolean).join(' ') || '—'),
    row('Firmware', s.firmware_version),
    row('Price', `${s.price_per_kwh} ${s.currency || ''}/kWh`),
    row('Location', s.location && s.location.name ? [s.location.name, s.location.address].filter(Boolean).join(', ') : '—'),
    row('Last seen', when(s.last_seen_at)))));
}

// Richer connector rows (GET .../connectors) where the server has them; the station's own
// list otherwise.
async function loadConnectors(id, el, s) {
  try {
    const list = await get(admin('stations', id, 'connectors'));
    const items = Array.isArray(list) ? list : list.items || [];
    clear(el, table([
      { title: '#', render: (c) => c.connector_id },
      { title: 'Status', render: (c) => badge(c.status) },
      { title: 'Error', render: (c) => c.error_code || '—' },
      { title: 'Max power', cls: 'opt', render: (c) => (c.max_power_w ? `${(c.max_power_w / 1000).toFixed(1)} kW` : '—') },
      { title: 'Updated', cls: 'opt', render: (c) => when(c.updated_at) },
    ], items.filter((c) => c.connector_id > 0), { empty: 'No connectors reported yet.' }));
  } catch (e) {
    if (!(e instanceof ApiError && e.missing)) return;
    clear(el, table([
      { title: '#', render: (c) => c.connector_id },
      { title: 'Status', render: (c) => badge(c.status) },
      { title: 'Error', render: (c) => c.error_code || '—' },
      { title: 'Updated', cls: 'opt', render: (c) => when(c.updated_at) },
    ], s.connectors || [], { empty: 'No connectors reported yet.' }));
  }
}

function inputFor(f) {
  const attrs = { name: f.name, placeholder: f.placeholder || '', value: f.value || '' };
  if (f.type === 'enum') return select(f.name, f.options, f.value || (f.required ? f.options[0] : ''));
  if (f.type === 'json') return h('textarea', { name: f.name, placeholder: f.placeholder || '', rows: 3 });
  if (f.type === 'int') return h('input', { ...attrs, inputmode: 'numeric' });
  if (f.type === 'datetime') return h('input', { ...attrs, type: 'datetime-local' });
  return h('input', attrs);
}

function commandsCard(id, answer) {
  const form = h('form', { id: 'command-form' });
  const buttons = h('div', { class: 'commands', id: 'commands' });
  let chosen = null;

  const choose = (cmd) => {
    chosen = cmd;
    for (const b of buttons.children) b.classList.toggle('selected', b.dataset.action === cmd.action);
    const payload = h('textarea', { name: '__payload', id: 'payload', rows: 4, spellcheck: false });
    const sync = () => {
      try { payload.value = JSON.stringify(payloadOf(cmd, values(form))); } catch { /* shown on send */ }
    };
    clear(form,
      h('h3', {}, cmd.action, h('span', { class: 'muted small' }, ` · ${cmd.profile}`)),
      cmd.interrupts ? h('p', { class: 'small error' }, `This ${cmd.interrupts}: you will be asked to confirm.`) : null,
      cmd.fields.length ? h('div', { class: 'form-grid' }, cmd.fields.map((f) =>
        field(`${f.name}${f.required ? ' *' : ''}${f.hint ? ` (${f.hint})` : ''}`, inputFor(f)))) : null,
      field('Payload sent (JSON, editable)', payload),
      h('div', { class: 'row end' }, h('button', { type: 'submit', id: 'send' }, `Send ${cmd.action}`)));
    form.oninput = (e) => { if (e.target !== payload) sync(); };
    form.onchange = form.oninput;
    sync();
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!chosen) return;
    const cmd = chosen;
    let body;
    try {
      body = JSON.parse(form.elements.__payload.value || '{}');
      if (!form.elements.__payload.value) body = payloadOf(cmd, values(form));
    } catch (err) {
      clear(answer, h('div', { class: 'answer bad' }, `Cannot send: ${err.message}`));
      return;
    }
    if (cmd.interrupts && !(await confirmAction(`${cmd.action} ${id}?`,
      `This ${cmd.interrupts}. Payload: ${JSON.stringify(body)}`, `Send ${cmd.action}`))) return;
    await send(id, cmd.action, body, answer, form.querySelector('#send'));
  });

  clear(buttons, COMMANDS.map((cmd) => h('button', { type: 'button', class: cmd.interrupts ? 'interrupts' : '',
    dataset: { action: cmd.action }, title: cmd.profile, onclick: () => choose(cmd) }, cmd.action)));
  choose(command('Reset'));

  return h('section', { class: 'card', id: 'commands-card' },
    h('div', { class: 'spread' }, h('h2', {}, 'Commands'), localListButton(id, answer)),
    buttons, form, answer);
}

async function send(id, action, body, answer, button) {
  clear(answer, h('div', { class: 'answer' }, `Sending ${action}…`));
  if (button) button.disabled = true;
  const started = performance.now();
  try {
    const r = await post(`${admin('stations', id, 'calls', action)}`, body);
    const ms = Math.round(performance.now() - started);
    const status = r.response && r.response.status;
    clear(answer, h('div', { class: 'answer ok', dataset: { action, outcome: 'answered', status: status || '' } },
      h('div', { class: 'row' }, h('b', {}, `${action}: the station answered`), status ? badge(status) : null,
        h('span', { class: 'muted small' }, `${ms} ms · audit #${r.audit_id}`)),
      h('pre', { id: 'answer-json' }, JSON.stringify(r.response, null, 2))));
  } catch (e) {
    const details = e instanceof ApiError && e.details ? e.details : null;
    clear(answer, h('div', { class: 'answer bad', dataset: { action, outcome: e.code || 'error' } },
      h('b', {}, `${action}: ${describe(e)}`),
      details ? h('pre', {}, JSON.stringify(details, null, 2)) : null));
  } finally {
    if (button) button.disabled = false;
  }
}

function localListButton(id, answer) {
  const sync = async (update) => {
    try {
      const r = await post(admin('stations', id, 'local-list'), { update });
      clear(answer, h('div', { class: 'answer ok' }, h('b', {}, `Local list (${update}) sent`),
        h('pre', {}, JSON.stringify(r, null, 2))));
    } catch (e) {
      clear(answer, problem(e, 'Sending the id tags as the local list'));
    }
  };
  return h('div', { class: 'row' }, h('span', { class: 'muted small' }, 'Local list from id tags:'),
    h('button', { class: 'small secondary', type: 'button', onclick: () => sync('Full') }, 'Full'),
    h('button', { class: 'small secondary', type: 'button', onclick: () => sync('Differential') }, 'Differential'));
}

async function loadConfig(id, el) {
  clear(el, h('p', { class: 'muted' }, 'Asking the station…'));
  try {
    const r = await post(admin('stations', id, 'calls', 'GetConfiguration'), {});
    const keys = (r.response && r.response.configurationKey) || [];
    const unknown = (r.response && r.response.unknownKey) || [];
    clear(el, table([
      { title: 'Key', render: (k) => h('code', {}, k.key) },
      { title: 'Value', render: (k) => (k.readonly ? h('span', {}, k.value ?? '—', ' ', badge('read-only'))
        : editValue(id, k)) },
    ], keys, { empty: 'The station reported no keys.' }),
    unknown.length ? h('p', { class: 'muted small' }, `Unknown keys: ${unknown.join(', ')}`) : null);
  } catch (e) {
    clear(el, problem(e, 'GetConfiguration'));
  }
}

function editValue(id, k) {
  const input = h('input', { value: k.value ?? '', name: k.key });
  const out = h('span', { class: 'small' });
  const save = async () => {
    try {
      const r = await post(admin('stations', id, 'calls', 'ChangeConfiguration'), { key: k.key, value: input.value });
      clear(out, badge(r.response.status));
    } catch (e) {
      clear(out, h('span', { class: 'error' }, describe(e)));
    }
  };
  return h('div', { class: 'row' }, input, h('button', { class: 'small secondary', type: 'button', onclick: save }, 'Change'), out);
}

function settingsCard(id) {
  const out = h('div');
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = {};
    if (v.display_name) body.display_name = v.display_name;
    if (v.price_per_kwh) body.price_per_kwh = v.price_per_kwh;
    if (v.location_id) body.location_id = v.location_id;
    try {
      await patch(admin('stations', id), body);
      clear(out, h('div', { class: 'answer ok' }, 'Saved.'));
    } catch (err) { clear(out, problem(err, 'Changing the station')); }
  } },
  h('div', { class: 'form-grid' },
    field('Name', h('input', { name: 'display_name' })),
    field('Price per kWh', h('input', { name: 'price_per_kwh', inputmode: 'decimal' })),
    field('Location id', h('input', { name: 'location_id' }))),
  h('div', { class: 'row end' },
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      if (!(await confirmAction(`New password for ${id}?`, 'The station must be given the new password before it reconnects.', 'Rotate'))) return;
      try {
        const r = await post(admin('stations', id, 'password'));
        clear(out, h('div', { class: 'answer ok' }, 'New password (shown once): ', h('code', {}, r.password || JSON.stringify(r))));
      } catch (err) { clear(out, problem(err, 'Rotating the password')); }
    } }, 'Rotate password'),
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      if (!(await confirmAction(`Remove the password of ${id}?`, 'The station then connects without Basic auth.', 'Remove'))) return;
      try {
        await del(admin('stations', id, 'password'));
        clear(out, h('div', { class: 'answer ok' }, 'Password removed.'));
      } catch (err) { clear(out, problem(err, 'Removing the password')); }
    } }, 'Remove password'),
    h('button', { type: 'submit' }, 'Save')));
  return h('section', { class: 'card' }, h('h2', {}, 'Settings'), form, out);
}
