import fs from 'node:fs';
import path from 'node:path';
import { parseModel } from '../../../server/bpmn/parse-model';
import type { ParsedModel } from '../../../server/bpmn/parse-model';

/** The shared corpus of externally written BPMN files (read-only). */
export const CORPUS_DIR = path.resolve(__dirname, '../../../../shared/corpus');

/** Files of the corpus that are not well-formed XML on purpose. */
export const MALFORMED_CORPUS_FILES = ['camunda-modeler/broken.bpmn'];

/** Every corpus file as `folder/file.bpmn`, sorted. */
export function corpusFiles(): string[] {
  return fs
    .readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(CORPUS_DIR, dir.name))
        .filter((file) => file.endsWith('.bpmn'))
        .map((file) => `${dir.name}/${file}`),
    )
    .sort();
}

/** The text of one corpus file. */
export function readCorpus(name: string): string {
  return fs.readFileSync(path.join(CORPUS_DIR, name), 'utf8');
}

/** Parses every well-formed corpus file once. */
export async function parseCorpus(): Promise<Map<string, ParsedModel>> {
  const parsed = new Map<string, ParsedModel>();
  for (const name of corpusFiles()) {
    if (MALFORMED_CORPUS_FILES.includes(name)) continue;
    parsed.set(name, await parseModel(readCorpus(name)));
  }
  return parsed;
}

const NAMESPACES =
  'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:gemba="http://gemba.dev/schema/bpmn/1.0" ' +
  'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
  'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"';

/** A tiny model: `body` inside one process (executable unless told), `roots` beside it. No diagram. */
export function model(body: string, options: { executable?: boolean; roots?: string; definitionsId?: string | null } = {}): string {
  const executable = options.executable ?? true;
  const id = options.definitionsId === null ? '' : ` id="${options.definitionsId ?? 'Definitions_1'}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<definitions ${NAMESPACES}${id} targetNamespace="http://gemba.dev/test">\n` +
    `${options.roots ?? ''}\n<process id="Process_1" name="Test process" isExecutable="${executable}">\n${body}\n</process>\n</definitions>\n`
  );
}

/** A start event → `middle` (elements with ids A, B … chained in order) → end event, with flows. */
export function chain(...middle: string[]): string {
  const ids = middle.map((xml) => /\bid="([^"]+)"/.exec(xml)![1]);
  const nodes = ['Start', ...ids, 'End'];
  const flows = nodes.slice(1).map((target, i) => `<sequenceFlow id="Flow_${i}" sourceRef="${nodes[i]}" targetRef="${target}" />`);
  return ['<startEvent id="Start" name="Start" />', ...middle, '<endEvent id="End" name="End" />', ...flows].join('\n');
}
