import fs from 'node:fs';
import path from 'node:path';

/** Tiny purpose-built diagrams of test/fixtures/bpmn. */
export const fixture = (name: string): string => fs.readFileSync(path.resolve(__dirname, '../fixtures/bpmn', name), 'utf8');

/** The shared corpus of BPMN written elsewhere (../shared/corpus). */
export const CORPUS_DIR = path.resolve(__dirname, '../../../shared/corpus');

export const corpusFile = (relative: string): string => fs.readFileSync(path.join(CORPUS_DIR, relative), 'utf8');

export const corpusFiles = (folder: string): string[] =>
  fs
    .readdirSync(path.join(CORPUS_DIR, folder))
    .filter((file) => file.endsWith('.bpmn'))
    .sort()
    .map((file) => `${folder}/${file}`);
