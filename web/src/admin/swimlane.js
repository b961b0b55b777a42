// The swimlane of one key's events: a lane per module, time across. A dot where an event was
// published, a tick where a subscriber handled it, a cross per failed attempt, a square where it
// became a dead letter, a ring where a retry is waiting. Time runs on a compressed scale (each
// gap grows with its logarithm), so a flow of a few milliseconds and a retry minutes later both
// stay readable; the times themselves are in the table under it.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatClock } from '../lib/money.js';
import { formatDuration, moduleOf, modules as moduleOrder } from './console_parts.js';

const laneHeight = 44;
const labelWidth = 112;
const top = 22;
const axisHeight = 28;
const markGap = 12;  // marks of one lane closer than this are moved apart

const ms = (time) => new Date(time).getTime();
const gapWidth = (dt) => (dt <= 0 ? 0 : Math.min(120, 16 + 22 * Math.log10(1 + dt)));

// Every mark of every event: {lane, t, kind, event (index), text}.
export function marksOf(events) {
  const marks = [];
  events.forEach((e, index) => {
    marks.push({ lane: e.source, t: ms(e.time), kind: 'published', index,
      text: `${index + 1}. ${e.type} published by ${e.source} at ${formatClock(e.time)}` });
    for (const h of e.handled_by) {
      for (const f of h.failures || []) {
        marks.push({ lane: moduleOf(h.subscriber), t: ms(f.at), kind: 'failed', index,
          text: `${h.subscriber} failed at ${formatClock(f.at)}: ${f.error}` });
      }
      marks.push({ lane: moduleOf(h.subscriber), t: ms(h.handled_at), kind: 'handled', index,
        text: `${h.subscriber} handled ${index + 1} at ${formatClock(h.handled_at)}` });
    }
    for (const w of e.waiting) {
      const history = w.history || [];
      for (const a of history) {
        marks.push({ lane: moduleOf(w.subscriber), t: ms(a.at), kind: 'failed', index,
          text: `${w.subscriber} attempt ${a.attempt} failed at ${formatClock(a.at)}: ${a.error}` });
      }
      const lastAt = history.length ? ms(history[history.length - 1].at) : ms(e.time);
      if (w.status === 'dead_letter' || w.status === 'discarded') {
        const discarded = w.status === 'discarded';
        marks.push({ lane: moduleOf(w.subscriber), t: lastAt, kind: discarded ? 'discarded' : 'dead', index,
          text: `${w.subscriber}: dead letter after ${w.attempts} attempts${discarded ? ', discarded' : ''}: ${w.last_error}` });
      } else {
        const next = w.next_attempt_at ? ms(w.next_attempt_at) : lastAt;
        marks.push({ lane: moduleOf(w.subscriber), t: Math.max(next, lastAt), kind: 'waiting', index,
          text: `${w.subscriber}: retrying (attempt ${w.attempts} failed: ${w.last_error})` });
      }
    }
  });
  return marks;
}

// The modules with a mark, in the order an order flows through them.
export function lanesOf(marks) {
  const used = new Set(marks.map((m) => m.lane));
  return [...moduleOrder.filter((m) => used.has(m)), ...[...used].filter((m) => !moduleOrder.includes(m)).sort()];
}

// x of every mark; the gaps are stretched (up to 6 times) to fill `room` pixels.
function layout(marks, room) {
  const times = [...new Set(marks.map((m) => m.t))].sort((a, b) => a - b);
  const natural = times.reduce((sum, t, i) => sum + (i ? gapWidth(t - times[i - 1]) : 0), 0);
  const stretch = natural > 0 ? Math.min(6, Math.max(1, (room - labelWidth - 56) / natural)) : 1;
  const xOf = new Map();
  let x = labelWidth + 16;
  times.forEach((t, i) => {
    if (i > 0) x += gapWidth(t - times[i - 1]) * stretch;
    xOf.set(t, x);
  });
  const lastX = new Map();
  for (const m of [...marks].sort((a, b) => a.t - b.t)) {
    const wanted = xOf.get(m.t);
    const previous = lastX.get(m.lane);
    m.x = previous !== undefined && wanted - previous < markGap ? previous + markGap : wanted;
    lastX.set(m.lane, m.x);
  }
  return { start: times[0], width: Math.max(...marks.map((m) => m.x)) + 40 };
}

