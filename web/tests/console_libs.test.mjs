// The console's two parsers, in node (no browser): Server-Sent Events frames read from a body
// that arrives in arbitrary pieces, and the Prometheus text of /metrics with a histogram's
// quantile between two readings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../src/lib/sse_parser.js';
import { buckets, parseMetrics, quantileBetween, total, totalsBy } from '../src/lib/prometheus.js';

const stream = 'retry: 2000\r\n\r\n: keep-alive\n\nid: e1\nevent: orders.order_placed.v1\n' +
  'data: {"id":"e1","key":"7"}\n\nevent: mart.gap\ndata: {"detail":"resumed\n' +
  'data:  late"}\r\rid: e2\r\ndata:a\ndata\n\n';

function frames(pieces) {
  const seen = [];
  const parser = new SseParser((f) => seen.push(f));
  for (const piece of pieces) parser.push(piece);
  return { seen, parser };
}

test('SSE frames are the same however the body is cut', () => {
  const whole = frames([stream]);
  assert.deepEqual(whole.seen, [
    { id: 'e1', event: 'orders.order_placed.v1', data: '{"id":"e1","key":"7"}' },
    // A frame without an id keeps the last one seen; two data lines join with a line break.
    { id: 'e1', event: 'mart.gap', data: '{"detail":"resumed\n late"}' },
    { id: 'e2', event: 'message', data: 'a\n' },
  ]);
  assert.equal(whole.parser.retry, 2000);
  assert.equal(whole.parser.lastEventId, 'e2');
  for (let size = 1; size < 12; size++) {
    const pieces = [];
    for (let i = 0; i < stream.length; i += size) pieces.push(stream.slice(i, i + size));
    assert.deepEqual(frames(pieces).seen, whole.seen, `pieces of ${size}`);
  }
  // A CRLF cut between its CR and its LF is one line end, not two.
  assert.deepEqual(frames(['data: x\r', '\n\r', '\n']).seen, [{ id: '', event: 'message', data: 'x' }]);
  // No frame is dispatched before its blank line arrives.
  assert.deepEqual(frames(['id: 1\ndata: half']).seen, []);
});

test('SSE: the resume id starts from the one given, and an id with NUL is ignored', () => {
  const seen = [];
  const parser = new SseParser((f) => seen.push(f), 'before');
  parser.push('data: 1\n\nid: bad\0id\ndata: 2\n\n');
  assert.deepEqual(seen.map((f) => f.id), ['before', 'before']);
});

const metrics = `# HELP mart_orders Orders per status.
# TYPE mart_orders gauge
mart_orders{status="pending"} 2
mart_orders{status="confirmed"} 5
mart_stuck_orders 1
mart_http_requests_total{route="/api/v1/orders",method="POST",status="201"} 12
mart_http_requests_total{route="/api/v1/orders",method="POST",status="422"} 3
odd_label{text="a \\"quoted\\" \\\\ b",x="y"} +Inf
`;

const histogram = (counts) => counts.map(([le, n]) =>
  `lat_bucket{route="/o",le="${le}"} ${n}`).join('\n');

test('Prometheus text: samples, labels, sums', () => {
  const samples = parseMetrics(metrics);
  assert.equal(samples.length, 6);
  assert.equal(total(samples, 'mart_stuck_orders'), 1);
  assert.equal(total(samples, 'mart_orders'), 7);
  assert.equal(total(samples, 'mart_http_requests_total', { method: 'POST', status: '201' }), 12);
  assert.equal(total(samples, 'absent_metric'), null);
  assert.deepEqual(totalsBy(samples, 'mart_orders', 'status'), { pending: 2, confirmed: 5 });
  const odd = samples.find((s) => s.name === 'odd_label');
  assert.deepEqual(odd.labels, { text: 'a "quoted" \\ b', x: 'y' });
  assert.equal(odd.value, Infinity);
});

test('Prometheus histogram: the quantile of what was observed between two readings', () => {
  const before = buckets(parseMetrics(histogram([['0.001', 0], ['0.01', 10], ['0.1', 10], ['+Inf', 10]])), 'lat');
  // 10 more in (0.001, 0.01] and 10 in (0.01, 0.1].
  const after = buckets(parseMetrics(histogram([['0.001', 0], ['0.01', 20], ['0.1', 30], ['+Inf', 30]])), 'lat');
  const near = (value, wanted) => assert.ok(Math.abs(value - wanted) < 1e-9, `${value} is ${wanted}`);
  near(quantileBetween(0.5, before, after), 0.01);
  near(quantileBetween(0.95, before, after), 0.091);
  near(quantileBetween(0.25, before, after), 0.0055);
  assert.equal(quantileBetween(0.5, after, after), null, 'nothing observed in between');
  const slow = buckets(parseMetrics(histogram([['0.001', 0], ['0.01', 20], ['0.1', 30], ['+Inf', 40]])), 'lat');
  assert.equal(quantileBetween(0.99, after, slow), 0.1, 'past the last bound: that bound');
});
