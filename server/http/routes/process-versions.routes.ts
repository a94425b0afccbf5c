import type { UserActor } from '../../auth/actor';
import { createProcessVersion, updateDraft } from '../../commands/process-versions/create-process-version';
import { checkForSubmit, diffVersions, inspectModel } from '../../commands/process-versions/model-gate';
import { releaseProcessVersion, retireProcessVersion } from '../../commands/process-versions/release-process-version';
import { approveProcessVersion, rejectProcessVersion, submitProcessVersion } from '../../commands/process-versions/review-process-version';
import { exportProcessVersionRecord } from '../../commands/process-versions/export-process-version';
import { runCommand } from '../../commands/run-command';
import { withSignature } from '../../commands/sign-record';
import { NotFoundError } from '../../errors/app-error';
import { presentProcessVersion, presentStatusChange } from '../../presenters/process-version.presenter';
import { listAuditEvents } from '../../repos/audit-events.repo';
import { findProcessVersion, listProcessKeys, listProcessVersions, type ProcessVersionWithContent } from '../../repos/process-versions.repo';
import { findSignaturesOf, findSignaturesOfMany } from '../../repos/signatures.repo';
import { actorOf, type AppContext } from '../context';
import { authorize, can } from '../middleware/authorize';
import { defineRoutes, type RouteDef } from '../route';
import { errorResponses, idParams, paged, reasonOnly } from './common.schema';
import {
  createVersionBody,
  diffQuery,
  listVersionsQuery,
  processSchema,
  rejectBody,
  signatureBody,
  updateVersionBody,
  versionDetailSchema,
  versionSchema,
} from './process-versions.schema';
import { z } from 'zod';

// A BPMN model may be up to 5 MB; the JSON body around it a little more, so that an oversized
// model is refused by the model check with a precise message rather than by the body parser.
const MODEL_BODY_LIMIT = '6mb';

async function loadVersion(ctx: AppContext, id: string): Promise<ProcessVersionWithContent> {
  const version = await findProcessVersion(ctx.deps.db, id);
  if (!version) throw new NotFoundError(`No process version ${id}`);
  return version;
}

/** The detail view: the version, its signatures, its lint result and its status history. */
async function presentDetail(ctx: AppContext, id: string) {
  const version = await loadVersion(ctx, id);
  const signatures = await findSignaturesOf(ctx.deps.db, 'ProcessVersion', id);
  const audit = await listAuditEvents(ctx.deps.db, { entityType: 'ProcessVersion', entityId: id, limit: 200, offset: 0 });
  return {
    ...presentProcessVersion(version, signatures),
    forms: Object.keys(version.forms),
    history: audit.items.reverse().map(presentStatusChange),
  };
}

/** A lifecycle step signed by the caller: approve, reject, release. */
function signedTransition(
  id: string,
  verb: 'approve' | 'reject' | 'release',
  summary: string,
  body: z.ZodType,
  command: typeof approveProcessVersion | typeof rejectProcessVersion | typeof releaseProcessVersion,
): RouteDef {
  return {
    id,
    method: 'post',
    path: `/process-versions/:id/${verb}`,
    summary,
    tags: ['process versions'],
    auth: 'user',
    permission: [verb, 'ProcessVersion', 'some'],
    schema: { params: idParams, body },
    responses: { 200: { description: 'The version after the step', schema: versionDetailSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body: input } = ctx.state.input;
      const version = await loadVersion(ctx, params.id);
      authorize(ctx, verb, 'ProcessVersion', { createdBy: version.createdBy, key: version.key });
      const signer = actorOf(ctx) as UserActor;
      await withSignature(ctx.deps, signer, ctx.state.request, input, (c) =>
        command({ ...c, actor: signer }, params.id, { meaning: input.meaning, comment: input.comment }),
      );
      ctx.body = await presentDetail(ctx, params.id);
    },
  };
}