function Mark({ mark, y }) {
  const title = html`<title>${mark.text}</title>`;
  switch (mark.kind) {
    case 'published':
      return html`<g class="mark published">${title}<circle cx=${mark.x} cy=${y} r="7" />
        <text x=${mark.x} y=${y - 11} text-anchor="middle">${mark.index + 1}</text></g>`;
    case 'handled':
      return html`<g class="mark handled">${title}<circle cx=${mark.x} cy=${y} r="4.5" /></g>`;
    case 'failed':
      return html`<g class="mark failed">${title}<path d=${`M${mark.x - 5},${y - 5}l10,10m0,-10l-10,10`} /></g>`;
    case 'dead':
    case 'discarded':
      return html`<g class=${`mark ${mark.kind}`}>${title}<rect x=${mark.x - 6} y=${y - 6} width="12" height="12" /></g>`;
    default:
      return html`<g class="mark waiting">${title}<circle cx=${mark.x} cy=${y} r="6" /></g>`;
  }
}

export function Swimlane({ events, name }) {
  const marks = marksOf(events);
  const lanes = lanesOf(marks);
  // The room there is, so a flow of a few milliseconds spreads over the width on a desktop.
  const wrap = useRef(null);
  const [room, setRoom] = useState(0);
  useLayoutEffect(() => {
    const observer = new ResizeObserver(([entry]) => setRoom(Math.floor(entry.contentRect.width)));
    observer.observe(wrap.current);
    return () => observer.disconnect();
  }, []);
  const { start, width } = layout(marks, room);
  const laneY = (lane) => top + lanes.indexOf(lane) * laneHeight + laneHeight / 2;
  const height = top + lanes.length * laneHeight + axisHeight;
  const published = marks.filter((m) => m.kind === 'published');
  let lastLabel = -Infinity;
  const ticks = published.filter((m) => {
    if (m.x - lastLabel < 56) return false;
    lastLabel = m.x;
    return true;
  });
  return html`<div class="swimlane-wrap" ref=${wrap} role="region" tabindex="0" aria-label="Swimlane diagram (scrolls sideways)">
    <svg class="swimlane" width=${width} height=${height} role="img"
      aria-label=${`Swimlane of ${name}: ${events.length} events across the lanes ${lanes.join(', ')}`}>
      ${lanes.map((lane, i) => html`<g key=${lane} class="lane">
        <rect class=${i % 2 ? 'band odd' : 'band'} x="0" y=${top + i * laneHeight} width=${width} height=${laneHeight} />
        <text class="lane-label" x="8" y=${laneY(lane) + 4}>${lane}</text></g>`)}
      ${marks.filter((m) => m.kind !== 'published').map((m, i) => {
        const from = published[m.index];
        return html`<line key=${`l${i}`} class=${`link ${m.kind}`} x1=${from.x} y1=${laneY(from.lane)}
          x2=${m.x} y2=${laneY(m.lane)} />`;
      })}
      ${marks.map((m, i) => html`<${Mark} key=${`m${i}`} mark=${m} y=${laneY(m.lane)} />`)}
      ${ticks.map((m) => html`<text key=${`t${m.index}`} class="tick" x=${m.x}
        y=${height - 8} text-anchor="middle">+${formatDuration(m.t - start)}</text>`)}
    </svg>
  </div>`;
}

export function SwimlaneLegend() {
  return html`<ul class="legend swimlane-legend" aria-label="Legend">
    <li><span class="key published"></span>published (numbered)</li>
    <li><span class="key handled"></span>handled by a subscriber</li>
    <li><span class="key failed">×</span>failed attempt</li>
    <li><span class="key dead"></span>dead letter</li>
    <li><span class="key discarded"></span>discarded</li>
    <li><span class="key waiting"></span>waiting for a retry</li>
  </ul>`;
}
