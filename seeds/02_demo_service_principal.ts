import { systemActor } from '../server/auth/actor';
import { createServicePrincipal } from '../server/commands/manage-service-principals';
import { runCommand } from '../server/commands/run-command';
import type { SeedDeps } from '../server/db/seed';
import { findServicePrincipalByName } from '../server/repos/service-principals.repo';

/**
 * A demo ERP that may start instances of any process and correlate messages. Its key is shown
 * once, at the start that creates it (or is the one given in GEMBA_DEMO_API_KEY).
 */
export async function seed(deps: SeedDeps): Promise<void> {
  if (await findServicePrincipalByName(deps.db, 'demo-erp')) return;
  const created = await runCommand(deps, systemActor('seed'), {}, (ctx) =>
    createServicePrincipal(
      ctx,
      { name: 'demo-erp', description: 'Demo ERP system', allowedActions: ['start', 'correlate', 'read'], allowedProcessKeys: ['*'], reason: 'demo data' },
      { apiKey: deps.config.demo.apiKey },
    ),
  );
  deps.logger.info({ servicePrincipal: 'demo-erp', apiKey: created.apiKey }, `Demo ERP API key (shown once): ${created.apiKey}`);
}
