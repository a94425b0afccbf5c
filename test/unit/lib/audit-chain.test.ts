import { auditCanonicalPrefix, computeAuditHash, GENESIS_HASH, type AuditEntryContent } from '../../../server/events/audit-chain';
import { canonicalJson } from '../../../server/lib/canonical-json';
import { sha256Hex } from '../../../server/lib/hash';

const entry: AuditEntryContent = {
  seq: 1,
  occurredAt: new Date('2026-11-22T10:00:00.000Z'),
  actorType: 'user',
  actorId: 'u1',
  actorName: 'owner',
  printedName: 'Olivia Owens',
  action: 'user.updated',
  entityType: 'User',
  entityId: 'u2',
  before: { roles: ['operator'], name: 'A' },
  after: { name: 'B', roles: ['operator', 'inspector'] },
  reason: 'qualified',
  requestId: 'r1',
  context: { ip: '127.0.0.1' },
};

describe('audit hash chain', () => {
  it('is a SHA-256 hex digest that depends on the previous hash', () => {
    const first = computeAuditHash(GENESIS_HASH, entry);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(computeAuditHash(first, { ...entry, seq: 2 })).not.toBe(computeAuditHash(GENESIS_HASH, { ...entry, seq: 2 }));
  });

  it('does not depend on key order (canonical JSON, as jsonb returns keys in its own order)', () => {
    const reordered = { ...entry, before: { name: 'A', roles: ['operator'] }, after: { roles: ['operator', 'inspector'], name: 'B' } };
    expect(computeAuditHash(GENESIS_HASH, reordered)).toBe(computeAuditHash(GENESIS_HASH, entry));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it.each([
    ['reason', { reason: 'other' }],
    ['time', { occurredAt: new Date('2026-11-22T10:00:00.001Z') }],
    ['actor', { actorId: 'u9' }],
    ['printed name', { printedName: 'Mallory' }],
    ['after', { after: { name: 'C', roles: [] } }],
    ['sequence', { seq: 2 }],
  ])('changes when the %s changes', (_field, change) => {
    expect(computeAuditHash(GENESIS_HASH, { ...entry, ...change })).not.toBe(computeAuditHash(GENESIS_HASH, entry));
  });

  describe('canonical prefix (the database appends `,"seq":<n>}` and hashes there)', () => {
    const { seq: _seq, ...withoutSeq } = entry;
    const cases: Array<[string, Omit<AuditEntryContent, 'seq'>]> = [
      ['a plain entry', withoutSeq],
      [
        'unicode, escapes and nested objects',
        {
          ...withoutSeq,
          printedName: 'Zoë Ångström 测试 😀',
          reason: 'line\nbreak, "quoted", tab\t, back\\slash, \u2028',
          before: { z: { y: [1, 2.5, { x: 'ü' }], a: true }, 'ключ': 'значение' },
          after: [{ b: 1, a: [null, { d: {}, c: [] }] }],
          context: { station: 'Hall €3', nested: { deeper: { deepest: '🚀' } } },
        },
      ],
      [
        'null fields',
        {
          ...withoutSeq,
          actorType: 'system',
          actorId: null,
          actorName: null,
          printedName: null,
          before: null,
          after: undefined,
          reason: null,
          requestId: null,
          context: null,
        },
      ],
    ];

    it.each(cases)('completed with seq, is the canonical JSON computeAuditHash hashes: %s', (_name, content) => {
      for (const seq of [1, 42, 9_007_199_254]) {
        const full = { ...content, seq };
        const completed = `${auditCanonicalPrefix(content)},"seq":${seq}}`;
        expect(completed).toBe(
          canonicalJson({
            seq,
            occurredAt: content.occurredAt.toISOString(),
            actorType: content.actorType,
            actorId: content.actorId,
            actorName: content.actorName,
            printedName: content.printedName,
            action: content.action,
            entityType: content.entityType,
            entityId: content.entityId,
            before: content.before ?? null,
            after: content.after ?? null,
            reason: content.reason,
            requestId: content.requestId,
            context: content.context,
          }),
        );
        expect(sha256Hex(`${GENESIS_HASH}\n${completed}`)).toBe(computeAuditHash(GENESIS_HASH, full));
        expect(JSON.parse(completed)).toEqual({ ...JSON.parse(`${auditCanonicalPrefix(content)}}`), seq });
      }
    });

    it('relies on seq sorting after every other hashed key', () => {
      const keys = Object.keys(JSON.parse(canonicalJson({ ...entry, occurredAt: entry.occurredAt.toISOString() })) as object);
      expect(keys[keys.length - 1]).toBe('seq');
    });
  });
});
