import { changeServicePrincipal, createServicePrincipal, issueApiKey, revokeApiKey } from '../../commands/manage-service-principals';
import { runCommand } from '../../commands/run-command';
import { NotFoundError } from '../../errors/app-error';
import { presentServicePrincipal } from '../../presenters/service-principal.presenter';
import { listServicePrincipals } from '../../repos/service-principals.repo';
import type { Knex } from 'knex';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses, idParams, reasonOnly } from './common.schema';
import { createServicePrincipalBody, issuedKeySchema, keyParams, servicePrincipalSchema, updateServicePrincipalBody } from './service-principals.schema';
import { z } from 'zod';

async function presentOne(db: Knex, id: string) {
  const found = (await listServicePrincipals(db)).find((p) => p.id === id);
  if (!found) throw new NotFoundError(`No service principal with id ${id}`);
  return presentServicePrincipal(found, found.keys);
}

export const servicePrincipalRoutes = defineRoutes([
  {
    id: 'servicePrincipals.list',
    method: 'get',
    path: '/service-principals',
    summary: 'List service principals and their keys (prefixes only)',
    tags: ['service principals'],
    auth: 'user',
    permission: ['read', 'ServicePrincipal'],
    responses: { 200: { description: 'Service principals', schema: z.object({ items: z.array(servicePrincipalSchema), total: z.number() }) }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      const all = await listServicePrincipals(ctx.deps.db);
      ctx.body = { items: all.map((p) => presentServicePrincipal(p, p.keys)), total: all.length };
    },
  },
  {
    id: 'servicePrincipals.create',
    method: 'post',
    path: '/service-principals',
    summary: 'Register an external system; its first API key is returned once',
    tags: ['service principals'],
    auth: 'user',
    permission: ['create', 'ServicePrincipal'],
    schema: { body: createServicePrincipalBody },
    responses: { 201: { description: 'Created', schema: issuedKeySchema }, ...errorResponses(400, 401, 403, 409) },
    async handler(ctx: AppContext) {
      const created = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => createServicePrincipal(c, ctx.state.input.body));
      ctx.status = 201;
      ctx.body = { servicePrincipal: await presentOne(ctx.deps.db, created.principal.id), apiKey: created.apiKey };
    },
  },
  {
    id: 'servicePrincipals.update',
    method: 'put',
    path: '/service-principals/:id',
    summary: 'Change scopes, or deactivate a service principal',
    tags: ['service principals'],
    auth: 'user',
    permission: ['update', 'ServicePrincipal'],
    schema: { params: idParams, body: updateServicePrincipalBody },
    responses: { 200: { description: 'After the change', schema: servicePrincipalSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => changeServicePrincipal(c, params.id, body));
      ctx.body = await presentOne(ctx.deps.db, params.id);
    },
  },
  {
    id: 'servicePrincipals.issueKey',
    method: 'post',
    path: '/service-principals/:id/keys',
    summary: 'Issue another API key (rotation); returned once',
    tags: ['service principals'],
    auth: 'user',
    permission: ['update', 'ServicePrincipal'],
    schema: { params: idParams, body: reasonOnly.partial() },
    responses: { 201: { description: 'Issued', schema: issuedKeySchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params } = ctx.state.input;
      const issued = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => issueApiKey(c, params.id));
      ctx.status = 201;
      ctx.body = { servicePrincipal: await presentOne(ctx.deps.db, params.id), apiKey: issued.apiKey };
    },
  },
  {
    id: 'servicePrincipals.revokeKey',
    method: 'post',
    path: '/service-principals/:id/keys/:keyId/revoke',
    summary: 'Revoke an API key at once',
    tags: ['service principals'],
    auth: 'user',
    permission: ['revoke', 'ServicePrincipal'],
    schema: { params: keyParams, body: reasonOnly },
    responses: { 200: { description: 'After the change', schema: servicePrincipalSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => revokeApiKey(c, params.id, params.keyId, body));
      ctx.body = await presentOne(ctx.deps.db, params.id);
    },
  },
]);
