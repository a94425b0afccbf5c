import fs from 'node:fs';
import path from 'node:path';

/** The six processes of the standard library (processes/README.md), in the order they are released. */
export const STANDARD_PROCESS_KEYS = ['escalation', 'change-control', 'deviation-capa', 'inspection', 'operation-execution', 'work-order-release'] as const;
export type StandardProcessKey = (typeof STANDARD_PROCESS_KEYS)[number];

/** The repository's `processes/` folder, from the sources (server/platform) or the build (dist/server/platform). */
export function processesDir(start = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'processes');
    if (fs.existsSync(path.join(candidate, 'connectors.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`No processes/ folder above ${start}`);
  }
}

/** A library process as it is released: its exact BPMN text and the form-js forms its tasks name. */
export type LibraryProcess = { key: StandardProcessKey; xml: string; forms: Record<string, unknown> };

/**
 * Reads one library process and the forms its user tasks reference (`camunda:formRef`), which
 * become the `forms` of its process version (W01: the version bundles its forms).
 * @throws when a referenced form file is missing or is not JSON.
 */
export function loadLibraryProcess(key: StandardProcessKey, dir = processesDir()): LibraryProcess {
  const xml = fs.readFileSync(path.join(dir, `${key}.bpmn`), 'utf8');
  const formIds = [...new Set([...xml.matchAll(/camunda:formRef="([^"]+)"/g)].map((m) => m[1]))].sort();
  const forms = Object.fromEntries(formIds.map((id) => [id, JSON.parse(fs.readFileSync(path.join(dir, 'forms', `${id}.form`), 'utf8')) as unknown]));
  return { key, xml, forms };
}
