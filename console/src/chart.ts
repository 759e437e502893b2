/**
 * A small line chart drawn as SVG elements (no library, no markup strings): a few series over
 * time, a zero-based y axis with round ticks (ticks.ts), the first and last time on the x axis.
 * It is drawn at the width its panel has, so its labels keep their size on a phone (a fixed
 * 640-unit drawing scaled into 330 px shrinks 11 px text to 6 px); the dashboard draws it again
 * when the window is resized. Colours come from the stylesheet through each series' class.
 */
import { el, replace } from './dom';
import { clockTime } from './format';
import { yScale } from './ticks';

const SVG = 'http://www.w3.org/2000/svg';
/** Width drawn when the panel has no layout yet (hidden), in CSS pixels. */
const FALLBACK_WIDTH = 640;
/** Narrowest drawing, in CSS pixels: below it the drawing is scaled down instead. */
const MIN_WIDTH = 240;
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

/** A legend value: whole numbers as they are, others with at most two decimals. */
function label(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

/** The width of `host`'s content box, in CSS pixels. */
function contentWidth(host: HTMLElement): number {
  const style = getComputedStyle(host);
  const width = host.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return width > 0 ? Math.max(MIN_WIDTH, Math.floor(width)) : FALLBACK_WIDTH;
}

/** Draws the chart into `host` (replacing what was there): an <svg> and its legend. */
export function drawChart(host: HTMLElement, title: string, times: number[], series: Series[]): void {
  const width = contentWidth(host);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, role: 'img', 'aria-label': title, class: 'chart' });
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const scale = yScale(series.flatMap((s) => s.values));
  const max = scale.max;
  const first = times[0] ?? Date.now();
  const last = times[times.length - 1] ?? first;
  const span = Math.max(1, last - first);
  const x = (t: number) => PAD.left + ((t - first) / span) * plotWidth;
  const y = (v: number) => PAD.top + plotHeight - (v / max) * plotHeight;

  for (const value of scale.ticks) {
    chart.append(svg('line', { x1: PAD.left, x2: width - PAD.right, y1: y(value), y2: y(value), class: 'grid' }));
    chart.append(svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis tick' }, scale.format(value)));
  }
  chart.append(svg('text', { x: PAD.left, y: HEIGHT - 4, class: 'axis' }, times.length > 0 ? clockTime(first).slice(0, 8) : ''));
  chart.append(svg('text', { x: width - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end', class: 'axis' }, times.length > 0 ? clockTime(last).slice(0, 8) : 'no samples yet'));

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
