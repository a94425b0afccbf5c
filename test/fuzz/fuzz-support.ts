import fc from 'fast-check';
import type { Knex } from 'knex';
import type { Response } from 'supertest';
import type { Role } from '../../server/auth/roles';
import { signedInUser } from '../support/factories';
import type { TestApp } from '../support/test-app';

// What the fuzz properties share: a snapshot of everything a refused request must leave alone,
// and the check of a refusal's answer.

/** Row counts of every table, and the head of the audit chain. */
export type Snapshot = { counts: Record<string, number>; auditSeq: number; auditHash: string | null };

/**
 * Audit entries a refused request may add by design: failed sign-ins, password changes and signatures are
 * security events that must be recorded (21 CFR 11.300(d)), and enough of them lock the account.
 */
export const RECORDED_REFUSALS = new Set(['user.loginFailed', 'user.passwordChangeFailed', 'signature.failed', 'user.locked']);

/** Counts every table in one statement (the fuzzers take one snapshot per request). */
export async function snapshotter(db: Knex): Promise<() => Promise<Snapshot>> {
  const tables = ((await db('information_schema.tables').where({ table_schema: 'public', table_type: 'BASE TABLE' }).pluck('table_name')) as string[])
    .filter((name) => !name.startsWith('knex_'))
    .sort();
  const sql = `SELECT ${tables.map((name) => `(SELECT count(*) FROM "${name}")::int AS "${name}"`).join(', ')}`;
  return async () => {
    const counts = (await db.raw(sql)).rows[0] as Record<string, number>;
    const head = await db('audit_events').orderBy('seq', 'desc').first('seq', 'hash');
    return { counts, auditSeq: Number(head?.seq ?? 0), auditHash: head?.hash ?? null };
  };
}

/**
 * What changed between two snapshots, leaving out the audit entries of RECORDED_REFUSALS (and
 * the audit_events count they make); empty when nothing did.
 */
export async function changesBetween(db: Knex, before: Snapshot, after: Snapshot): Promise<string[]> {
  const added = (await db('audit_events').where('seq', '>', before.auditSeq).pluck('action')) as string[];
  const unexpected = added.filter((action) => !RECORDED_REFUSALS.has(action));
  const changes = unexpected.map((action) => `audit entry ${action}`);
  for (const [table, n] of Object.entries(after.counts)) {
    const expected = table === 'audit_events' ? before.counts[table] + (added.length - unexpected.length) : before.counts[table];
    if (n !== expected) changes.push(`${table}: ${before.counts[table]} → ${n}`);
  }
  return changes;
}

/** A refusal must be a problem+json whose status and code say what went wrong. */
export function problemFaults(response: Response): string[] {
  const faults: string[] = [];
  if (!String(response.headers['content-type'] ?? '').startsWith('application/problem+json')) faults.push(`content-type ${response.headers['content-type']}`);
  const body = response.body as { status?: number; code?: string; title?: string };
  if (body?.status !== response.status) faults.push(`problem status ${body?.status}`);
  if (typeof body?.code !== 'string' || !body.code) faults.push('problem without a code');
  if (typeof body?.title !== 'string' || !body.title) faults.push('problem without a title');
  return faults;
}

/** Signed-in people of each role; `refresh` replaces one whose session a request ended. */
export class Credentials {
  private readonly tokens = new Map<Role, string>();

  constructor(private readonly app: TestApp) {}

  async signIn(roles: Role[]): Promise<void> {
    for (const role of roles) this.tokens.set(role, (await signedInUser(this.app, [role])).token);
  }

  header(role: Role): Record<string, string> {
    return { Authorization: `Bearer ${this.tokens.get(role)}` };
  }

  /** Signs a new person in when the role's session no longer works (logged out, locked, expired). */
  async refresh(role: Role): Promise<void> {
    const me = await this.app.http.get('/api/v1/me').set(this.header(role));
    if (me.status !== 200) await this.signIn([role]);
  }
}

/** Strings that have upset parsers before: NUL, lone surrogates, huge numbers, SQL and path tricks. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '9'.repeat(40),
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  "' OR 1=1 --",
  '../../etc/passwd',
  '%00',
  '<x/>',
  '{"a":1}',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(5_000),
  '2026-02-30T25:61:00Z',
  '${process.env}',
  '__proto__',
  'constructor',
];

/** Any JSON-ish value, nasty strings included. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 2)) },
);
