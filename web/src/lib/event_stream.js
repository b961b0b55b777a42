// The admin event stream (GET /api/v1/admin/events/stream) read with fetch(), not EventSource:
// EventSource cannot send the Authorization header, and the token never goes into a URL (a log
// or a Referer could keep it). Reconnects after a drop with Last-Event-ID, so the server resumes
// right after the last event seen (or says `mart.gap` when it cannot).
import { forgetRefusedToken, withQuery } from './api.js';
import { currentToken } from './session.js';
import { SseParser } from './sse_parser.js';

const maxWaitMs = 30000;

async function problemText(response) {
  const body = await response.json().catch(() => ({}));
  return body.detail || body.title || `HTTP ${response.status}`;
}

// Calls onEvent(event) per bus event, onNotice({event, ...data}) per `mart.*` frame and
// onState({state: 'connecting' | 'open' | 'waiting' | 'closed', detail}). Returns close().
export function openEventStream(query, { onEvent, onNotice = () => {}, onState = () => {} }) {
  let closed = false;
  let controller = null;
  let wake = null;
  let lastEventId = '';
  let retryMs = 1000;
  let failures = 0;

  const sleep = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  const onFrame = (frame) => {
    let data;
    try {
      data = JSON.parse(frame.data);
    } catch {
      return;  // not ours to show
    }
    if (frame.event.startsWith('mart.')) onNotice({ event: frame.event, ...data });
    else onEvent(data);
  };

  // One connection: resolves with how long to wait before the next one.
  async function readOnce() {
    const token = currentToken();
    if (!token) {
      closed = true;
      onState({ state: 'closed', detail: 'Signed out.' });
      return 0;
    }
    controller = new AbortController();
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    onState({ state: 'connecting' });
    const response = await fetch(withQuery('/api/v1/admin/events/stream', query), {
      headers, signal: controller.signal, cache: 'no-store',
    });
    if (response.status === 401) {
      forgetRefusedToken(response, token);  // the same rule as every other request
      closed = true;
      onState({ state: 'closed', detail: await problemText(response) });
      return 0;
    }
    if (!response.ok) {
      const after = Number(response.headers.get('Retry-After'));
      const detail = await problemText(response);
      failures += 1;
      const wait = after > 0 ? after * 1000 : Math.min(maxWaitMs, retryMs * 2 ** Math.min(failures, 5));
      onState({ state: 'waiting', detail, retryInMs: wait });
      return wait;
    }
    failures = 0;
    onState({ state: 'open' });
    const parser = new SseParser(onFrame, lastEventId);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
        lastEventId = parser.lastEventId;
        if (parser.retry !== null) retryMs = parser.retry;
      }
    } finally {
      lastEventId = parser.lastEventId;
    }
    onState({ state: 'waiting', detail: 'The server ended the stream.', retryInMs: retryMs });
    return retryMs;
  }

  (async () => {
    while (!closed) {
      let wait;
      try {
        wait = await readOnce();
      } catch {
        if (closed) break;
        failures += 1;
        wait = Math.min(maxWaitMs, retryMs * 2 ** Math.min(failures, 5));
        onState({ state: 'waiting', detail: 'The server cannot be reached.', retryInMs: wait });
      }
      if (!closed && wait) await sleep(wait);
    }
  })();

  return () => {
    closed = true;
    if (controller) controller.abort();
    if (wake) wake();
  };
}
