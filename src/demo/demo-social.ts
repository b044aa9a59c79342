// The demo page's "Log in with <provider>" block (issue 16): SCAYLE SSO as a storefront does it, a
// top-level navigation to GET /auth/social/:provider that comes back to this page logged in, or with
// ?error=<code> on the error page (the same page here). Kept apart so other flows' buttons merge cleanly.

/** Runs inside DEMO_SCRIPT (same module scope: bff, $, run, loggedIn and text are defined there). */
export const SOCIAL_DEMO_SCRIPT = `
// --- Log in with <provider> (SCAYLE SSO) ---
const socialLabel = () => text('social-button', 'Log in with ' + $('social-provider').value);
$('social-provider').addEventListener('input', socialLabel);
socialLabel();
$('social-form').addEventListener('submit', (event) => {
  event.preventDefault();
  // The page itself is the dev-mode return_to; the query tells it, once back, which way the flow ended.
  const here = location.origin + location.pathname;
  location.assign(bff.ssoStartUrl($('social-provider').value, { returnTo: here + '?sso=done', errorReturnTo: here + '?sso=failed' }));
});
const ssoResult = new URLSearchParams(location.search);
const ssoOutcome = ssoResult.get('sso');
if (ssoOutcome) history.replaceState(null, '', location.pathname);
// --- end SSO ---
`;

/** Decides the page's first action: the SSO outcome when the page is SCAYLE's way back, else undefined. */
export const SOCIAL_DEMO_LOAD = `
  if (ssoOutcome === 'failed') {
    void run('sso-login', async () => {
      throw new Error('SSO failed: ' + (ssoResult.get('error') ?? 'unknown'));
    });
  } else if (ssoOutcome === 'done') {
    void run('sso-login', async () => loggedIn(await bff.token()));
  } else`;

export const SOCIAL_DEMO_HTML = `
<form id="social-form"><fieldset><legend>Single sign-on</legend>
  <label>Provider <input id="social-provider" name="provider" value="google" required></label>
  <button type="submit" id="social-button">Log in with google</button></fieldset></form>`;
