// Signing in and out, shared by the storefront and the admin pages.
import { api, post } from './api.js';
import { html } from './html.js';
import { endSession, startSession } from './session.js';
import { Field, Problem, useForm } from './ui.js';

export async function signIn(email, password) {
  // Without the current token: after a password change it is revoked, and the gateway refuses a
  // request that carries a revoked token, whatever its route.
  const login = await api('POST', '/auth/login', { body: { email, password }, token: null });
  // The session starts whole (token and profile at once), so no page sees it half-made.
  startSession(login, await api('GET', '/users/me', { token: login.access_token }));
}

// Ends the token on the server (it stops working at once) and forgets it here either way.
export async function signOut() {
  try {
    await post('/auth/logout');
  } catch {
    // Already expired or unreachable: forgetting it here is what matters.
  }
  endSession();
}

export function SignInForm({ onSignedIn, email = '' }) {
  const form = useForm({ email, password: '' }, async (values) => {
    await signIn(values.email.trim(), values.password);
    onSignedIn();
  });
  return html`<form class="card narrow" onSubmit=${form.onSubmit} novalidate>
    <${Problem} error=${form.problem} />
    <${Field} label="Email" type="email" autocomplete="username" required
      error=${form.errors.email} ...${form.bind('email')} />
    <${Field} label="Password" type="password" autocomplete="current-password" required
      error=${form.errors.password} ...${form.bind('password')} />
    <button type="submit" class="primary" disabled=${form.busy}>
      ${form.busy ? 'Signing in…' : 'Sign in'}
    </button>
  </form>`;
}
