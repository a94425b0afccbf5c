import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import { h } from '../app/dom';

/**
 * Small chart wrappers on uPlot (about 50 KB): a time series of daily counts and a bar chart of
 * categories. Each returns its element and a destroy; an empty data set renders a text saying so.
 */

const PALETTE = ['#1d6fb8', '#2a9d8f', '#e9a23b', '#c8553d', '#6c5ce7'];
// Counts have whole-number ticks.
const COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

export type Chart = { element: HTMLElement; destroy(): void };

function width(host: HTMLElement): number {
  return Math.max(260, Math.floor(host.clientWidth || 420) - 8);
}

/** Daily counts of several series (x = ISO days). */
export function dailySeries(host: HTMLElement, title: string, days: string[], series: Array<{ label: string; values: number[] }>): Chart {
  host.setAttribute('aria-label', `${title}: ${series.map((s) => `${s.values.reduce((a, b) => a + b, 0)} ${s.label}`).join(', ')}`);
  if (!days.length) return empty(host, title);
  const xs = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
  const plot = new uPlot(
    {
      title,
      width: width(host),
      height: 220,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [{}, { label: 'count', size: 50, incrs: COUNT_INCRS }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, fill: `${PALETTE[i % PALETTE.length]}22`, points: { show: true, size: 5 } }))],
    },
    [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
    host,
  );
  host.dataset.rendered = 'true';
  return { element: host, destroy: () => plot.destroy() };
}

/** One bar per category. */
export function bars(host: HTMLElement, title: string, labels: string[], values: number[], options: { unit?: string; color?: string; format?: (v: number) => string; counts?: boolean } = {}): Chart {
  // The canvas says nothing to a screen reader: the figure carries the numbers.
  host.setAttribute('aria-label', `${title}: ${labels.map((label, i) => `${label} ${values[i]}`).join(', ')}`);
  if (!labels.length) return empty(host, title);
  const barsPath = uPlot.paths.bars?.({ size: [0.6, 64] });
  const plot = new uPlot(
    {
      title,
      width: width(host),
      height: 220,
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? (labels[t] ?? '') : '')), splits: () => labels.map((_, i) => i), gap: 6 },
        { label: options.unit ?? '', size: 56, ...(options.counts ? { incrs: COUNT_INCRS } : {}), values: (_u, ticks) => ticks.map((t) => (options.format ? options.format(t) : String(t))) },
      ],
      series: [{}, { label: title, stroke: options.color ?? PALETTE[0], fill: `${options.color ?? PALETTE[0]}cc`, width: 1, paths: barsPath, points: { show: false }, value: (_u, v) => (v === null ? '—' : options.format ? options.format(v) : String(v)) }],
      legend: { show: false },
      cursor: { show: true, points: { show: false } },
    },
    [labels.map((_, i) => i), values] as uPlot.AlignedData,
    host,
  );
  host.dataset.rendered = 'true';
  return { element: host, destroy: () => plot.destroy() };
}

function empty(host: HTMLElement, title: string): Chart {
  host.append(h('div', { class: 'chart-empty' }, h('div', { class: 'u-title' }, title), h('p', { class: 'muted' }, 'No data in this period.')));
  host.dataset.rendered = 'empty';
  return { element: host, destroy: () => undefined };
}
