// The Prometheus text format (version 0.0.4) as GET /metrics writes it: one sample a line,
// `name{label="value",...} number`; '#' lines are help and type. Pure, so node can test it.
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (text) => text.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));

function number(text) {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

// [{name, labels: {..}, value}] of every sample in `text`.
export function parseMetrics(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const found = sampleLine.exec(line);
    if (!found) continue;
    const labels = {};
    for (const [, name, value] of (found[2] || '').matchAll(labelPair)) labels[name] = unescape(value);
    samples.push({ name: found[1], labels, value: number(found[3]) });
  }
  return samples;
}

const matches = (sample, name, labels) =>
  sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v);

export const select = (samples, name, labels = {}) => samples.filter((s) => matches(s, name, labels));

// The sum of the matching samples; null when there is none (the metric is not there).
export function total(samples, name, labels = {}) {
  const found = select(samples, name, labels);
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : null;
}

// Sums per value of one label: {orders: 3, payments: 1}.
export function totalsBy(samples, name, label, labels = {}) {
  const out = {};
  for (const s of select(samples, name, labels)) out[s.labels[label]] = (out[s.labels[label]] || 0) + s.value;
  return out;
}

// A histogram's cumulative buckets [{le, count}] (ascending le), summed over the matching series.
export function buckets(samples, name, labels = {}) {
  const byBound = new Map();
  for (const s of select(samples, `${name}_bucket`, labels)) {
    const le = number(s.labels.le);
    byBound.set(le, (byBound.get(le) || 0) + s.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

// The q-quantile of what was observed between two readings of the same histogram's buckets, by
// linear interpolation within the bucket (as Prometheus' histogram_quantile); null if nothing
// was observed in between. Past the last finite bound, that bound is the answer.
export function quantileBetween(q, before, after) {
  const old = new Map(before.map((b) => [b.le, b.count]));
  const delta = after.map((b) => ({ le: b.le, count: b.count - (old.get(b.le) || 0) }));
  const count = delta.length ? delta[delta.length - 1].count : 0;
  if (count <= 0) return null;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const b of delta) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket > 0 ? lower + ((b.le - lower) * (rank - below)) / inBucket : b.le;
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}
