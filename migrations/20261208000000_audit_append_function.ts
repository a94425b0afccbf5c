import type { Knex } from 'knex';

// Appending to the audit hash chain in one statement. Every command's transaction ends with this
// append, under one cluster-wide advisory lock; done from the application it took three round
// trips (lock, read the head, insert) while holding the lock, each also waiting for the Node
// event loop, so every transaction queued behind them. In this function the lock is held only
// for the statement itself and until the COMMIT that follows it, sent as soon as the result is back.
//
// The application passes each entry with its canonical JSON minus the closing `,"seq":<n>}`
// (seq sorts last among the hashed keys), so the hash is the one the application would compute:
// sha256_hex(prev_hash || '\n' || canonical_prefix || ',"seq":' || seq || '}').
//
// It must be plpgsql and VOLATILE: in READ COMMITTED each statement of such a function takes a
// new snapshot, so the head is read after the lock is granted and sees the entries committed by
// the previous holder. A single SQL statement (e.g. a CTE) would read with a snapshot taken
// before it waited for the lock.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION gemba_audit_append(entries jsonb)
    RETURNS TABLE (entry_seq bigint, entry_prev_hash text, entry_hash text)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      entry jsonb;
      head_seq bigint;
      head_hash text;
    BEGIN
      PERFORM pg_advisory_xact_lock(4711000001);
      SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
      head_seq := coalesce(head_seq, 0);
      head_hash := coalesce(head_hash, repeat('0', 64));
      FOR i IN 0 .. jsonb_array_length(entries) - 1 LOOP
        entry := entries -> i;
        entry_seq := head_seq + 1;
        entry_prev_hash := head_hash;
        entry_hash := encode(sha256(convert_to(
          entry_prev_hash || E'\\n' || (entry ->> 'canonical_prefix') || ',"seq":' || entry_seq::text || '}', 'UTF8')), 'hex');
        INSERT INTO audit_events (seq, occurred_at, actor_type, actor_id, actor_name, printed_name, action,
          entity_type, entity_id, before, after, reason, request_id, context, prev_hash, hash)
        VALUES (entry_seq, (entry ->> 'occurred_at')::timestamptz, entry ->> 'actor_type', entry ->> 'actor_id',
          entry ->> 'actor_name', entry ->> 'printed_name', entry ->> 'action', entry ->> 'entity_type',
          entry ->> 'entity_id', nullif(entry -> 'before', 'null'::jsonb), nullif(entry -> 'after', 'null'::jsonb),
          entry ->> 'reason', entry ->> 'request_id', nullif(entry -> 'context', 'null'::jsonb),
          entry_prev_hash, entry_hash);
        RETURN NEXT;
        head_seq := entry_seq;
        head_hash := entry_hash;
      END LOOP;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS gemba_audit_append(jsonb)');
}
