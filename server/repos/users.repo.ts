import type { Knex } from 'knex';
import type { Role } from '../auth/roles';
import type { UserRow } from '../db/tables';
import { ConflictError } from '../errors/app-error';
import { isUniqueViolation } from './pg-errors';

export type User = {
  id: string;
  username: string;
  printedName: string;
  email: string | null;
  roles: Role[];
  status: 'active' | 'deactivated';
  passwordMustChange: boolean;
  passwordChangedAt: Date | null;
  failedLoginCount: number;
  failedSignatureCount: number;
  lockedAt: Date | null;
  lockedReason: string | null;
  deactivatedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  rowVersion: number;
};

/** A user with the stored password hash, for the few places that check credentials. */
export type UserWithSecret = User & { passwordHash: string };

export type NewUser = {
  username: string;
  printedName: string;
  email?: string | null;
  roles: Role[];
  passwordHash: string;
  passwordMustChange: boolean;
  createdBy: string;
  now: Date;
};

/** @throws ConflictError when the user name is taken (case-insensitively). */
export async function insertUser(trx: Knex.Transaction, user: NewUser): Promise<User> {
  try {
    const [row] = await trx('users')
      .insert({
        username: user.username,
        printed_name: user.printedName,
        email: user.email ?? null,
        roles: user.roles,
        password_hash: user.passwordHash,
        password_must_change: user.passwordMustChange,
        password_changed_at: user.now,
        created_by: user.createdBy,
        created_at: user.now,
        updated_at: user.now,
      })
      .returning('*');
    return fromRow(row as UserRow);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`The user name "${user.username}" is taken`);
    throw error;
  }
}

export async function findUserById(db: Knex | Knex.Transaction, id: string): Promise<User | undefined> {
  const row = await db('users').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

/** Locks the user row for the rest of the transaction (counters, status changes). */
export async function findUserByIdForUpdate(trx: Knex.Transaction, id: string): Promise<UserWithSecret | undefined> {
  const row = await trx('users').where({ id }).forUpdate().first();
  return row ? withSecret(row) : undefined;
}

/** A user with the password hash, read without a lock (credential checks run outside transactions). */
export async function findUserByUsername(db: Knex | Knex.Transaction, username: string): Promise<UserWithSecret | undefined> {
  const row = await db('users').whereRaw('lower(username) = lower(?)', [username]).first();
  return row ? withSecret(row) : undefined;
}

export async function findUserByUsernameForUpdate(trx: Knex.Transaction, username: string): Promise<UserWithSecret | undefined> {
  const row = await trx('users').whereRaw('lower(username) = lower(?)', [username]).forUpdate().first();
  return row ? withSecret(row) : undefined;
}

export type UserPatch = Partial<{
  printedName: string;
  email: string | null;
  roles: Role[];
  status: 'active' | 'deactivated';
  passwordHash: string;
  passwordMustChange: boolean;
  passwordChangedAt: Date;
  failedLoginCount: number;
  failedSignatureCount: number;
  lockedAt: Date | null;
  lockedReason: string | null;
  deactivatedAt: Date | null;
}>;

const columnOf: Record<keyof UserPatch, keyof UserRow> = {
  printedName: 'printed_name',
  email: 'email',
  roles: 'roles',
  status: 'status',
  passwordHash: 'password_hash',
  passwordMustChange: 'password_must_change',
  passwordChangedAt: 'password_changed_at',
  failedLoginCount: 'failed_login_count',
  failedSignatureCount: 'failed_signature_count',
  lockedAt: 'locked_at',
  lockedReason: 'locked_reason',
  deactivatedAt: 'deactivated_at',
};

export async function updateUser(trx: Knex.Transaction, id: string, patch: UserPatch, now: Date): Promise<User> {
  const changes: Record<string, unknown> = { updated_at: now, row_version: trx.raw('row_version + 1') };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) changes[columnOf[key as keyof UserPatch]] = value;
  }
  const [row] = await trx('users').where({ id }).update(changes).returning('*');
  return fromRow(row as UserRow);
}

export type UserFilter = { status?: 'active' | 'deactivated'; role?: Role; limit: number; offset: number };

export async function listUsers(db: Knex | Knex.Transaction, filter: UserFilter): Promise<{ items: User[]; total: number }> {
  const where = (query: Knex.QueryBuilder) => {
    if (filter.status) query.where('status', filter.status);
    if (filter.role) query.whereRaw('? = ANY(roles)', [filter.role]);
    return query;
  };
  const rows = await where(db('users').select('*')).orderBy('username').limit(filter.limit).offset(filter.offset);
  const [{ count }] = await where(db('users').count({ count: '*' }));
  return { items: (rows as UserRow[]).map(fromRow), total: Number(count) };
}

/** Active users holding a role, for notifications and candidate lists. */
export async function findActiveUsersWithRole(db: Knex | Knex.Transaction, role: Role): Promise<User[]> {
  const rows = await db('users').where('status', 'active').whereRaw('? = ANY(roles)', [role]).orderBy('username');
  return (rows as UserRow[]).map(fromRow);
}

function fromRow(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    printedName: row.printed_name,
    email: row.email,
    roles: row.roles as Role[],
    status: row.status,
    passwordMustChange: row.password_must_change,
    passwordChangedAt: row.password_changed_at,
    failedLoginCount: row.failed_login_count,
    failedSignatureCount: row.failed_signature_count,
    lockedAt: row.locked_at,
    lockedReason: row.locked_reason,
    deactivatedAt: row.deactivated_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    rowVersion: row.row_version,
  };
}

function withSecret(row: UserRow): UserWithSecret {
  return { ...fromRow(row), passwordHash: row.password_hash };
}
