/**
 * A small line chart drawn as SVG elements (no library, no markup strings): a few series over
 * time, a zero-based y axis with three grid lines, the first and last time on the x axis.
 * Colours come from the stylesheet through each series' class.
 */
import { el, replace } from './dom';
import { clockTime } from './format';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 48, right: 12, top: 10, bottom: 22 };

export interface Series {
  label: string;
  /** CSS class of the line and its legend swatch. */
  className: string;
  values: number[];
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The smallest of 1, 2, 5 × 10^n at or above `value` (at least 1). */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function label(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Draws the chart into `host` (replacing what was there): an <svg> and its legend. */
export function drawChart(host: HTMLElement, title: string, times: number[], series: Series[]): void {
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'chart' });
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const first = times[0] ?? Date.now();
  const last = times[times.length - 1] ?? first;
  const span = Math.max(1, last - first);
  const x = (t: number) => PAD.left + ((t - first) / span) * plotWidth;
  const y = (v: number) => PAD.top + plotHeight - (v / max) * plotHeight;

  for (const fraction of [0, 0.5, 1]) {
    const value = max * fraction;
    chart.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'grid' }));
    chart.append(svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis' }, label(value)));
  }
  chart.append(svg('text', { x: PAD.left, y: HEIGHT - 4, class: 'axis' }, times.length > 0 ? clockTime(first).slice(0, 8) : ''));
  chart.append(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end', class: 'axis' }, times.length > 0 ? clockTime(last).slice(0, 8) : 'no samples yet'));

  for (const s of series) {
    if (times.length === 0) continue;
    const points = s.values.map((v, i) => `${x(times[i] ?? first).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (times.length === 1) chart.append(svg('circle', { cx: x(first), cy: y(s.values[0] ?? 0), r: 3, class: `dot ${s.className}` }));
    else chart.append(svg('polyline', { points, class: `line ${s.className}` }));
  }

  const legend = el(
    'ul',
    { class: 'legend' },
    ...series.map((s) => el('li', {}, el('span', { class: `swatch ${s.className}` }), `${s.label}: ${label(s.values[s.values.length - 1] ?? 0)}`)),
  );
  replace(host, el('h3', {}, title), chart, legend);
}
