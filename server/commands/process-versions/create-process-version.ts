import { ConflictError, NotFoundError, UnprocessableError } from '../../errors/app-error';
import {
  findProcessVersionForUpdate,
  insertProcessVersion,
  lockKey,
  nextVersionNumber,
  updateProcessVersion,
  type ProcessVersionWithContent,
} from '../../repos/process-versions.repo';
import type { CommandContext } from '../run-command';
import { contentHash } from './content-hash';

/** What parsing found out about a model before the transaction (parsing is slow; it runs outside). */
export type ModelSummary = { key: string; name: string | null };

export type DraftInput = { xml: string; changeReason: string; forms: Record<string, unknown>; basedOnId?: string };

const actorId = (ctx: CommandContext) => (ctx.actor.kind === 'user' || ctx.actor.kind === 'service' || ctx.actor.kind === 'system' ? ctx.actor.id : 'anonymous');

/** The audited view of a version: identity and content hash, never the XML itself. */
export function versionAuditView(v: ProcessVersionWithContent) {
  return { key: v.key, version: v.version, status: v.status, sha256: v.sha256, name: v.name, changeReason: v.changeReason, forms: Object.keys(v.forms) };
}

/**
 * Stores a new draft of the model's key with the next version number (W01). The exact text is
 * kept with its content hash.
 * @throws NotFoundError when basedOnId names no version; UnprocessableError when it is another key's.
 */
export async function createProcessVersion(ctx: CommandContext, input: DraftInput, model: ModelSummary): Promise<ProcessVersionWithContent> {
  if (input.basedOnId) {
    const base = await findProcessVersionForUpdate(ctx.trx, input.basedOnId);
    if (!base) throw new NotFoundError(`No process version ${input.basedOnId} to base the draft on`);
    if (base.key !== model.key) {
      throw new UnprocessableError(`The model's executable process is "${model.key}", but version ${input.basedOnId} is of "${base.key}"`);
    }
  }
  await lockKey(ctx.trx, model.key);
  const created = await insertProcessVersion(ctx.trx, {
    key: model.key,
    version: await nextVersionNumber(ctx.trx, model.key),
    name: model.name,
    xml: input.xml,
    forms: input.forms,
    sha256: contentHash(input.xml, input.forms),
    changeReason: input.changeReason,
    basedOnId: input.basedOnId ?? null,
    createdBy: actorId(ctx),
    now: ctx.now,
  });
  ctx.emit({
    type: 'processVersion.created',
    entity: { type: 'ProcessVersion', id: created.id },
    after: versionAuditView(created),
    reason: input.changeReason,
    audience: { roles: ['process_owner', 'validation_reviewer'] },
    payload: { id: created.id, key: created.key, version: created.version, status: created.status },
  });
  return created;
}

/**
 * Replaces the content of a draft (W01: only drafts change). Every edit is audited with the old
 * and new content hash and the reason; the editor joins the version's authors (C10).
 * @throws NotFoundError, ConflictError (not a draft), UnprocessableError (the model is of another key).
 */
export async function updateDraft(
  ctx: CommandContext,
  id: string,
  input: { xml: string; changeReason: string; forms?: Record<string, unknown> },
  model: ModelSummary,
): Promise<ProcessVersionWithContent> {
  const before = await findProcessVersionForUpdate(ctx.trx, id);
  if (!before) throw new NotFoundError(`No process version ${id}`);
  if (before.status !== 'draft') throw new ConflictError(`Version ${before.version} of ${before.key} is ${before.status}; only drafts can be edited`);
  if (model.key !== before.key) {
    throw new UnprocessableError(`The draft is of "${before.key}"; the new model's executable process is "${model.key}". Create a new version for another key.`);
  }
  const forms = input.forms ?? before.forms;
  const editor = actorId(ctx);
  const after = await updateProcessVersion(
    ctx.trx,
    id,
    {
      xml: input.xml,
      forms,
      sha256: contentHash(input.xml, forms),
      name: model.name,
      changeReason: input.changeReason,
      authors: before.authors.includes(editor) ? before.authors : [...before.authors, editor],
    },
    ctx.now,
  );
  ctx.emit({
    type: 'processVersion.edited',
    entity: { type: 'ProcessVersion', id },
    before: versionAuditView(before),
    after: versionAuditView(after),
    reason: input.changeReason,
  });
  return after;
}
