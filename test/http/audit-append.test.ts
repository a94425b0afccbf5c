import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { computeAuditHash } from '../../server/events/audit-chain';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let adminAuth: Record<string, string>;
beforeAll(async () => {
  app = await startTestApp();
  adminAuth = (await signedInUser(app, ['admin'])).auth;
});
afterAll(async () => {
  await app.close();
});

const verify = async () => {
  const response = await app.http.get('/api/v1/audit/verify').set(adminAuth);
  expect(response.status).toBe(200);
  return response.body as { ok: boolean; checked: number; lastSeq: number; firstBrokenSeq: number | null };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('appending to the audit chain (one statement: gemba_audit_append)', () => {
  it('keeps the chain valid and gapless when many transactions append at once', async () => {
    // given
    const before = await verify();
    expect(before.ok).toBe(true);
    const entityType = `AppendTest${Date.now()}`;
    const commands = Array.from({ length: 20 }, (_, index) => ({ id: `batch-${index}`, entries: (index % 3) + 1, waitMs: (index * 7) % 13 }));

    // when 20 commands run in parallel, each holding its transaction open a little before appending 1–3 entries
    await Promise.all(
      commands.map(({ id, entries, waitMs }) =>
        runCommand(app.deps, systemActor('test'), { requestId: `req-${id}` }, async (ctx) => {
          await ctx.trx.raw('SELECT 1');
          await sleep(waitMs);
          for (let n = 0; n < entries; n++) {
            ctx.emit({
              type: 'appendTest.recorded',
              entity: { type: entityType, id },
              before: n === 0 ? null : { n: n - 1 },
              after: { n, label: 'Zoë 😀 “quoted”', nested: { list: [1, 2.5, null, { deep: true }] } },
              reason: n === 2 ? undefined : `entry ${n} of ${id}`,
              context: { command: id },
            });
          }
        }),
      ),
    );

    // then
    const total = commands.reduce((sum, command) => sum + command.entries, 0);
    const after = await verify();
    expect(after).toMatchObject({ ok: true, firstBrokenSeq: null });
    expect(after.checked).toBe(before.checked + total);
    expect(after.lastSeq).toBe(after.checked);
    expect(Number((await app.deps.db('audit_events').count({ n: '*' }))[0].n)).toBe(after.checked);
    const rows = await app.deps.db('audit_events').where({ entity_type: entityType }).orderBy('seq').select('seq', 'entity_id');
    expect(rows).toHaveLength(total);
    const seqs = rows.map((row) => Number(row.seq));
    expect(seqs[seqs.length - 1] - seqs[0]).toBe(total - 1);
    for (const { id, entries } of commands) {
      // each command's entries are consecutive: no other transaction appended in between
      const own = rows.filter((row) => row.entity_id === id).map((row) => Number(row.seq));
      expect(own).toHaveLength(entries);
      expect(own[own.length - 1] - own[0]).toBe(entries - 1);
    }
  });

  it('stores the row as given: JSON columns as JSON, absent or null ones as SQL NULL, the time to the millisecond', async () => {
    // when
    await runCommand(app.deps, systemActor('test'), {}, async (ctx) => {
      ctx.emit({ type: 'appendTest.stored', entity: { type: 'AppendStore', id: 'null-fields' }, before: null });
      ctx.emit({
        type: 'appendTest.stored',
        entity: { type: 'AppendStore', id: 'json-fields' },
        before: ['operator'],
        after: { name: 'Ångström', roles: ['operator', 'inspector'], count: 3, ratio: 0.1, empty: {} },
        reason: 'because',
      });
    });

    // then
    const rows = await app.deps
      .db('audit_events')
      .where({ entity_type: 'AppendStore' })
      .orderBy('seq')
      .select(
        'entity_id',
        'occurred_at',
        'after',
        'reason',
        'context',
        app.deps.db.raw('before IS NULL AS before_is_null, after IS NULL AS after_is_null, jsonb_typeof(before) AS before_type'),
      );
    expect(rows[0]).toMatchObject({ entity_id: 'null-fields', before_is_null: true, after_is_null: true, reason: null, context: null });
    expect(rows[1]).toMatchObject({
      entity_id: 'json-fields',
      before_type: 'array',
      after: { name: 'Ångström', roles: ['operator', 'inspector'], count: 3, ratio: 0.1, empty: {} },
      reason: 'because',
    });
    const published = app.published.find((event) => event.entity.type === 'AppendStore')!;
    expect(new Date(rows[1].occurred_at).toISOString()).toBe(published.occurredAt.toISOString());
    expect((await verify()).ok).toBe(true);
  });

  it('continues a chain whose entries were hashed by the application before this function existed', async () => {
    // given an entry written the old way: head read, hash computed in JS, plain INSERT
    const head = (await app.deps.db('audit_events').orderBy('seq', 'desc').first('seq', 'hash'))!;
    const legacy = {
      seq: Number(head.seq) + 1,
      occurredAt: new Date('2026-11-30T08:15:00.250Z'),
      actorType: 'user' as const,
      actorId: 'u-legacy',
      actorName: 'legacy',
      printedName: 'Léa Legacy',
      action: 'appendTest.legacy',
      entityType: 'AppendLegacy',
      entityId: 'l1',
      before: null,
      after: { ok: true, 'ключ': ['ü', 2] },
      reason: 'written by the old code path',
      requestId: null,
      context: { ip: '127.0.0.1' },
    };
    await app.deps.db('audit_events').insert({
      seq: legacy.seq,
      occurred_at: legacy.occurredAt,
      actor_type: legacy.actorType,
      actor_id: legacy.actorId,
      actor_name: legacy.actorName,
      printed_name: legacy.printedName,
      action: legacy.action,
      entity_type: legacy.entityType,
      entity_id: legacy.entityId,
      before: null,
      after: JSON.stringify(legacy.after),
      reason: legacy.reason,
      request_id: legacy.requestId,
      context: JSON.stringify(legacy.context) as unknown as Record<string, unknown>,
      prev_hash: head.hash,
      hash: computeAuditHash(head.hash, legacy),
    });

    // when
    await runCommand(app.deps, systemActor('test'), {}, async (ctx) => {
      ctx.emit({ type: 'appendTest.after', entity: { type: 'AppendLegacy', id: 'l2' }, after: { n: 1 } });
    });

    // then
    const next = (await app.deps.db('audit_events').where({ seq: legacy.seq + 1 }).first())!;
    expect(next).toMatchObject({ entity_id: 'l2', prev_hash: computeAuditHash(head.hash, legacy) });
    expect(await verify()).toMatchObject({ ok: true, lastSeq: legacy.seq + 1 });
  });
});
