import type { Knex } from 'knex';
import type { ProcessVersionRow, ProcessVersionStatus } from '../db/tables';

export type { ProcessVersionStatus };

export type ProcessVersion = {
  id: string;
  key: string;
  version: number;
  name: string | null;
  status: ProcessVersionStatus;
  sha256: string;
  changeReason: string;
  basedOnId: string | null;
  authors: string[];
  lint: unknown;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  submittedBy: string | null;
  submittedAt: Date | null;
  releasedAt: Date | null;
  supersededAt: Date | null;
  retiredAt: Date | null;
  rowVersion: number;
};

/** A version with its content: the BPMN text and the form-js schemas it ships. */
export type ProcessVersionWithContent = ProcessVersion & { xml: string; forms: Record<string, unknown> };

const SUMMARY_COLUMNS: string[] = [
  'id', 'key', 'version', 'name', 'status', 'sha256', 'change_reason', 'based_on_id', 'authors', 'lint', 'created_by', 'created_at',
  'updated_at', 'submitted_by', 'submitted_at', 'released_at', 'superseded_at', 'retired_at', 'row_version',
];

/** Serializes version numbering of one key across concurrent transactions and nodes. */
export async function lockKey(trx: Knex.Transaction, key: string): Promise<void> {
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('process-key:' || ?))`, [key]);
}

export async function nextVersionNumber(trx: Knex.Transaction, key: string): Promise<number> {
  const row = await trx('process_versions').where({ key }).max({ max: 'version' }).first();
  return Number(row?.max ?? 0) + 1;
}

export type NewProcessVersion = {
  key: string;
  version: number;
  name: string | null;
  xml: string;
  forms: Record<string, unknown>;
  sha256: string;
  changeReason: string;
  basedOnId: string | null;
  createdBy: string;
  now: Date;
};

export async function insertProcessVersion(trx: Knex.Transaction, v: NewProcessVersion): Promise<ProcessVersionWithContent> {
  const [row] = await trx('process_versions')
    .insert({
      key: v.key,
      version: v.version,
      name: v.name,
      status: 'draft',
      xml: v.xml,
      forms: JSON.stringify(v.forms) as never,
      sha256: v.sha256,
      change_reason: v.changeReason,
      based_on_id: v.basedOnId,
      authors: [v.createdBy],
      created_by: v.createdBy,
      created_at: v.now,
      updated_at: v.now,
    })
    .returning('*');
  return withContent(row as ProcessVersionRow);
}

export async function findProcessVersion(db: Knex | Knex.Transaction, id: string): Promise<ProcessVersionWithContent | undefined> {
  const row = await db('process_versions').where({ id }).first();
  return row ? withContent(row) : undefined;
}

export async function findProcessVersionForUpdate(trx: Knex.Transaction, id: string): Promise<ProcessVersionWithContent | undefined> {
  const row = await trx('process_versions').where({ id }).forUpdate().first();
  return row ? withContent(row) : undefined;
}

/** The released version of a key without its content (starting an instance needs only its identity). */
export async function findReleasedVersionSummary(db: Knex | Knex.Transaction, key: string): Promise<ProcessVersion | undefined> {
  const row = await db('process_versions').select(SUMMARY_COLUMNS).where({ key, status: 'released' }).first();
  return row ? fromRow(row as unknown as ProcessVersionRow) : undefined;
}

/** The released version of a key, if any. */
export async function findReleasedVersion(db: Knex | Knex.Transaction, key: string): Promise<ProcessVersionWithContent | undefined> {
  const row = await db('process_versions').where({ key, status: 'released' }).first();
  return row ? withContent(row) : undefined;
}

export type ProcessVersionPatch = Partial<{
  status: ProcessVersionStatus;
  xml: string;
  forms: Record<string, unknown>;
  sha256: string;
  name: string | null;
  changeReason: string;
  authors: string[];
  lint: unknown;
  submittedBy: string;
  submittedAt: Date;
  releasedAt: Date | null;
  supersededAt: Date | null;
  retiredAt: Date | null;
}>;

export async function updateProcessVersion(trx: Knex.Transaction, id: string, patch: ProcessVersionPatch, now: Date): Promise<ProcessVersionWithContent> {
  const columns: Record<string, unknown> = { updated_at: now, row_version: trx.raw('row_version + 1') };
  const map: Record<string, string> = {
    status: 'status', xml: 'xml', sha256: 'sha256', name: 'name', changeReason: 'change_reason', authors: 'authors', submittedBy: 'submitted_by',
    submittedAt: 'submitted_at', releasedAt: 'released_at', supersededAt: 'superseded_at', retiredAt: 'retired_at',
  };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === 'forms' || key === 'lint') columns[key] = JSON.stringify(value);
    else columns[map[key]] = value;
  }
  const [row] = await trx('process_versions').where({ id }).update(columns).returning('*');
  return withContent(row as ProcessVersionRow);
}

export type ProcessVersionFilter = { key?: string; status?: ProcessVersionStatus; limit: number; offset: number };

export async function listProcessVersions(db: Knex | Knex.Transaction, filter: ProcessVersionFilter): Promise<{ items: ProcessVersion[]; total: number }> {
  const where = (query: Knex.QueryBuilder) => {
    if (filter.key) query.where('key', filter.key);
    if (filter.status) query.where('status', filter.status);
    return query;
  };
  const rows = await where(db('process_versions').select(SUMMARY_COLUMNS)).orderBy('key').orderBy('version', 'desc').limit(filter.limit).offset(filter.offset);
  const [{ count }] = await where(db('process_versions').count({ count: '*' }));
  return { items: (rows as ProcessVersionRow[]).map(fromRow), total: Number(count) };
}

/** Every key with its latest version and its released version (if any). */
export async function listProcessKeys(db: Knex | Knex.Transaction): Promise<Array<{ key: string; name: string | null; latest: ProcessVersion; released: ProcessVersion | null }>> {
  const rows = (await db('process_versions').select(SUMMARY_COLUMNS).orderBy('key').orderBy('version', 'desc')) as unknown as ProcessVersionRow[];
  const byKey = new Map<string, { key: string; name: string | null; latest: ProcessVersion; released: ProcessVersion | null }>();
  for (const row of rows) {
    const version = fromRow(row);
    const entry = byKey.get(row.key) ?? { key: row.key, name: row.name, latest: version, released: null };
    if (row.status === 'released') entry.released = version;
    byKey.set(row.key, entry);
  }
  return [...byKey.values()].map((entry) => ({ ...entry, name: entry.released?.name ?? entry.latest.name }));
}

function fromRow(row: ProcessVersionRow): ProcessVersion {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    name: row.name,
    status: row.status,
    sha256: row.sha256,
    changeReason: row.change_reason,
    basedOnId: row.based_on_id,
    authors: row.authors,
    lint: row.lint ?? null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    submittedBy: row.submitted_by,
    submittedAt: row.submitted_at,
    releasedAt: row.released_at,
    supersededAt: row.superseded_at,
    retiredAt: row.retired_at,
    rowVersion: row.row_version,
  };
}

function withContent(row: ProcessVersionRow): ProcessVersionWithContent {
  return { ...fromRow(row), xml: row.xml, forms: row.forms ?? {} };
}
