import type { App, PageMount } from '../app/context';
import { field, h, replace } from '../app/dom';
import { formatDuration } from '../app/format';
import type { Heatmap, Kpis } from '../app/types';
import { importDiagram } from '../bpmn/extensions';
import { problemView } from '../components/problem-view';

const DAYS = 14;

type Viewer = { get(name: string, strict?: boolean): any; destroy(): void; importXML(xml: string): Promise<{ warnings: unknown[] }> };

/**
 * The dashboard: KPI tiles (open and overdue tasks, throughput, cycle time), charts (throughput,
 * cycle time and open tasks per process, instances by status; with the KPI service also
 * nonconformance and CAPA aging and OEE per equipment) and a heatmap of activity counts and mean
 * durations drawn on a process diagram.
 */
export const mount: PageMount = async (main, match, app) => {
  const tiles = h('div', { class: 'tiles', 'data-testid': 'kpi-tiles' });
  const charts = h('div', { class: 'charts' });
  const heat = h('section', { class: 'heatmap', 'aria-label': 'Heatmap' });
  const source = h('p', { class: 'muted' });
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Dashboard'), source), tiles, charts, heat);
  const destroyers: Array<() => void> = [];

  let kpis: Kpis;
  try {
    kpis = await app.api.kpis(DAYS);
  } catch (error) {
    replace(tiles, problemView(error));
    return;
  }
  const days = Math.round((Date.parse(kpis.window.to) - Date.parse(kpis.window.from)) / 86_400_000);
  source.textContent =
    kpis.source === 'api'
      ? `Last ${days} days, from the KPI service.`
      : `Last ${days} days, computed in the browser from instances and tasks (the KPI service is not available yet).`;

  const started = kpis.throughput.reduce((sum, d) => sum + d.started, 0);
  const completed = kpis.throughput.reduce((sum, d) => sum + d.completed, 0);
  const cycleCount = kpis.cycleTime.reduce((s, c) => s + c.count, 0);
  const meanCycle = cycleCount ? kpis.cycleTime.reduce((s, c) => s + c.meanMs * c.count, 0) / cycleCount : null;
  const mine = kpis.taskScope === 'mine';
  const tile = (label: string, value: string, kind = '', test = '') =>
    h('div', { class: `tile ${kind}`, 'data-testid': test || undefined }, h('span', { class: 'tile-value' }, value), h('span', { class: 'tile-label' }, label));
  replace(
    tiles,
    tile(mine ? 'Open tasks (yours)' : 'Open tasks', String(kpis.openTasks), '', 'tile-open-tasks'),
    tile(mine ? 'Overdue tasks (yours)' : 'Overdue tasks', String(kpis.overdueTasks), kpis.overdueTasks ? 'alert' : '', 'tile-overdue-tasks'),
    tile('Instances started', String(started), '', 'tile-started'),
    tile('Instances completed', String(completed), '', 'tile-completed'),
    tile('Mean cycle time', formatDuration(meanCycle), '', 'tile-cycle-time'),
  );

  const { dailySeries, bars } = await import('../components/charts');
  const chartBox = (id: string) => {
    const box = h('figure', { class: 'chart', 'data-chart': id });
    charts.append(box);
    return box;
  };
  const hours = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100;
  destroyers.push(
    dailySeries(chartBox('throughput'), 'Instances started and completed per day', kpis.throughput.map((d) => d.day), [
      { label: 'started', values: kpis.throughput.map((d) => d.started) },
      { label: 'completed', values: kpis.throughput.map((d) => d.completed) },
    ]).destroy,
    bars(chartBox('cycle-time'), 'Mean cycle time per process (hours)', kpis.cycleTime.map((c) => c.key), kpis.cycleTime.map((c) => hours(c.meanMs)), { unit: 'hours', color: '#2a9d8f' }).destroy,
  );
  // Each further chart is drawn when its figures exist (the derived mode has some, /kpis all).
  if (kpis.openTasksByProcess) {
    destroyers.push(
      bars(chartBox('tasks'), mine ? 'Your open tasks per process' : 'Open tasks per process', kpis.openTasksByProcess.map((p) => p.key), kpis.openTasksByProcess.map((p) => p.open), { color: '#e9a23b', counts: true }).destroy,
    );
  } else {
    destroyers.push(bars(chartBox('tasks'), 'Open and overdue tasks', ['open', 'overdue'], [kpis.openTasks, kpis.overdueTasks], { color: '#e9a23b', counts: true }).destroy);
  }
  if (kpis.instancesByStatus) {
    destroyers.push(bars(chartBox('status'), 'Instances by status', kpis.instancesByStatus.map((s) => s.status), kpis.instancesByStatus.map((s) => s.count), { color: '#1d6fb8', counts: true }).destroy);
  }
  if (kpis.nonconformanceAging) {
    destroyers.push(bars(chartBox('nc-aging'), 'Nonconformance aging (open, by age)', kpis.nonconformanceAging.map((b) => b.bucket), kpis.nonconformanceAging.map((b) => b.count), { color: '#c8553d', counts: true }).destroy);
  }
  if (kpis.capaAging) {
    destroyers.push(bars(chartBox('capa-aging'), 'CAPA aging (open, by age)', kpis.capaAging.map((b) => b.bucket), kpis.capaAging.map((b) => b.count), { color: '#6c5ce7', counts: true }).destroy);
  }
  // OEE needs equipment with planned time in the window; without any, no chart rather than an empty one.
  if (kpis.oee?.length) {
    destroyers.push(bars(chartBox('oee'), 'OEE per equipment (%)', kpis.oee.map((o) => o.equipment), kpis.oee.map((o) => Math.round(o.oee * 1000) / 10), { unit: '%', color: '#1d6fb8' }).destroy);
  }
  if (kpis.oee?.length) {
    charts.append(
      h(
        'table',
        { class: 'data-table compact' },
        h('caption', null, 'OEE = availability × performance × quality'),
        h('thead', null, h('tr', null, ['Equipment', 'Availability', 'Performance', 'Quality', 'OEE'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, kpis.oee.map((o) => h('tr', null, h('td', null, o.equipment), ...[o.availability, o.performance, o.quality, o.oee].map((v) => h('td', null, `${(v * 100).toFixed(1)} %`))))),
      ),
    );
  }
  if (kpis.source === 'derived') {
    charts.after(h('p', { class: 'muted', 'data-testid': 'kpi-missing' }, 'Nonconformance and CAPA aging and OEE per equipment appear here when the KPI service is available.'));
  }

  destroyers.push(await mountHeatmap(heat, app, match.query.get('process')));
  return { cleanup: () => destroyers.forEach((destroy) => destroy()) };
};

/** The released process with the most instances: the heatmap's first choice. */
async function busiest(app: App, keys: string[]): Promise<string | undefined> {
  const totals = await Promise.all(keys.map((key) => app.api.instances({ key, limit: 1 }).then((page) => page.total, () => 0)));
  let best: string | undefined;
  let most = 0;
  keys.forEach((key, i) => {
    if (totals[i] > most) [best, most] = [key, totals[i]];
  });
  return best;
}

async function mountHeatmap(section: HTMLElement, app: App, requested: string | null): Promise<() => void> {
  const processes = (await app.api.processes().catch(() => [])).filter((p) => p.released);
  const select = h('select', { name: 'heat-process' }, processes.map((p) => h('option', { value: p.key }, p.name ? `${p.name} (${p.key})` : p.key)));
  const metric = h('select', { name: 'heat-metric' }, h('option', { value: 'count' }, 'Activity count'), h('option', { value: 'duration' }, 'Mean duration'));
  const canvas = h('div', { class: 'diagram-canvas', 'data-testid': 'heatmap-diagram', tabindex: '0', 'aria-label': 'Heatmap diagram' });
  const status = h('div', { 'aria-live': 'polite' });
  replace(section, h('h2', null, 'Activity heatmap'), processes.length ? h('div', { class: 'filters' }, field('Process', select), field('Colour by', metric)) : h('p', { class: 'muted' }, 'No released process yet.'), status, canvas);
  if (!processes.length) return () => undefined;
  const first = processes.some((p) => p.key === requested) ? requested : await busiest(app, processes.map((p) => p.key));
  if (first) select.value = first;
  let viewer: Viewer | null = null;
  let heatmap: Heatmap | null = null;

  const draw = async () => {
    const process = processes.find((p) => p.key === select.value) ?? processes[0];
    if (!process?.released) return;
    try {
      const { createViewer } = await import('../bpmn/viewer');
      viewer?.destroy();
      viewer = createViewer(canvas);
      const [xml, data] = await Promise.all([app.api.versionXml(process.released.id), app.api.heatmap(process.key, process.released.id)]);
      heatmap = data;
      const result = await importDiagram(viewer, xml);
      if (!result.ok) {
        replace(status, problemView(new Error(result.problems[0]?.message ?? 'The diagram could not be opened')));
        return;
      }
      viewer.get('canvas').zoom('fit-viewport', 'auto');
      paintHeat();
    } catch (error) {
      replace(status, problemView(error));
    }
  };

  const paintHeat = () => {
    if (!viewer || !heatmap) return;
    const overlays = viewer.get('overlays');
    const registry = viewer.get('elementRegistry');
    overlays.remove({ type: 'gemba-heat' });
    const byDuration = metric.value === 'duration';
    const valueOf = (a: Heatmap['activities'][number]) => (byDuration ? (a.meanMs ?? 0) : a.count);
    const max = Math.max(1, ...heatmap.activities.map(valueOf));
    let drawn = 0;
    for (const activity of heatmap.activities) {
      const element = registry.get(activity.activityId);
      if (!element || element.waypoints) continue;
      const intensity = valueOf(activity) / max;
      const cell = document.createElement('div');
      cell.className = 'heat-cell';
      cell.style.width = `${element.width}px`;
      cell.style.height = `${element.height}px`;
      cell.style.background = `rgba(220, 60, 30, ${0.12 + intensity * 0.6})`;
      cell.dataset.activityId = activity.activityId;
      const label = document.createElement('span');
      label.className = 'heat-label';
      // Events take no time: their count says it all.
      label.textContent = activity.meanMs && activity.meanMs >= 1000 ? `${activity.count}× · ${formatDuration(activity.meanMs)}` : `${activity.count}×`;
      cell.appendChild(label);
      overlays.add(element.id, 'gemba-heat', { position: { top: 0, left: 0 }, html: cell });
      drawn += 1;
    }
    replace(status, h('p', { class: 'muted', 'data-testid': 'heatmap-status', 'data-cells': String(drawn) }, drawn ? `${drawn} activities coloured by ${byDuration ? 'mean duration' : 'count'}.` : 'No activity recorded for this process yet.'));
  };

  select.addEventListener('change', () => {
    history.replaceState(null, '', `/dashboard?process=${encodeURIComponent(select.value)}`);
    void draw();
  });
  metric.addEventListener('change', paintHeat);
  await draw();
  return () => viewer?.destroy();
}
