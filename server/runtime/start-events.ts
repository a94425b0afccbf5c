import type { Knex } from 'knex';
import { DefinitionCache } from '../engine';
import { findProcessVersion, type ProcessVersion } from '../repos/process-versions.repo';

// Which released versions start on a message or a signal. Each version is compiled once per node
// (in this thread, for its start-event metadata only; runs happen on the engine workers).
const definitions = new DefinitionCache({ max: 200 });

/** The released versions with a start event catching this message or signal. */
export async function releasedVersionsStartingOn(db: Knex, kind: 'message' | 'signal', name: string): Promise<ProcessVersion[]> {
  const released = (await db('process_versions').select('id').where({ status: 'released' })) as Array<{ id: string }>;
  const matches: ProcessVersion[] = [];
  for (const { id } of released) {
    let definition;
    try {
      definition = await definitions.get(id, async () => (await findProcessVersion(db, id))!.xml);
    } catch {
      continue; // a version the engine cannot compile starts on nothing
    }
    const starts = definition.startEvents.some((s) => s.kind === kind && (kind === 'message' ? s.messageName === name : s.signalName === name));
    if (starts) matches.push((await findProcessVersion(db, id))!);
  }
  return matches;
}
