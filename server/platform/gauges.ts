import type { CommandContext } from '../commands/run-command';
import { findGauge, upsertGauge, type Gauge, type GaugeInput } from '../repos/gauges.repo';

/** Why a gauge may not be used now (W11), or undefined when it may. */
export function gaugeRefusal(gauge: Gauge | undefined, gaugeId: string, today: string): string | undefined {
  if (!gauge) return `Gauge ${gaugeId} is not in the calibration register`;
  if (gauge.status !== 'active') return `Gauge ${gauge.id} is retired`;
  if (gauge.calibrationDue < today) return `Gauge ${gauge.id} calibration expired on ${gauge.calibrationDue}`;
  return undefined;
}

/** The server's date (UTC) of a point in time, as YYYY-MM-DD: calibration is due on a date. */
export const utcDate = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * Looks a gauge up in the register: it must exist, be active and be calibrated until today or later.
 * Returns the gauge and, when it may not be used, why.
 */
export async function checkGauge(ctx: CommandContext, gaugeId: string): Promise<{ gauge: Gauge | undefined; refusal: string | undefined }> {
  const gauge = await findGauge(ctx.trx, gaugeId);
  return { gauge, refusal: gaugeRefusal(gauge, gaugeId, utcDate(ctx.now)) };
}

/**
 * Registers a gauge or records its new calibration (or retirement), audited with before, after
 * and the reason. The register is master data kept by administrators (or seeds).
 */
export async function registerGauge(ctx: CommandContext, id: string, input: GaugeInput & { reason: string }): Promise<Gauge> {
  const actor = ctx.actor.kind === 'user' ? ctx.actor.username : ctx.actor.kind === 'system' ? ctx.actor.name : ctx.actor.kind === 'service' ? ctx.actor.name : 'anonymous';
  const { before, after } = await upsertGauge(ctx.trx, id, input, actor, ctx.now);
  const view = (g: Gauge) => ({ id: g.id, description: g.description, location: g.location, status: g.status, calibratedOn: g.calibratedOn, calibrationDue: g.calibrationDue, certificate: g.certificate });
  ctx.emit({
    type: before ? 'gauge.updated' : 'gauge.registered',
    entity: { type: 'Gauge', id: after.id },
    before: before ? view(before) : undefined,
    after: view(after),
    reason: input.reason,
  });
  return after;
}
