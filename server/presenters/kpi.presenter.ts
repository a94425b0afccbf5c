import type { Kpis } from '../kpis/compute-kpis';

/** The KPI document: every figure with its value, definition and inputs. */
export function presentKpis(kpis: Kpis) {
  return {
    window: { from: kpis.window.from.toISOString(), to: kpis.window.to.toISOString() },
    generatedAt: kpis.generatedAt.toISOString(),
    figures: {
      cycleTime: kpis.cycleTime,
      tasks: kpis.tasks,
      aging: kpis.aging,
      firstPassYield: kpis.firstPassYield,
      holds: kpis.holds,
      oee: kpis.oee,
    },
  };
}
