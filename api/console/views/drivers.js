// Drivers (clients): their balances, and a credit or debit with a reason (one ledger row;
// the id makes a form sent twice count once).
import { admin, get, post } from '../api.js';
import { clear, confirmAction, field, h, problem, table, toast, values, when } from '../dom.js';

const itemsOf = (data) => (Array.isArray(data) ? data : (data && data.items) || []);
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `adj-${Date.now()}-${Math.random().toString(16).slice(2)}`);

export function drivers(main) {
  const list = h('div', { id: 'drivers' });
  const out = h('div', { id: 'adjust-result' });
  let adjustmentId = newId();
  const form = h('form', { id: 'adjust-form', onsubmit: async (e) => {
    e.preventDefault();
    const v = values(form);
    const debit = v.amount.startsWith('-');
    if (!(await confirmAction(`${debit ? 'Debit' : 'Credit'} ${v.amount.replace('-', '')} som?`,
      `Driver ${v.client_id}: ${v.reason}`, debit ? 'Debit' : 'Credit'))) return;
    try {
      const r = await post(admin('clients', v.client_id, 'adjustments'), { id: adjustmentId, amount: v.amount, reason: v.reason });
      clear(out, h('div', { class: 'answer ok' }, r.applied ? `Done: the balance is now ${r.new_balance} som.`
        : `Already applied earlier; the balance is ${r.new_balance} som.`));
      toast('Balance adjusted');
      adjustmentId = newId();
      form.reset();
      refresh();
    } catch (err) { clear(out, problem(err, 'Adjusting the balance')); }
  } },
  h('div', { class: 'form-grid' },
    field('Driver (client id) *', h('input', { name: 'client_id', required: true, placeholder: 'UUID' })),
    field('Amount (som; negative debits) *', h('input', { name: 'amount', required: true, inputmode: 'decimal', placeholder: '150.00' })),
    field('Reason *', h('input', { name: 'reason', required: true, maxlength: 500 }))),
  h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Adjust balance')));

  const pick = (c) => { form.elements.client_id.value = c.id; form.elements.amount.focus(); };
  clear(main, h('h1', {}, 'Drivers'),
    h('section', { class: 'card' }, h('h2', {}, 'Drivers'), list),
    h('section', { class: 'card' }, h('h2', {}, 'Credit or debit a balance'), form, out));

  async function refresh() {
    try {
      clear(list, table([
        { title: 'Driver', render: (c) => h('div', {}, c.email || c.name || '—', h('div', { class: 'muted small mono' }, c.id)) },
        { title: 'Balance', cls: 'num', render: (c) => (c.balance != null ? `${c.balance}` : '—') },
        { title: 'Since', cls: 'opt', render: (c) => when(c.created_at) },
        { title: '', render: (c) => h('button', { class: 'small secondary', onclick: () => pick(c) }, 'Adjust') },
      ], itemsOf(await get(admin('clients'))), { empty: 'No drivers yet.' }));
    } catch (e) { clear(list, problem(e, 'Drivers')); }
  }
  refresh();
  return null;
}
