import { signedInUser } from './factories';
import type { TestApp } from './test-app';

type Signed = Awaited<ReturnType<typeof signedInUser>>;

/** A process owner and a validation reviewer, signed in, for releasing versions in tests. */
export async function versionSigners(app: TestApp): Promise<{ owner: Signed; reviewer: Signed }> {
  return { owner: await signedInUser(app, ['process_owner']), reviewer: await signedInUser(app, ['validation_reviewer']) };
}

/**
 * Releases a model through the controlled path (draft → submit → approve → release), as a plant
 * would: returns the released version.
 */
export async function deployReleased(app: TestApp, xml: string, options: { forms?: Record<string, unknown>; signers?: { owner: Signed; reviewer: Signed } } = {}) {
  const { owner, reviewer } = options.signers ?? (await versionSigners(app));
  const draft = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml, changeReason: 'test deployment', ...(options.forms ? { forms: options.forms } : {}) });
  if (draft.status !== 201) throw new Error(`draft refused: ${draft.status} ${JSON.stringify(draft.body)}`);
  const submit = await app.http.post(`/api/v1/process-versions/${draft.body.id}/submit`).set(owner.auth).send({});
  if (submit.status !== 200) throw new Error(`submit refused: ${submit.status} ${JSON.stringify(submit.body)}`);
  const approve = await app.http.post(`/api/v1/process-versions/${draft.body.id}/approve`).set(reviewer.auth).send({ password: reviewer.user.password, meaning: 'approved' });
  if (approve.status !== 200) throw new Error(`approval refused: ${approve.status} ${JSON.stringify(approve.body)}`);
  const release = await app.http.post(`/api/v1/process-versions/${draft.body.id}/release`).set(owner.auth).send({ password: owner.user.password, meaning: 'released' });
  if (release.status !== 200) throw new Error(`release refused: ${release.status} ${JSON.stringify(release.body)}`);
  return release.body as { id: string; key: string; version: number; sha256: string };
}

/** Moves the controlled clock and waits until every job due by then has run. */
export async function advanceClock(app: TestApp, admin: Signed, ms: number) {
  const response = await app.http.post('/api/v1/admin/clock').set(admin.auth).send({ advanceMs: ms });
  if (response.status !== 200) throw new Error(`clock refused: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { now: string; jobsRun: number };
}