export const processVersionRoutes = defineRoutes([
  {
    id: 'processes.list',
    method: 'get',
    path: '/processes',
    summary: 'Process keys with their released and latest versions',
    tags: ['process versions'],
    auth: 'principal',
    permission: ['read', 'Process', 'some'],
    responses: { 200: { description: 'Processes', schema: z.object({ items: z.array(processSchema), total: z.number() }) }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      const keys = (await listProcessKeys(ctx.deps.db)).filter((p) => can(ctx, 'read', 'Process', { key: p.key }));
      ctx.body = {
        items: keys.map((p) => ({
          key: p.key,
          name: p.name,
          released: p.released ? { id: p.released.id, version: p.released.version, sha256: p.released.sha256, releasedAt: p.released.releasedAt?.toISOString() ?? null } : null,
          latest: { id: p.latest.id, version: p.latest.version, status: p.latest.status },
        })),
        total: keys.length,
      };
    },
  },
  {
    id: 'processVersions.list',
    method: 'get',
    path: '/process-versions',
    summary: 'Process versions, filtered by key and status',
    tags: ['process versions'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { query: listVersionsQuery },
    responses: { 200: { description: 'Versions', schema: paged(versionSchema) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const page = await listProcessVersions(ctx.deps.db, ctx.state.input.query);
      const signatures = await findSignaturesOfMany(ctx.deps.db, 'ProcessVersion', page.items.map((v) => v.id));
      ctx.body = { items: page.items.map((v) => presentProcessVersion(v, signatures.get(v.id) ?? [])), total: page.total };
    },
  },
  {
    id: 'processVersions.create',
    method: 'post',
    path: '/process-versions',
    summary: 'Store a new draft (the key is the id of the executable process)',
    tags: ['process versions'],
    auth: 'user',
    permission: ['create', 'ProcessVersion'],
    bodyLimit: MODEL_BODY_LIMIT,
    schema: { body: createVersionBody },
    responses: { 201: { description: 'The draft', schema: versionDetailSchema }, ...errorResponses(400, 401, 403, 404, 413, 422) },
    async handler(ctx: AppContext) {
      const input = ctx.state.input.body;
      const model = await inspectModel(input.xml);
      const created = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) =>
        createProcessVersion(c, { xml: input.xml, changeReason: input.changeReason, forms: input.forms ?? {}, basedOnId: input.basedOnId }, model),
      );
      ctx.status = 201;
      ctx.body = { ...(await presentDetail(ctx, created.id)), warnings: model.warnings };
    },
  },
  {
    id: 'processVersions.read',
    method: 'get',
    path: '/process-versions/:id',
    summary: 'A version with its signatures, lint result and status history',
    tags: ['process versions'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { params: idParams },
    responses: { 200: { description: 'The version', schema: versionDetailSchema }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      ctx.body = await presentDetail(ctx, ctx.state.input.params.id);
    },
  },
  {
    id: 'processVersions.xml',
    method: 'get',
    path: '/process-versions/:id/xml',
    summary: 'The exact BPMN text of a version',
    tags: ['process versions'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { params: idParams },
    responses: { 200: { description: 'BPMN 2.0 XML', contentType: 'application/xml' }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      const version = await loadVersion(ctx, ctx.state.input.params.id);
      ctx.type = 'application/xml';
      ctx.set('ETag', `"${version.sha256}"`);
      ctx.body = version.xml;
    },
  },
  {
    id: 'processVersions.forms',
    method: 'get',
    path: '/process-versions/:id/forms',
    summary: 'The form-js schemas shipped with a version',
    tags: ['process versions'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { params: idParams },
    responses: { 200: { description: 'Forms by id', schema: z.record(z.string(), z.unknown()) }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      ctx.body = (await loadVersion(ctx, ctx.state.input.params.id)).forms;
    },
  },
  {
    id: 'processVersions.update',
    method: 'put',
    path: '/process-versions/:id',
    summary: 'Replace the content of a draft (with a reason)',
    tags: ['process versions'],
    auth: 'user',
    permission: ['update', 'ProcessVersion'],
    bodyLimit: MODEL_BODY_LIMIT,
    schema: { params: idParams, body: updateVersionBody },
    responses: { 200: { description: 'The draft', schema: versionDetailSchema }, ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const model = await inspectModel(body.xml);
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => updateDraft(c, params.id, body, model));
      ctx.body = { ...(await presentDetail(ctx, params.id)), warnings: model.warnings };
    },
  },
  {
    id: 'processVersions.submit',
    method: 'post',
    path: '/process-versions/:id/submit',
    summary: 'Submit a draft for review: lint and executability errors refuse it (422)',
    tags: ['process versions'],
    auth: 'user',
    permission: ['submit', 'ProcessVersion'],
    schema: { params: idParams },
    responses: { 200: { description: 'In review', schema: versionDetailSchema }, ...errorResponses(401, 403, 404, 409, 422) },
    async handler(ctx: AppContext) {
      const id = ctx.state.input.params.id;
      const draft = await loadVersion(ctx, id);
      const gate = await checkForSubmit(draft);
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => submitProcessVersion(c, id, gate));
      ctx.body = await presentDetail(ctx, id);
    },
  },
  signedTransition('processVersions.approve', 'approve', 'Approve a version under review (e-signature; never your own)', signatureBody, approveProcessVersion),
  signedTransition('processVersions.reject', 'reject', 'Reject a version under review (e-signature with a comment)', rejectBody, rejectProcessVersion),
  signedTransition(
    'processVersions.release',
    'release',
    'Release an approved version, or re-release a superseded one (rollback); the released one is superseded',
    signatureBody,
    releaseProcessVersion,
  ),
  {
    id: 'processVersions.retire',
    method: 'post',
    path: '/process-versions/:id/retire',
    summary: 'Retire a released or superseded version (no new instances)',
    tags: ['process versions'],
    auth: 'user',
    permission: ['retire', 'ProcessVersion'],
    schema: { params: idParams, body: reasonOnly },
    responses: { 200: { description: 'Retired', schema: versionDetailSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => retireProcessVersion(c, params.id, body));
      ctx.body = await presentDetail(ctx, params.id);
    },
  },
  {
    id: 'processVersions.diff',
    method: 'get',
    path: '/process-versions/:id/diff',
    summary: 'Semantic diff against another version: added, removed and changed elements',
    tags: ['process versions'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { params: idParams, query: diffQuery },
    responses: { 200: { description: 'The diff', schema: z.record(z.string(), z.unknown()) }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const version = await loadVersion(ctx, ctx.state.input.params.id);
      const other = await loadVersion(ctx, ctx.state.input.query.against);
      ctx.body = {
        from: { id: other.id, key: other.key, version: other.version, sha256: other.sha256 },
        to: { id: version.id, key: version.key, version: version.version, sha256: version.sha256 },
        ...(await diffVersions(other, version)),
      };
    },
  },
  {
    id: 'processVersions.record',
    method: 'get',
    path: '/process-versions/:id/record',
    summary: 'Export the whole record (XML, forms, signatures, lint, audit trail) as one JSON document; the export is audited',
    tags: ['process versions'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { params: idParams },
    responses: { 200: { description: 'The record', schema: z.record(z.string(), z.unknown()) }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      const id = ctx.state.input.params.id;
      await loadVersion(ctx, id);
      const record = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => exportProcessVersionRecord(c, id));
      ctx.set('Content-Disposition', `attachment; filename="${record.version.key}-v${record.version.version}.record.json"`);
      ctx.body = record;
    },
  },
]);
