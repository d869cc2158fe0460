// Id tags (RFID cards): list, add, change and block. The next Authorize sees the change.
import { admin, get, put, query } from '../api.js';
import { badge, clear, confirmAction, describe, field, h, problem, select, table, toast, values } from '../dom.js';

const PAGE = 50;

export function idtags(main) {
  const list = h('div', { id: 'idtags' });
  const out = h('div', { id: 'idtag-result' });
  const form = h('form', { id: 'idtag-form', onsubmit: async (e) => {
    e.preventDefault();
    const v = values(form);
    const body = {};
    if (v.status) body.status = v.status;
    if (v.client_id) body.client_id = v.client_id;
    if (v.expiry_date) body.expiry_date = new Date(v.expiry_date).toISOString();
    if (v.parent_id_tag) body.parent_id_tag = v.parent_id_tag;
    try {
      const t = await put(admin('idtags', v.id_tag), body);
      clear(out, h('div', { class: 'answer ok' }, 'Saved ', h('code', {}, t.id_tag), ' ', badge(t.status)));
      toast(`Id tag ${t.id_tag} saved`);
      form.reset();
      refresh();
    } catch (err) {
      clear(out, problem(err, 'Saving the id tag'));
    }
  } },
  h('div', { class: 'form-grid' },
    field('Tag *', h('input', { name: 'id_tag', required: true, maxlength: 20, placeholder: '04A1B2C3' })),
    field('Status', select('status', ['', 'Accepted', 'Blocked', 'Expired', 'Invalid'], '')),
    field('Driver (client id)', h('input', { name: 'client_id', placeholder: 'UUID (optional)' })),
    field('Expires', h('input', { name: 'expiry_date', type: 'datetime-local' })),
    field('Parent tag', h('input', { name: 'parent_id_tag', maxlength: 20 }))),
  h('p', { class: 'muted small' }, 'A new tag is Accepted unless you pick a status; what you leave empty keeps its value.'),
  h('div', { class: 'row end' }, h('button', { type: 'submit', id: 'idtag-save' }, 'Save id tag')));

  clear(main, h('h1', {}, 'Id tags'),
    h('section', { class: 'card' }, h('h2', {}, 'Add or change a card'), form, out),
    h('section', { class: 'card' }, h('h2', {}, 'Cards'), list));

  async function setStatus(t, status) {
    if (status === 'Blocked' && !(await confirmAction(`Block ${t.id_tag}?`, 'Stations will refuse this card at its next Authorize.', 'Block'))) return;
    try {
      await put(admin('idtags', t.id_tag), { status });
      toast(`${t.id_tag}: ${status}`);
      refresh();
    } catch (e) { toast(describe(e)); }
  }

  async function refresh() {
    try {
      const page = await get(admin('idtags') + query({ limit: PAGE }));
      clear(list, table([
        { title: 'Tag', render: (t) => h('code', {}, t.id_tag) },
        { title: 'Status', render: (t) => badge(t.status) },
        { title: 'Driver', cls: 'opt', render: (t) => (t.client_id ? h('code', {}, t.client_id) : '—') },
        { title: 'Expires', cls: 'opt', render: (t) => (t.expiry_date ? String(t.expiry_date).slice(0, 16) : 'never') },
        { title: 'Parent', cls: 'opt', render: (t) => t.parent_id_tag || '—' },
        { title: '', render: (t) => (t.status === 'Accepted'
          ? h('button', { class: 'small secondary', onclick: () => setStatus(t, 'Blocked') }, 'Block')
          : h('button', { class: 'small secondary', onclick: () => setStatus(t, 'Accepted') }, 'Accept')) },
      ], page.items, { empty: 'No cards yet.', rowAttrs: (t) => ({ dataset: { tag: t.id_tag, status: t.status } }) }));
    } catch (e) {
      clear(list, problem(e, 'Id tags'));
    }
  }
  refresh();
  return null;
}
