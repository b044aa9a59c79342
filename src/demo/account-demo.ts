// issue 15: the demo page's account-recovery part (forgot / reset / change password, logout through
// SCAYLE's redirect), kept apart from demo-page.ts, which interpolates both strings. The script runs in
// the page's module scope, so it uses that script's helpers ($, run, onSubmit, onClick, bff, showLoggedOut).

export const ACCOUNT_SCRIPT = `
// The reset hash is a one-time credential: held in memory only, never in the address bar or storage.
let resetHash;
const linkTo = (id, href, label) => {
  const anchor = document.createElement('a');
  anchor.id = id;
  anchor.href = href;
  anchor.textContent = label;
  return anchor;
};
onSubmit('forgot-form', 'forgot-password', async (data) => {
  const sent = await bff.sendPasswordResetEmail(data.email);
  const link = sent._debug_reset_url;
  if (link !== undefined && ['http:', 'https:'].includes(new URL(link, location.href).protocol)) {
    $('forgot-result').replaceChildren('E-mail sent. ', linkTo('reset-link', link, 'Open the reset link the e-mail contains (dev mode)'));
  } else {
    $('forgot-result').replaceChildren('E-mail sent, if the address is known.');
  }
});
onSubmit('reset-form', 'reset-password', async (data) => {
  await bff.updatePassword({ hash: resetHash, password: data.password });
  resetHash = undefined;
  $('reset-form').hidden = true;
  // Every session of the customer ended, this browser's too: log in with the new password.
  showLoggedOut();
});
onSubmit('change-form', 'change-password', async (data) => {
  await bff.changePassword(data);
  $('change-form').reset();
});
onClick('logout-everywhere-button', 'logout-everywhere', async () => {
  // A navigation, not a fetch: SCAYLE ends its own (and an identity provider's) session, then sends the
  // browser back to this page, which is on the dev-mode allow-list.
  location.assign(bff.logoutRedirectUrl(location.origin + '/demo/'));
});
const resetParam = new URLSearchParams(location.search).get('reset_hash');
if (resetParam) {
  resetHash = resetParam;
  history.replaceState(null, '', location.pathname);
  $('reset-form').hidden = false;
}
`;

export const ACCOUNT_HTML = `
<form id="forgot-form"><fieldset><legend>Forgot password</legend>
  <label>E-mail <input id="forgot-email" name="email" type="email" required></label>
  <button type="submit">Send reset link</button> <span id="forgot-result"></span></fieldset></form>
<form id="reset-form" hidden><fieldset><legend>Set a new password (from the reset link)</legend>
  <label>New password <input name="password" type="password" minlength="8" required></label>
  <button type="submit">Set password</button></fieldset></form>
<form id="change-form"><fieldset><legend>Change password</legend>
  <label>Current password <input name="current_password" type="password" required></label>
  <label>New password <input name="new_password" type="password" minlength="8" required></label>
  <button type="submit">Change password</button></fieldset></form>
<p><button type="button" id="logout-everywhere-button">Log out everywhere (SCAYLE)</button></p>
`;
