// EvPower operator console: sign-in, the hash router and the live indicator. Each screen is
// a module in views/ that renders into <main> and refreshes itself on live events.
import { ApiError, admin, clearToken, get, setToken, token } from './api.js';
import { clear, describe, h } from './dom.js';
import * as live from './live.js';
import { overview } from './views/overview.js';
import { station } from './views/station.js';
import { sessions } from './views/sessions.js';
import { idtags } from './views/idtags.js';
import { owners } from './views/owners.js';
import { audit } from './views/audit.js';
import { drivers } from './views/drivers.js';

const main = document.getElementById('main');
let current = null;  // { dispose() } of the screen on show

const routes = [
  [/^#?\/?$/, 'overview', () => overview],
  [/^#\/stations\/(.+)$/, 'overview', (m) => (el) => station(el, decodeURIComponent(m[1]))],
  [/^#\/sessions$/, 'sessions', () => sessions],
  [/^#\/idtags$/, 'idtags', () => idtags],
  [/^#\/owners$/, 'owners', () => owners],
  [/^#\/drivers$/, 'drivers', () => drivers],
  [/^#\/audit$/, 'audit', () => audit],
];

function takeTokenFromUrl() {
  // scripts/run prints .../console/#token=<jwt>: keep it for this tab, then drop it from the
  // address bar and the history so it is not bookmarked or shared by accident.
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + '#/');
}

function showSignedIn(on) {
  for (const id of ['nav', 'live', 'signout']) document.getElementById(id).hidden = !on;
}

function signIn(message) {
  live.stop();
  showSignedIn(false);
  if (current && current.dispose) current.dispose();
  current = null;
  const input = h('textarea', { name: 'token', id: 'token', rows: 5, required: true, autocomplete: 'off',
    spellcheck: false, placeholder: 'eyJhbGciOi...' });
  const status = h('p', { class: 'error', id: 'signin-error' }, message || '');
  const form = h('form', { class: 'card signin', id: 'signin',
    onsubmit: async (e) => {
      e.preventDefault();
      setToken(input.value);
      await boot();
    } },
  h('h1', {}, 'Operator sign-in'),
  h('p', { class: 'muted' }, 'Paste an operator’s access token (the Supabase JWT of a user listed with ',
    h('code', {}, 'evpower operator add'), '). In development, ', h('code', {}, 'scripts/run'),
    ' prints a link that signs you in.'),
  h('label', {}, 'Access token', input), status,
  h('div', { class: 'row end' }, h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in')));
  clear(main, form);
  input.focus();
}

async function boot() {
  if (!token()) return signIn();
  try {
    await get(admin('stations'));
  } catch (e) {
    clearToken();
    if (e instanceof ApiError && e.status === 401) return signIn(`The token was not accepted: ${e.message}.`);
    if (e instanceof ApiError && e.status === 403) return signIn('This user is not an operator (evpower operator add <user-id>).');
    return signIn(describe(e));
  }
  showSignedIn(true);
  live.start();
  route();
}

function route() {
  if (!token()) return signIn();
  const hash = location.hash || '#/';
  for (const [re, nav, view] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.route === nav);
    if (current && current.dispose) current.dispose();
    clear(main);
    current = view(m)(main) || null;
    window.scrollTo(0, 0);
    return;
  }
  clear(main, h('div', { class: 'card' }, h('h1', {}, 'Not found'), h('a', { href: '#/' }, 'Back to the network')));
}

live.onModeChange((mode) => {
  const el = document.getElementById('live');
  el.className = `live ${mode}`;
  el.dataset.mode = mode;
  el.textContent = mode === 'stream' ? 'live' : mode === 'polling' ? `updating every ${live.POLL_MS / 1000} s` : '';
});

document.getElementById('signout').addEventListener('click', () => {
  clearToken();
  signIn('Signed out.');
});

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#token=')) {
    takeTokenFromUrl();
    boot();
    return;
  }
  route();
});

takeTokenFromUrl();
boot();
