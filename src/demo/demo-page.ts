// The dev-mode demo storefront: one plain HTML page whose inline module script uses the typed client the
// way a shop's frontend would. Strings here (not asset files) so the build needs no copy step; the
// script and style are separate constants because the CSP header names their hashes.
import { ACCOUNT_HTML, ACCOUNT_SCRIPT } from './account-demo.js';
import { SOCIAL_DEMO_HTML, SOCIAL_DEMO_LOAD, SOCIAL_DEMO_SCRIPT } from './demo-social.js';

export const DEMO_STYLE = `
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
fieldset { margin: 0 0 1rem; border: 1px solid #ccc; border-radius: 6px; }
label { display: inline-block; margin: 0 .5rem .4rem 0; }
input, select, button { font: inherit; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { font-weight: 600; }
#error { color: #b00020; min-height: 1.4em; }
#state[data-state="anonymous"] { color: #666; }
#log { font: 13px monospace; color: #555; }
`;

export const DEMO_SCRIPT = `
import { BffClient, BffError } from './bff-client.js';


// Web mode: the session lives in an HttpOnly cookie this script cannot read. Nothing is written to
// localStorage or sessionStorage; the access token is only held in memory long enough to show its expiry.
const bff = new BffClient();
const $ = (id) => document.getElementById(id);
const text = (id, value) => { $(id).textContent = value; };
let accessExpiresAt;

function tick() {
  if (accessExpiresAt === undefined) return text('token-expiry', '-');
  const left = Math.max(0, Math.round((accessExpiresAt.getTime() - Date.now()) / 1000));
  text('token-expiry', accessExpiresAt.toISOString() + ' (in ' + left + ' s)');
}
setInterval(tick, 1000);

function showTokens(response) {
  accessExpiresAt = new Date(response.expires_at);
  tick();
}

function showSession(info) {
  const guest = info.customer.guest;
  $('state').dataset.state = guest ? 'guest' : 'customer';
  text('state', (guest ? 'Guest' : 'Customer') + (info.customer.id ? ' ' + info.customer.id : '') + ' is logged in');
  text('session-expiry', info.expires_at);
  text('session-idle-expiry', info.idle_expires_at);
}

function showLoggedOut() {
  $('state').dataset.state = 'anonymous';
  text('state', 'Not logged in');
  text('session-expiry', '-');
  text('session-idle-expiry', '-');
  accessExpiresAt = undefined;
  tick();
  $('sessions').replaceChildren();
}

function log(line) {
  const item = document.createElement('li');
  item.textContent = new Date().toISOString().slice(11, 19) + ' ' + line;
  $('log').prepend(item);
}

async function run(name, action) {
  document.body.dataset.busy = name;
  text('error', '');
  try {
    await action();
    log(name + ': ok');
    document.body.dataset.last = name + ':ok';
  } catch (error) {
    const detail = error instanceof BffError ? error.code + (error.problem?.detail ? ': ' + error.problem.detail : '') : String(error);
    text('error', name + ' failed: ' + detail);
    log(name + ': ' + detail);
    document.body.dataset.last = name + ':error';
  } finally {
    delete document.body.dataset.busy;
  }
}

const onSubmit = (id, name, handler) =>
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    void run(name, () => handler(Object.fromEntries(new FormData(event.target))));
  });
const onClick = (id, name, handler) => $(id).addEventListener('click', () => void run(name, handler));

async function loggedIn(response) {
  showTokens(response);
  $('sessions').replaceChildren();
  showSession(await bff.session());
}

function useEmail(email) {
  for (const id of ['login-email', 'magic-email', 'forgot-email']) $(id).value = email;
}

async function listSessions() {
  const items = await bff.listSessions();
  $('sessions').replaceChildren(...items.map((s) => {
    const item = document.createElement('li');
    item.dataset.id = s.id;
    item.textContent = (s.current ? '(this browser) ' : '') + 'started ' + s.created_at
      + ', last seen ' + s.last_seen_at + ', ' + (s.user_agent ?? 'unknown agent') + ' ';
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.textContent = 'Revoke';
    revoke.addEventListener('click', () => void run('revoke', async () => {
      await bff.revokeSession(s.id);
      if (s.current) showLoggedOut();
      else await listSessions();
    }));
    item.append(revoke);
    return item;
  }));
}

onSubmit('register-form', 'register', async (data) => {
  await loggedIn(await bff.register(data));
  useEmail(data.email);
});
onSubmit('login-form', 'login', async (data) => loggedIn(await bff.login(data)));
onSubmit('guest-form', 'guest', async (data) => loggedIn(await bff.guestLogin(data)));
onSubmit('magic-form', 'magic-link', async (data) => {
  const sent = await bff.sendMagicLink(data.email);
  const link = sent._debug_auth_link;
  if (link !== undefined && ['http:', 'https:'].includes(new URL(link, location.href).protocol)) {
    const anchor = document.createElement('a');
    anchor.id = 'magic-link';
    anchor.href = link;
    anchor.textContent = 'Open the link the e-mail contains (dev mode)';
    $('magic-result').replaceChildren('E-mail sent. ', anchor);
  } else {
    $('magic-result').replaceChildren('E-mail sent, if the address is known.');
  }
});
onClick('session-button', 'session', async () => showSession(await bff.session()));
onClick('refresh-button', 'refresh', async () => showTokens(await bff.token()));
onClick('sessions-button', 'sessions', listSessions);
onClick('revoke-others-button', 'revoke-others', async () => {
  await bff.revokeOtherSessions();
  await listSessions();
});
onClick('logout-button', 'logout', async () => {
  await bff.logout();
  showLoggedOut();
});

${ACCOUNT_SCRIPT}

const random = () => Math.random().toString(36).slice(2, 10);
$('register-email').value = 'demo-' + random() + '@example.com';
$('guest-email').value = 'guest-' + random() + '@example.com';
${SOCIAL_DEMO_SCRIPT}
const magicToken = new URLSearchParams(location.search).get('magic_token');
if (magicToken) {
  // Out of the address bar and history before use: the token is a one-time login credential.
  history.replaceState(null, '', location.pathname);
  void run('magic-login', async () => loggedIn(await bff.magicLinkLogin(magicToken)));
} else${SOCIAL_DEMO_LOAD} {
  void run('load', async () => {
    try {
      showSession(await bff.session());
    } catch (error) {
      if (error instanceof BffError && error.status === 401) return showLoggedOut();
      throw error;
    }
    showTokens(await bff.token());
  });
}
`;

