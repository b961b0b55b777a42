// A small line chart in SVG (no chart library): a few series over a time window, the scale and
// the latest values as text next to it, so the figures are readable without the drawing.
import { html } from '../lib/html.js';

const width = 600;
const height = 150;

// A round top for the y axis: 1, 2 or 5 times a power of ten, at least `max`.
function niceTop(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((top) => top >= max);
}

const formatValue = (v, digits) => (v === null || v === undefined ? '—' : v.toFixed(digits));

// series: [{name, points: [{t, v}] (v null = no value), className}]; windowMs ends at `now`.
export function LineChart({ title, series, unit, windowMs, now, digits = 1 }) {
  const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null);
  const top = niceTop(Math.max(0, ...values));
  const x = (t) => ((t - (now - windowMs)) / windowMs) * width;
  const y = (v) => height - (v / top) * height;
  const path = (points) => {
    let d = '';
    let pen = false;
    for (const p of points) {
      if (p.v === null || p.t < now - windowMs) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  const latest = (s) => {
    const last = s.points.filter((p) => p.v !== null).pop();
    return last ? last.v : null;
  };
  const minutes = Math.round(windowMs / 60000);
  const summary = series.map((s) => `${s.name} ${formatValue(latest(s), digits)} ${unit}`).join(', ');
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div class="chart-body">
      <div class="chart-scale" aria-hidden="true"><span>${top} ${unit}</span><span>0</span></div>
      <svg viewBox=${`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img"
        aria-label=${`${title} over the last ${minutes} minutes; now: ${summary}`}>
        ${[0.25, 0.5, 0.75].map((f) => html`<line key=${f} class="grid" x1="0" x2=${width}
          y1=${height * f} y2=${height * f} />`)}
        ${series.map((s) => html`<path key=${s.name} class=${`line ${s.className}`} d=${path(s.points)} />`)}
      </svg>
    </div>
    <div class="chart-axis" aria-hidden="true"><span>−${minutes} min</span><span>now</span></div>
    <ul class="legend">${series.map((s) => html`<li key=${s.name}>
      <span class=${`swatch ${s.className}`}></span>${s.name}: <strong>${formatValue(latest(s), digits)}</strong> ${unit}</li>`)}
    </ul>
  </figure>`;
}
