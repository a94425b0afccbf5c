import { systemActor } from '../server/auth/actor';
import { createConnector, connectorSecretBox, parseConfig } from '../server/commands/manage-connectors';
import { runCommand } from '../server/commands/run-command';
import { configureMonitoring } from '../server/equipment/configure-monitoring';
import { findMonitoring } from '../server/equipment/equipment.repo';
import { monitoringConfigSchema } from '../server/equipment/monitoring-config';
import type { SeedDeps } from '../server/db/seed';
import { registerEquipmentProfile } from '../server/kpis/equipment-profile';
import { DEMO_CELL_ID, demoCellMonitoring, demoConnectors } from '../server/platform/demo-connectors';
import { registerGauge, utcDate } from '../server/platform/gauges';
import { findConnectorByName } from '../server/repos/connectors.repo';
import { findEquipmentProfile } from '../server/repos/equipment-samples.repo';
import { findGauge } from '../server/repos/gauges.repo';

const DAY = 86_400_000;

/**
 * The demo plant around the standard processes: the `erp`, `qms` and `cell-1` (OPC UA) connectors
 * at the simulators' default ports, the equipment monitor on cell-1 (its state and counter samples
 * are what OEE is computed from), a small gauge register (one gauge expired on purpose), and the
 * cell's ideal cycle time for OEE. Existing entries are left alone.
 */
export async function seed(deps: SeedDeps): Promise<void> {
  const actor = systemActor('seed');
  for (const connector of demoConnectors()) {
    if (await findConnectorByName(deps.db, connector.name)) continue;
    await runCommand(deps, actor, {}, (ctx) =>
      createConnector(ctx, { name: connector.name, kind: connector.kind, description: connector.description, config: parseConfig(connector.kind, connector.config), reason: 'demo data' }, () =>
        connectorSecretBox(deps.config, deps.logger),
      ),
    );
  }
  const today = deps.clock.now();
  const gauges = [
    { id: 'G-1001', description: 'Digital caliper 0–150 mm', location: 'Cell 1', calibratedOn: utcDate(new Date(today.getTime() - 30 * DAY)), calibrationDue: utcDate(new Date(today.getTime() + 335 * DAY)) },
    { id: 'G-1002', description: 'Seal width gauge', location: 'Final inspection', calibratedOn: utcDate(new Date(today.getTime() - 90 * DAY)), calibrationDue: utcDate(new Date(today.getTime() + 90 * DAY)) },
    { id: 'G-0007', description: 'Caliper (calibration expired: refused by the processes)', location: 'Cell 1', calibratedOn: '2024-01-31', calibrationDue: '2025-01-31' },
  ];
  for (const gauge of gauges) {
    if (await findGauge(deps.db, gauge.id)) continue;
    await runCommand(deps, actor, {}, (ctx) =>
      registerGauge(ctx, gauge.id, { description: gauge.description, location: gauge.location, status: 'active', calibratedOn: gauge.calibratedOn, calibrationDue: gauge.calibrationDue, certificate: `CAL-${gauge.id}`, reason: 'demo data' }),
    );
  }
  if (!(await findMonitoring(deps.db, DEMO_CELL_ID))) {
    const monitoring = monitoringConfigSchema.parse(demoCellMonitoring());
    await runCommand(deps, actor, {}, (ctx) => configureMonitoring(ctx, DEMO_CELL_ID, monitoring, 'demo data: state and counters of the cell simulator for OEE'));
  }
  if (!(await findEquipmentProfile(deps.db, DEMO_CELL_ID))) {
    await runCommand(deps, actor, {}, (ctx) => registerEquipmentProfile(ctx, { equipmentId: DEMO_CELL_ID, name: 'Packaging cell 1 (simulator)', idealCycleMs: 1000, reason: 'demo data' }));
  }
}