const PASSWORD_INPUT =
  '<label>Password <input name="password" type="password" value="correct horse battery" minlength="8" required></label>';

const person = (prefix: string, withPassword: boolean): string => `
    <label>Gender <select name="gender">
      <option value="f">f</option><option value="m">m</option><option value="d">d</option><option value="n">n</option>
    </select></label>
    <label>First name <input name="first_name" value="Ada" required></label>
    <label>Last name <input name="last_name" value="Lovelace" required></label>
    <label>E-mail <input id="${prefix}-email" name="email" type="email" required></label>
    ${withPassword ? PASSWORD_INPUT : ''}`;

export const DEMO_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>scayle-auth-bff demo storefront</title>
<style>${DEMO_STYLE}</style>
</head>
<body>
<h1>Demo storefront <small>(dev mode)</small></h1>
<p id="state" data-state="unknown">Checking the session...</p>
<dl>
  <dt>Access token expires</dt><dd id="token-expiry">-</dd>
  <dt>Session ends</dt><dd id="session-expiry">-</dd>
  <dt>Session ends if unused</dt><dd id="session-idle-expiry">-</dd>
</dl>
<p id="error" role="alert"></p>
<p>
  <button type="button" id="session-button">Show session</button>
  <button type="button" id="refresh-button">Refresh access token</button>
  <button type="button" id="sessions-button">List sessions</button>
  <button type="button" id="revoke-others-button">End other sessions</button>
  <button type="button" id="logout-button">Log out</button>
</p>
<ul id="sessions"></ul>
<form id="register-form"><fieldset><legend>Register</legend>${person('register', true)}
  <button type="submit">Register</button></fieldset></form>
<form id="login-form"><fieldset><legend>Log in</legend>
  <label>E-mail <input id="login-email" name="email" type="email" required></label>
  <label>Password <input name="password" type="password" value="correct horse battery" required></label>
  <button type="submit">Log in</button></fieldset></form>
<form id="guest-form"><fieldset><legend>Continue as guest</legend>${person('guest', false)}
  <button type="submit">Guest login</button></fieldset></form>
<form id="magic-form"><fieldset><legend>Magic link</legend>
  <label>E-mail <input id="magic-email" name="email" type="email" required></label>
  <button type="submit">Send link</button> <span id="magic-result"></span></fieldset></form>
${ACCOUNT_HTML}
${SOCIAL_DEMO_HTML}
<h2>Log</h2>
<ol id="log" reversed></ol>
<script type="module">${DEMO_SCRIPT}</script>
</body>
</html>
`;
