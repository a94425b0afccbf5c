import fs from 'node:fs';
import { knex } from 'knex';
import { openPglite } from '../../server/db/create-db';
import { migrateLatest } from '../../server/db/migrate';
import { migrationsFingerprint, pgliteTemplateDir, postgresTemplateName, testServerUrl, withDatabase } from './test-db-template';

/** Builds the migrated template database once per change of the migrations. */
export default async function globalSetup(): Promise<void> {
  const fingerprint = migrationsFingerprint();
  const serverUrl = testServerUrl();
  if (serverUrl) await preparePostgresTemplate(serverUrl, postgresTemplateName(fingerprint));
  else await preparePgliteTemplate(pgliteTemplateDir(fingerprint));
}

async function preparePgliteTemplate(dir: string): Promise<void> {
  if (fs.existsSync(`${dir}/ready`)) return;
  const building = `${dir}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  fs.mkdirSync(building, { recursive: true });
  const db = openPglite(`${building}/pgdata`);
  await migrateLatest(db);
  await db.destroy();
  fs.writeFileSync(`${building}/ready`, new Date().toISOString());
  try {
    fs.renameSync(building, dir);
  } catch {
    // Another run built it first; theirs is as good as ours.
    fs.rmSync(building, { recursive: true, force: true });
  }
}

async function preparePostgresTemplate(serverUrl: string, template: string): Promise<void> {
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    const exists = await admin('pg_database').where({ datname: template }).first();
    if (exists) return;
    const building = `${template}_b${process.pid}`;
    await admin.raw(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${building}`);
    const db = knex({ client: 'pg', connection: withDatabase(serverUrl, building), pool: { min: 0, max: 1 } });
    await migrateLatest(db);
    await db.destroy();
    await admin.raw(`ALTER DATABASE ${building} RENAME TO ${template}`);
  } finally {
    await admin.destroy();
  }
}
