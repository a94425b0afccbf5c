import type { UserActor } from '../auth/actor';
import { createProcessVersion } from '../commands/process-versions/create-process-version';
import { checkForSubmit, inspectModel } from '../commands/process-versions/model-gate';
import { releaseProcessVersion } from '../commands/process-versions/release-process-version';
import { approveProcessVersion, submitProcessVersion } from '../commands/process-versions/review-process-version';
import { runCommand, type CommandDeps } from '../commands/run-command';
import { withSignature } from '../commands/sign-record';
import type { Config } from '../config';
import { findProcessVersion, listProcessVersions, type ProcessVersion } from '../repos/process-versions.repo';
import { loadLibraryProcess, type StandardProcessKey } from './standard-library';

/** Who releases the library: a process owner authors and releases, a validation reviewer approves. */
export type LibrarySigners = { owner: UserActor; reviewer: UserActor; ownerPassword: string; reviewerPassword: string };

const CHANGE_REASON = 'Standard process library (processes/), first release';

/**
 * Takes a library process through the controlled path (draft → submit gate → signed approval →
 * signed release, W02) unless a version of its key is already released. Resumes a version left
 * half-way (draft, in review, approved) by an interrupted run, so it can be called again safely.
 * @throws the commands' errors (a gate failure, a wrong password).
 */
export async function releaseLibraryProcess(deps: CommandDeps & { config: Config }, key: StandardProcessKey, signers: LibrarySigners): Promise<ProcessVersion> {
  const existing = (await listProcessVersions(deps.db, { key, limit: 200, offset: 0 })).items;
  const released = existing.find((v) => v.status === 'released');
  if (released) return released;
  let version = existing.find((v) => v.status === 'draft' || v.status === 'in_review' || v.status === 'approved');
  const owner = { ...signers.owner };
  if (!version) {
    const library = loadLibraryProcess(key);
    const model = await inspectModel(library.xml);
    version = await runCommand(deps, owner, { requestId: `seed:${key}` }, (ctx) => createProcessVersion(ctx, { xml: library.xml, changeReason: CHANGE_REASON, forms: library.forms }, model));
  }
  const id = version.id;
  if (version.status === 'draft') {
    const gate = await checkForSubmit((await findProcessVersion(deps.db, id))!);
    version = await runCommand(deps, owner, { requestId: `seed:${key}` }, (ctx) => submitProcessVersion(ctx, id, gate));
  }
  if (version.status === 'in_review') {
    const signature = { meaning: 'approved', comment: 'Library version reviewed: submit gate clean, feature tests of processes/ pass' };
    version = (
      await withSignature(deps, signers.reviewer, { requestId: `seed:${key}` }, { ...signature, password: signers.reviewerPassword }, (ctx) =>
        approveProcessVersion({ ...ctx, actor: signers.reviewer }, id, signature),
      )
    ).version;
  }
  if (version.status === 'approved') {
    const signature = { meaning: 'released', comment: 'Released as version 1 of the standard library' };
    version = (
      await withSignature(deps, owner, { requestId: `seed:${key}` }, { ...signature, password: signers.ownerPassword }, (ctx) => releaseProcessVersion({ ...ctx, actor: owner }, id, signature))
    ).version;
  }
  return version;
}
