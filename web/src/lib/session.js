// Who is signed in: the bearer token from POST /api/v1/auth/login, kept in localStorage (never in
// a URL) until it expires or the user signs out, which forgets it.
import { storedValue, useStored } from './store.js';

export const session = storedValue('mart.session', null);

export function currentToken() {
  const value = session.get();
  if (!value) return null;
  if (Date.now() >= value.expires_at) {
    session.set(null);
    return null;
  }
  return value.token;
}

export function startSession(login, user) {
  session.set({
    token: login.access_token,
    expires_at: Date.now() + login.expires_in * 1000,
    user,
  });
}

export function updateSessionUser(user) {
  const value = session.get();
  if (value) session.set({ ...value, user });
}

export function endSession() {
  session.set(null);
}

// The signed-in user ({id, email, name, address, role, ...}) or null.
export function useUser() {
  const value = useStored(session);
  return value && Date.now() < value.expires_at ? value.user : null;
}
