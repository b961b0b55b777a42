// The public HTTP API (shared/api.md), and nothing more. Errors are problem+json documents; an
// ApiError carries their status, detail and per-field errors for the form that caused them.
import { currentToken, endSession } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || '';
    this.errors = problem.errors || {};
  }
}

// `token` overrides the session's (signing in reads the profile before the session starts).
// A token that no longer works (expired, signed out elsewhere, password changed) is forgotten,
// so the pages ask the user to sign in again instead of failing on every request. Only the
// token's own refusal says invalid_token (RFC 6750); a wrong current password is a 401 too.
export function forgetRefusedToken(response, token) {
  const challenge = response.headers.get('WWW-Authenticate') || '';
  if (response.status === 401 && token && challenge.includes('invalid_token')) endSession();
}

export async function api(method, path, { body, headers = {}, token = currentToken() } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, { detail: 'The shop cannot be reached. Check your connection and try again.' });
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json().catch(() => ({})) : {};
  if (response.ok) return data;
  forgetRefusedToken(response, token);
  if (response.status === 429) {
    const wait = response.headers.get('Retry-After');
    data.detail = `Too many requests; try again${wait ? ` in ${wait} s` : ' shortly'}.`;
  }
  throw new ApiError(response.status, data);
}

export const get = (path) => api('GET', path);
export const post = (path, body, headers) => api('POST', path, { body, headers });
export const patch = (path, body) => api('PATCH', path, { body });
export const del = (path) => api('DELETE', path);

// "/products?q=tea&limit=20" from a path and the query values that are set.
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
