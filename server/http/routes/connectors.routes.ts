import { z } from 'zod';
import { checkConnectivity, type ConnectivityResult } from '../../adapters/http/connectivity';
import { revealConnectorConfig, SecretPlaceholderError } from '../../adapters/http/connector-secrets';
import { HttpConnector } from '../../adapters/http/http-connector';
import { changeConnector, connectorSecretBox, createConnector, recordConnectorCheck } from '../../commands/manage-connectors';
import { runCommand } from '../../commands/run-command';
import { NotFoundError } from '../../errors/app-error';
import { SecretBoxError } from '../../lib/secret-box';
import { presentConnector } from '../../presenters/connector.presenter';
import { findConnectorById, listConnectors } from '../../repos/connectors.repo';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses, idParams } from './common.schema';
import { connectorSchema, connectorTestSchema, createConnectorBody, testConnectorBody, updateConnectorBody } from './connectors.schema';

const secretBoxOf = (ctx: AppContext) => () => connectorSecretBox(ctx.deps.config, ctx.deps.logger);

async function loadConnector(ctx: AppContext, id: string) {
  const connector = await findConnectorById(ctx.deps.db, id);
  if (!connector) throw new NotFoundError(`No connector with id ${id}`);
  return connector;
}

export const connectorRoutes = defineRoutes([
  {
    id: 'connectors.list',
    method: 'get',
    path: '/connectors',
    summary: 'List connectors (ERP, MES, QMS over HTTP; equipment over OPC UA); secrets appear as "***"',
    tags: ['connectors'],
    auth: 'user',
    permission: ['read', 'Connector'],
    responses: { 200: { description: 'Connectors', schema: z.object({ items: z.array(connectorSchema), total: z.number() }) }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      const all = await listConnectors(ctx.deps.db);
      ctx.body = { items: all.map(presentConnector), total: all.length };
    },
  },
  {
    id: 'connectors.create',
    method: 'post',
    path: '/connectors',
    summary: 'Register a connector; its secrets are encrypted at rest and never returned',
    tags: ['connectors'],
    auth: 'user',
    permission: ['create', 'Connector'],
    schema: { body: createConnectorBody },
    responses: { 201: { description: 'Created', schema: connectorSchema }, ...errorResponses(400, 401, 403, 409, 503) },
    async handler(ctx: AppContext) {
      const created = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => createConnector(c, ctx.state.input.body, secretBoxOf(ctx)));
      ctx.status = 201;
      ctx.body = presentConnector(created);
    },
  },
  {
    id: 'connectors.read',
    method: 'get',
    path: '/connectors/:id',
    summary: 'Read a connector; secrets appear as "***"',
    tags: ['connectors'],
    auth: 'user',
    permission: ['read', 'Connector'],
    schema: { params: idParams },
    responses: { 200: { description: 'The connector', schema: connectorSchema }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      ctx.body = presentConnector(await loadConnector(ctx, ctx.state.input.params.id));
    },
  },
  {
    id: 'connectors.update',
    method: 'put',
    path: '/connectors/:id',
    summary: 'Change the description or configuration, or disable a connector; "***" keeps a stored secret',
    tags: ['connectors'],
    auth: 'user',
    permission: ['update', 'Connector'],
    schema: { params: idParams, body: updateConnectorBody },
    responses: { 200: { description: 'After the change', schema: connectorSchema }, ...errorResponses(400, 401, 403, 404, 503) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const updated = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => changeConnector(c, params.id, body, secretBoxOf(ctx)));
      ctx.body = presentConnector(updated);
    },
  },
  {
    id: 'connectors.test',
    method: 'post',
    path: '/connectors/:id/test',
    summary: 'Check that the connected system answers with the stored credentials; the outcome is audited',
    tags: ['connectors'],
    auth: 'user',
    permission: ['update', 'Connector'],
    schema: { params: idParams, body: testConnectorBody },
    responses: { 200: { description: 'The outcome (ok false when unreachable)', schema: connectorTestSchema }, ...errorResponses(400, 401, 403, 404, 503) },
    async handler(ctx: AppContext) {
      const { id } = ctx.state.input.params;
      const connector = await loadConnector(ctx, id);
      // The network call happens here, outside any transaction; only its outcome is written.
      let result: ConnectivityResult;
      try {
        const config = revealConnectorConfig(secretBoxOf(ctx)(), connector);
        result = await checkConnectivity({ name: connector.name, kind: connector.kind, config }, { http: new HttpConnector({ logger: ctx.deps.logger }) });
      } catch (error) {
        if (!(error instanceof SecretBoxError || error instanceof SecretPlaceholderError)) throw error;
        result = { ok: false, status: null, durationMs: 0, target: connector.name, message: `the stored secrets cannot be opened (${error.message}); enter them again` };
      }
      const updated = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => recordConnectorCheck(c, id, result));
      ctx.body = { result: { ...result, testedAt: updated.lastTestedAt!.toISOString() }, connector: presentConnector(updated) };
    },
  },
]);
