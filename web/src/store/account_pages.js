// Sign-up, sign-in and the account: profile (name, address) and password.
import { get, patch, post } from '../lib/api.js';
import { html } from '../lib/html.js';
import { navigate, useLocation } from '../lib/router.js';
import { updateSessionUser, useUser } from '../lib/session.js';
import { SignInForm, signIn } from '../lib/sign_in.js';
import { Field, Loading, Notice, Problem, useForm, useLoad, useTitle } from '../lib/ui.js';

// Where to go after signing in: a page of this storefront named by ?next=, else the catalogue.
function nextPage(query) {
  const next = query.get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const { query } = useLocation();
  useTitle('Sign in');
  return html`<section>
    <h1>Sign in</h1>
    <${SignInForm} onSignedIn=${() => navigate(nextPage(query), { replace: true })} />
    <p>New here? <a href=${`/signup?next=${encodeURIComponent(nextPage(query))}`}>Create an account</a>.</p>
  </section>`;
}

export function SignUpPage() {
  const { query } = useLocation();
  useTitle('Create an account');
  const form = useForm({ name: '', email: '', password: '' }, async (values) => {
    await post('/users', { name: values.name.trim(), email: values.email.trim(), password: values.password });
    await signIn(values.email.trim(), values.password);
    navigate(nextPage(query), { replace: true });
  });
  return html`<section>
    <h1>Create an account</h1>
    <form class="card narrow" onSubmit=${form.onSubmit} novalidate>
      <${Problem} error=${form.problem} />
      <${Field} label="Name" autocomplete="name" error=${form.errors.name} ...${form.bind('name')} />
      <${Field} label="Email" type="email" autocomplete="email" required error=${form.errors.email}
        ...${form.bind('email')} />
      <${Field} label="Password" type="password" autocomplete="new-password" required minlength="8"
        hint="At least 8 characters." error=${form.errors.password} ...${form.bind('password')} />
      <button type="submit" class="primary" disabled=${form.busy}>
        ${form.busy ? 'Creating…' : 'Create account'}</button>
    </form>
    <p>Have an account? <a href=${`/signin?next=${encodeURIComponent(nextPage(query))}`}>Sign in</a>.</p>
  </section>`;
}

function ProfileForm({ user }) {
  const form = useForm({ name: user.name || '', address: user.address || '', saved: false },
    async (values, setValues) => {
      const updated = await patch('/users/me', { name: values.name, address: values.address });
      updateSessionUser(updated);
      setValues((v) => ({ ...v, saved: true }));
    });
  return html`<form class="card" onSubmit=${form.onSubmit} novalidate>
    <h2>Profile</h2>
    <${Problem} error=${form.problem} />
    <p class="muted">Signed in as <span>${user.email}</span></p>
    <${Field} label="Name" autocomplete="name" error=${form.errors.name} ...${form.bind('name')} />
    <${Field} as="textarea" label="Address" autocomplete="street-address" rows="3"
      error=${form.errors.address} ...${form.bind('address')} />
    <button type="submit" class="primary" disabled=${form.busy}>Save profile</button>
    ${form.values.saved && !form.busy && html`<${Notice}>Profile saved.</${Notice}>`}
  </form>`;
}

function PasswordForm({ user }) {
  const form = useForm({ current_password: '', new_password: '', saved: false },
    async (values, setValues) => {
      await post('/users/me/password', values);
      // Every token issued before the change stops working, this one too: sign in again.
      await signIn(user.email, values.new_password);
      setValues({ current_password: '', new_password: '', saved: true });
    });
  return html`<form class="card" onSubmit=${form.onSubmit} novalidate>
    <h2>Password</h2>
    <${Problem} error=${form.problem} />
    <${Field} label="Current password" type="password" autocomplete="current-password"
      error=${form.errors.current_password} ...${form.bind('current_password')} />
    <${Field} label="New password" type="password" autocomplete="new-password" minlength="8"
      hint="At least 8 characters." error=${form.errors.new_password} ...${form.bind('new_password')} />
    <button type="submit" class="primary" disabled=${form.busy}>Change password</button>
    ${form.values.saved && !form.busy && html`<${Notice}>Password changed.</${Notice}>`}
  </form>`;
}

export function AccountPage() {
  const user = useUser();
  useTitle('Your account');
  // The profile as the Users module has it now (another tab may have changed it).
  const fresh = useLoad(async () => {
    if (!user) return null;
    const me = await get('/users/me');
    updateSessionUser(me);
    return me;
  }, [user && user.id]);
  if (!user) return html`<section><h1>Your account</h1><p><a href="/signin?next=/account">Sign in</a> to see your account.</p></section>`;
  if (!fresh.data) return fresh.error ? html`<${Problem} error=${fresh.error} />` : html`<${Loading} />`;
  return html`<section class="account">
    <h1>Your account</h1>
    <${ProfileForm} user=${fresh.data} />
    <${PasswordForm} user=${fresh.data} />
  </section>`;
}
