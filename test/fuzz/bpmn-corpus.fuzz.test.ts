import fs from 'node:fs';
import fc from 'fast-check';
import { CORPUS_DIR, corpusFile, corpusFiles } from '../support/bpmn-fixtures';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';
import { changesBetween, problemFaults, snapshotter, type Snapshot } from './fuzz-support';

// Real BPMN files of the shared corpus, mutated at random (cut short, pieces removed, duplicated
// or replaced, markup injected), submitted as drafts. The server never fails: a file it refuses
// gets a 4xx problem+json that says why, and leaves every table and the audit chain as they were.
const RUNS = Number(process.env.GEMBA_FUZZ_BPMN_RUNS ?? 60);
const SEED = Number(process.env.GEMBA_FUZZ_SEED ?? Date.now() % 1_000_000);

const files = fs
  .readdirSync(CORPUS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => corpusFiles(entry.name))
  .map((name) => ({ name, xml: corpusFile(name) }));

/** Markup that has upset XML parsers and BPMN tools before. */
const INJECTIONS = [
  '<',
  '>',
  '&',
  '"',
  ']]>',
  '\u0000',
  '\ud800',
  '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!ENTITY x SYSTEM "file:///etc/passwd">',
  '&x;',
  '<?xml version="1.0"?>',
  '<bpmn:process id="" isExecutable="true">',
  '<bpmn:sequenceFlow id="f" sourceRef="nowhere" targetRef="nobody"/>',
  '<bpmn:timerEventDefinition><bpmn:timeDuration>P-1D</bpmn:timeDuration></bpmn:timerEventDefinition>',
  'id="Duplicate"',
  'xmlns:bpmn="urn:not-bpmn"',
  '${'.repeat(20),
  '<![CDATA[',
];

type Mutation = (xml: string) => string;

const at = (n: number, xml: string) => (xml.length ? n % xml.length : 0);

/** Replaces the value of the n-th attribute: the file stays well-formed XML, its meaning breaks. */
const attributeValue = fc.tuple(fc.nat(), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'true', 'P-1D', '${x', '0', 'Start', '#'))).map(
  ([n, value]): Mutation =>
    (xml) => {
      let i = 0;
      const count = xml.match(/\s[\w:]+="[^"]*"/g)?.length ?? 0;
      const safe = value.replace(/[<&"]/g, '');
      return xml.replace(/(\s[\w:]+=")[^"]*(")/g, (whole, open: string, close: string) => (count && i++ === n % count ? `${open}${safe}${close}` : whole));
    },
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: attributeValue },
  fc.nat().map((n): Mutation => (xml) => xml.slice(0, at(n, xml))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 400 })).map(([n, len]): Mutation => (xml) => xml.slice(0, at(n, xml)) + xml.slice(at(n, xml) + len)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 400 }), fc.nat()).map(([n, len, to]): Mutation => (xml) => {
    const piece = xml.slice(at(n, xml), at(n, xml) + len);
    return xml.slice(0, at(to, xml)) + piece + xml.slice(at(to, xml));
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...INJECTIONS)).map(([n, text]): Mutation => (xml) => xml.slice(0, at(n, xml)) + text + xml.slice(at(n, xml))),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 20 })).map(([n, text]): Mutation => (xml) => xml.slice(0, at(n, xml)) + text + xml.slice(at(n, xml) + text.length)),
  // Renames every occurrence of one attribute value or element name: references break, ids collide.
  fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([n, name]): Mutation => (xml) => {
    const words = xml.match(/[A-Za-z_][\w.-]{2,}/g) ?? [];
    return words.length ? xml.split(words[n % words.length]).join(name) : xml;
  }),
);

let app: TestApp;
let owner: Record<string, string>;
let snapshot: () => Promise<Snapshot>;

beforeAll(async () => {
  app = await startTestApp();
  owner = (await signedInUser(app, ['process_owner'])).auth;
  snapshot = await snapshotter(app.deps.db);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('Feature: mutated BPMN from the corpus never crashes the server', () => {
  it('reads a corpus of real files', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('When a mutated file is submitted as a draft, Then it is accepted or refused with a clear 4xx that changed nothing', async () => {
    const refusals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (file, mutations) => {
        const xml = mutations.reduce((text, mutate) => mutate(text), file.xml);
        const before = await snapshot();
        const response = await app.http.post('/api/v1/process-versions').set(owner).send({ xml, changeReason: `fuzz: mutated ${file.name}` });
        const what = `${file.name} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`;
        expect({ what, serverError: response.status >= 500 }).toEqual({ what, serverError: false });
        if (response.status >= 400) {
          refusals.set(response.body.code, (refusals.get(response.body.code) ?? 0) + 1);
          // A clear refusal: a problem with a code, and a detail or a list of what is wrong.
          expect({ what, faults: problemFaults(response) }).toEqual({ what, faults: [] });
          expect({ what, explained: Boolean(response.body.detail) || (Array.isArray(response.body.errors) && response.body.errors.length > 0) }).toEqual({ what, explained: true });
          expect({ what, changes: await changesBetween(app.deps.db, before, await snapshot()) }).toEqual({ what, changes: [] });
        } else {
          expect({ what, status: response.status }).toEqual({ what, status: 201 });
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    process.stdout.write(`bpmn fuzz: ${RUNS} mutated files, refusals by code ${JSON.stringify(Object.fromEntries(refusals))}\n`);
    // Most mutations break a file: the property above must have seen refusals to mean anything.
    expect([...refusals.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(RUNS / 4);
  });
});
