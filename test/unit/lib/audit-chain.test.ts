import { computeAuditHash, GENESIS_HASH, type AuditEntryContent } from '../../../server/events/audit-chain';
import { canonicalJson } from '../../../server/lib/canonical-json';

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
});
