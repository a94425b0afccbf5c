import type { Knex } from 'knex';
import type { SessionRow, UserRow } from '../db/tables';

export type Session = {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  ip: string | null;
  station: string | null;
};

export type NewSession = {
  tokenHash: string;
  userId: string;
  now: Date;
  expiresAt: Date;
  ip?: string;
  userAgent?: string;
  station?: string;
};

export async function insertSession(trx: Knex.Transaction, session: NewSession): Promise<Session> {
  const [row] = await trx('sessions')
    .insert({
      token_hash: session.tokenHash,
      user_id: session.userId,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: session.expiresAt,
      ip: session.ip ?? null,
      user_agent: session.userAgent ?? null,
      station: session.station ?? null,
    })
    .returning('*');
  return fromRow(row as SessionRow);
}

/** A session found by its token's hash, with the columns of its user needed to authenticate. */
export type SessionWithUser = Session & {
  user: Pick<UserRow, 'id' | 'username' | 'printed_name' | 'roles' | 'status' | 'locked_at' | 'password_must_change'>;
};

export async function findSessionByTokenHash(db: Knex | Knex.Transaction, tokenHash: string): Promise<SessionWithUser | undefined> {
  const row = await db('sessions')
    .join('users', 'users.id', 'sessions.user_id')
    .where('sessions.token_hash', tokenHash)
    .select(
      'sessions.*',
      'users.username',
      'users.printed_name',
      'users.roles',
      'users.status',
      'users.locked_at',
      'users.password_must_change',
    )
    .first();
  if (!row) return undefined;
  return {
    ...fromRow(row),
    user: {
      id: row.user_id,
      username: row.username,
      printed_name: row.printed_name,
      roles: row.roles,
      status: row.status,
      locked_at: row.locked_at,
      password_must_change: row.password_must_change,
    },
  };
}

export async function touchSession(db: Knex | Knex.Transaction, id: string, now: Date): Promise<void> {
  await db('sessions').where({ id }).whereNull('ended_at').update({ last_seen_at: now });
}

/** Ends a session; returns false when it had already ended. */
export async function endSession(trx: Knex.Transaction, id: string, reason: string, now: Date): Promise<boolean> {
  const count = await trx('sessions').where({ id }).whereNull('ended_at').update({ ended_at: now, end_reason: reason });
  return count > 0;
}

/** Ends every open session of a user (deactivation, lock, password reset); returns their ids. */
export async function endSessionsOfUser(trx: Knex.Transaction, userId: string, reason: string, now: Date): Promise<string[]> {
  const rows = await trx('sessions')
    .where({ user_id: userId })
    .whereNull('ended_at')
    .update({ ended_at: now, end_reason: reason })
    .returning('id');
  return rows.map((row: { id: string }) => row.id);
}

function fromRow(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    ip: row.ip,
    station: row.station,
  };
}
