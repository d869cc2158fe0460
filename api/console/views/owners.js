// Owners (who gets a station's revenue and its owner notifications) and their locations.
// Rows are listed with whatever the server returns; add and rename through POST / PATCH.
import { admin, get, patch, post } from '../api.js';
import { clear, field, h, problem, table, toast, values, when } from '../dom.js';

const itemsOf = (data) => (Array.isArray(data) ? data : (data && data.items) || []);
const ownerOf = (l) => l.owner_id ?? l.user_id ?? (l.owner && l.owner.id) ?? '—';

export function owners(main) {
  const ownerList = h('div', { id: 'owners' });
  const locationList = h('div', { id: 'locations' });
  const ownerOut = h('div');
  const locationOut = h('div');

  const ownerForm = h('form', { id: 'owner-form', onsubmit: async (e) => {
    e.preventDefault();
    const v = values(ownerForm);
    const body = {};
    for (const k of ['id', 'name', 'email']) if (v[k]) body[k] = v[k];
    try {
      const o = v.edit ? await patch(admin('owners', v.edit), body) : await post(admin('owners'), body);
      clear(ownerOut, h('div', { class: 'answer ok' }, `Owner ${o.name || o.id || ''} saved.`));
      toast('Owner saved');
      ownerForm.reset();
      refresh();
    } catch (err) { clear(ownerOut, problem(err, 'Saving the owner')); }
  } },
  h('input', { type: 'hidden', name: 'edit' }),
  h('div', { class: 'form-grid' },
    field('User id (their Supabase user; empty: a new id)', h('input', { name: 'id', placeholder: 'UUID' })),
    field('Name', h('input', { name: 'name' })),
    field('Email', h('input', { name: 'email', type: 'email' }))),
  h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Save owner')));

  const locationForm = h('form', { id: 'location-form', onsubmit: async (e) => {
    e.preventDefault();
    const v = values(locationForm);
    const body = {};
    if (v.owner_id) body.owner_id = v.owner_id;
    if (v.name) body.name = v.name;
    if (v.address) body.address = v.address;
    try {
      const l = v.edit ? await patch(admin('locations', v.edit), body) : await post(admin('locations'), body);
      clear(locationOut, h('div', { class: 'answer ok' }, `Location ${l.name || l.id || ''} saved.`));
      toast('Location saved');
      locationForm.reset();
      refresh();
    } catch (err) { clear(locationOut, problem(err, 'Saving the location')); }
  } },
  h('input', { type: 'hidden', name: 'edit' }),
  h('div', { class: 'form-grid' },
    field('Owner (user id) *', h('input', { name: 'owner_id', placeholder: 'UUID' })),
    field('Name *', h('input', { name: 'name' })),
    field('Address', h('input', { name: 'address' }))),
  h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Save location')));

  const edit = (form, id, fields) => {
    form.elements.edit.value = id;
    for (const [k, v] of Object.entries(fields)) if (form.elements[k]) form.elements[k].value = v ?? '';
    form.scrollIntoView({ behavior: 'smooth' });
  };

  clear(main, h('h1', {}, 'Owners & locations'),
    h('div', { class: 'grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Owners'), ownerList, h('h3', {}, 'Add or change an owner'), ownerForm, ownerOut),
      h('section', { class: 'card' }, h('h2', {}, 'Locations'), locationList, h('h3', {}, 'Add or change a location'), locationForm, locationOut)));

  async function refresh() {
    try {
      clear(ownerList, table([
        { title: 'Name', render: (o) => o.name || '—' },
        { title: 'Email', cls: 'opt', render: (o) => o.email || '—' },
        { title: 'Id', cls: 'opt', render: (o) => h('code', { title: o.id }, String(o.id).slice(0, 8)) },
        { title: 'Since', cls: 'opt', render: (o) => when(o.created_at) },
        { title: '', render: (o) => h('button', { class: 'small secondary', onclick: () => edit(ownerForm, o.id, { name: o.name, email: o.email }) }, 'Edit') },
      ], itemsOf(await get(admin('owners'))), { empty: 'No owners yet.' }));
    } catch (e) { clear(ownerList, problem(e, 'Owners')); }
    try {
      clear(locationList, table([
        { title: 'Name', render: (l) => l.name },
        { title: 'Address', cls: 'opt', render: (l) => l.address || '—' },
        { title: 'Owner', cls: 'opt', render: (l) => h('code', {}, String(ownerOf(l)).slice(0, 8)) },
        { title: 'Stations', cls: 'num', render: (l) => (Array.isArray(l.stations) ? l.stations.length : l.station_count ?? '—') },
        { title: '', render: (l) => h('button', { class: 'small secondary', onclick: () => edit(locationForm, l.id, { name: l.name, address: l.address, owner_id: ownerOf(l) }) }, 'Edit') },
      ], itemsOf(await get(admin('locations'))), { empty: 'No locations yet.' }));
    } catch (e) { clear(locationList, problem(e, 'Locations')); }
  }
  refresh();
  return null;
}
