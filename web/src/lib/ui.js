// Small building blocks shared by the storefront and the admin pages.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { html } from './html.js';

let nextId = 0;
const useId = (prefix) => useRef(`${prefix}-${++nextId}`).current;

// A labelled control with its error from the API right under it (problem+json `errors`).
export function Field({ label, error, hint, as = 'input', children, ...control }) {
  const id = useId('field');
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  const Tag = as;
  return html`<div class="field ${error ? 'invalid' : ''}">
    <label for=${id}>${label}</label>
    <${Tag} id=${id} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described || undefined} ...${control}>${children}</${Tag}>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${error && html`<p class="error" id=${`${id}-error`}>${error}</p>`}
  </div>`;
}

// The problem's detail (or any error's message), announced to screen readers.
export function Problem({ error }) {
  if (!error) return null;
  return html`<div class="problem" role="alert">${error.message}</div>`;
}

export function Notice({ children }) {
  return html`<div class="notice" role="status">${children}</div>`;
}

export const Loading = ({ label = 'Loading…' }) =>
  html`<p class="loading" role="status" aria-live="polite">${label}</p>`;

export const Empty = ({ children }) => html`<p class="empty">${children}</p>`;

// A form's state: values, per-field errors from the API, the general problem, busy while sent.
export function useForm(initial, submit) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const bind = (name) => ({
    name,
    value: values[name] ?? '',
    onInput: (event) => setValues((old) => ({ ...old, [name]: event.currentTarget.value })),
  });
  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setProblem(null);
    try {
      await submit(values, setValues);
    } catch (error) {
      setProblem(error);
      if (error instanceof ApiError) setErrors(error.errors);
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, errors, problem, setProblem, busy, bind, onSubmit };
}

// Loads `load()` when `deps` change: {data, error, loading, reload}.
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const run = useCallback(async (quiet) => {
    const mine = ++generation.current;
    if (!quiet) setState((old) => ({ ...old, loading: true, error: null }));
    try {
      const data = await load();
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((old) => ({ ...old, error, loading: false }));
    }
  }, deps);
  // Started as soon as the page is in the DOM, not after the next frame (useEffect's timing):
  // the data is what the user waits for.
  useLayoutEffect(() => {
    run(false);
  }, [run]);
  return { ...state, reload: () => run(true) };
}

// A cursor-paged list (`{items, next_cursor}`): the cursors of the pages before this one are kept
// so "Previous" returns to exactly the page the user saw.
export function usePages(fetchPage, deps) {
  const [cursors, setCursors] = useState([null]);
  useEffect(() => setCursors([null]), deps);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => fetchPage(cursor), [...deps, cursor]);
  return {
    ...page,
    items: page.data ? page.data.items : [],
    number: cursors.length,
    hasPrevious: cursors.length > 1,
    hasNext: Boolean(page.data && page.data.next_cursor),
    previous: () => setCursors((old) => old.slice(0, -1)),
    next: () => setCursors((old) => [...old, page.data.next_cursor]),
  };
}

export function Pager({ pages, label }) {
  if (!pages.hasPrevious && !pages.hasNext) return null;
  return html`<nav class="pager" aria-label=${label}>
    <button type="button" onClick=${pages.previous} disabled=${!pages.hasPrevious}>← Previous</button>
    <span>Page ${pages.number}</span>
    <button type="button" onClick=${pages.next} disabled=${!pages.hasNext}>Next →</button>
  </nav>`;
}

export const statusNames = {
  pending: 'Pending',
  reserved: 'Stock reserved',
  confirmed: 'Confirmed',
  shipped: 'Shipped',
  cancelled: 'Cancelled',
  succeeded: 'Paid',
  failed: 'Failed',
  refunded: 'Refunded',
};

export const Status = ({ status }) =>
  html`<span class="status status-${status}">${statusNames[status] || status}</span>`;

export const cancelReasons = {
  out_of_stock: 'Some items were out of stock.',
  payment_declined: 'The payment was declined.',
  customer_request: 'Cancelled at the customer’s request.',
};

export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · Mart` : 'Mart';
  }, [title]);
}

// Runs `tick` every `ms` while the page is visible (and once more when it becomes visible).
export function useInterval(tick, ms, active = true) {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') saved.current();
    }, ms);
    const onVisible = () => document.visibilityState === 'visible' && saved.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms, active]);
}

export const orderStatuses = ['pending', 'reserved', 'confirmed', 'shipped', 'cancelled'];

export function StatusFilter({ status, onChange }) {
  return html`<div class="field inline">
    <label for="status-filter">Status</label>
    <select id="status-filter" value=${status} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">All</option>
      ${orderStatuses.map((s) => html`<option key=${s} value=${s}>${s}</option>`)}
    </select>
  </div>`;
}

// What a button does: `run(action)` marks it busy while the action runs and keeps the error
// (a problem+json ApiError, or any other) for display next to it.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(null);
  const run = async (action) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, run };
}
