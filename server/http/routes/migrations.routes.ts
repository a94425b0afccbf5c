import type { UserActor } from '../../auth/actor';
import { executeMigration } from '../../commands/migrations/execute-migration';
import { loadVersionPair, planInstanceMigration, previewInstance } from '../../commands/migrations/migration-plan';
import { planMigration } from '../../engine';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses } from './common.schema';
import { executeBody, executeSchema, planBody, planSchema, previewBody, previewSchema } from './migrations.schema';

export const migrationRoutes = defineRoutes([
  {
    id: 'migrations.plan',
    method: 'post',
    path: '/migrations/plan',
    summary: 'Propose activity mappings between two versions of a process and list what cannot move',
    tags: ['migrations'],
    auth: 'user',
    permission: ['read', 'Migration'],
    schema: { body: planBody },
    responses: { 200: { description: 'The proposed plan', schema: planSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      ctx.body = await planInstanceMigration(ctx.deps.db, ctx.state.input.body);
    },
  },
  {
    id: 'migrations.preview',
    method: 'post',
    path: '/migrations/preview',
    summary: 'Show where each task, job, timer and subscription of the selected instances would go; nothing changes',
    tags: ['migrations'],
    auth: 'user',
    permission: ['read', 'Migration'],
    schema: { body: previewBody },
    responses: { 200: { description: 'The plan and each instance’s moves or problems', schema: previewSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const input = ctx.state.input.body;
      const plan = await planInstanceMigration(ctx.deps.db, input);
      const pair = await loadVersionPair(ctx.deps.db, input.sourceVersionId, input.targetVersionId, input.mappings);
      const mapping = planMigration(pair.defA, pair.defB, input.mappings ?? {}).mapping;
      const instances = [];
      for (const id of new Set<string>(input.instanceIds)) instances.push((await previewInstance(ctx.deps.db, pair, mapping, id, ctx.deps.clock.now())).preview);
      ctx.body = { ...plan, instances };
    },
  },
  {
    id: 'migrations.execute',
    method: 'post',
    path: '/migrations/execute',
    summary: 'Move the selected instances to the released version, signed, each in its own transaction; those that cannot move stay intact',
    tags: ['migrations'],
    auth: 'user',
    permission: ['migrate', 'ProcessInstance'],
    schema: { body: executeBody },
    responses: { 200: { description: 'Each instance’s outcome', schema: executeSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const input = ctx.state.input.body;
      ctx.body = await executeMigration(ctx.deps, actorOf(ctx) as UserActor, ctx.state.request, {
        sourceVersionId: input.sourceVersionId,
        targetVersionId: input.targetVersionId,
        mappings: input.mappings,
        instanceIds: input.instanceIds,
        reason: input.reason,
        signature: { password: input.password, meaning: input.meaning, comment: input.comment },
      });
    },
  },
]);
