import { toProblem } from '../../../server/errors/to-problem';
import { ModelRejectedError, ModelTooLargeError, ModelUnreadableError } from '../../../server/bpmn/errors';
import { MAX_MODEL_BYTES, parseModel } from '../../../server/bpmn/parse-model';
import type { ParsedModel } from '../../../server/bpmn/parse-model';
import { chain, corpusFiles, MALFORMED_CORPUS_FILES, model, parseCorpus, readCorpus } from './corpus';

async function rejection(xml: string | Uint8Array): Promise<Error> {
  try {
    await parseModel(xml);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the model to be refused');
}

describe('parseModel', () => {
  let corpus: Map<string, ParsedModel>;

  beforeAll(async () => {
    corpus = await parseCorpus();
  });

  describe('corpus', () => {
    it('reads every well-formed corpus file', () => {
      // given
      const names = corpusFiles().filter((name) => !MALFORMED_CORPUS_FILES.includes(name));

      // then
      expect(names.length).toBeGreaterThanOrEqual(51);
      expect([...corpus.keys()]).toEqual(names);
      for (const parsed of corpus.values()) {
        expect(parsed.definitions.$type).toBe('bpmn:Definitions');
        expect(parsed.processIds.length).toBeGreaterThan(0);
        expect(parsed.processIds).toContain(parsed.key);
      }
    });

    it('imports all 21 MIWG reference models as drafts', () => {
      // given
      const miwg = [...corpus.keys()].filter((name) => name.startsWith('miwg-reference/'));

      // then
      expect(miwg).toHaveLength(21);
    });

    it('keys a model by its executable process', () => {
      // then
      expect(corpus.get('camunda-bpm-examples/invoicePayment.bpmn')).toMatchObject({
        key: 'embeddedFormsBpmnEvents',
        keySource: 'executable',
        executableProcessIds: ['embeddedFormsBpmnEvents'],
      });
      // a collaboration with a non-executable partner pool
      expect(corpus.get('bpmn-engine/lanes.bpmn')).toMatchObject({ key: 'mainProcess', keySource: 'executable' });
      expect(corpus.get('bpmn-engine/lanes.bpmn')!.processIds).toHaveLength(2);
    });

    it('keys a model with several executable processes by the first, with a warning', () => {
      // when
      const parsed = corpus.get('bpmn-elements/two-executable-processes.bpmn')!;

      // then
      expect(parsed.executableProcessIds).toEqual(['Process_1', 'Process_2']);
      expect(parsed.key).toBe('Process_1');
      expect(parsed.warnings.some((w) => /2 executable processes/.test(w.message))).toBe(true);
    });

    it('keys a descriptive model by its first process, with a warning', () => {
      // when
      const parsed = corpus.get('miwg-reference/A.1.0.bpmn')!;

      // then
      expect(parsed.executableProcessIds).toEqual([]);
      expect(parsed).toMatchObject({ key: 'WFP-6-', keySource: 'descriptive' });
      expect(parsed.warnings.some((w) => /No process is executable/.test(w.message))).toBe(true);
    });

    it('collects import warnings with their lines instead of throwing', () => {
      // when
      const parsed = corpus.get('camunda-modeler/import-warnings.bpmn')!;

      // then
      const unresolved = parsed.warnings.filter((w) => /unresolved reference <Task_0zlv465>/.test(w.message));
      expect(unresolved.length).toBeGreaterThan(0);
      expect(unresolved[0]).toMatchObject({ elementId: 'SequenceFlow_0b6cm13', line: 7 });
    });

    it('keeps hostile ids and names as data', () => {
      // when
      const parsed = corpus.get('camunda-modeler/xss.bpmn')!;

      // then the elements with illegal ids are reported, not executed or thrown
      expect(parsed.warnings.filter((w) => /illegal ID/.test(w.message)).length).toBeGreaterThan(0);
    });

    it('accepts xml:lang attributes (prefix bound by the XML spec)', () => {
      expect(corpus.get('miwg-reference/C.8.0.bpmn')!.key).toBe('VacationRequestProcess');
    });

    it('refuses the malformed corpus file with its line', async () => {
      // when
      const err = await rejection(readCorpus('camunda-modeler/broken.bpmn'));

      // then
      expect(err).toBeInstanceOf(ModelUnreadableError);
      expect(err).toMatchObject({ reason: 'malformed_xml', status: 400 });
      expect((err as ModelUnreadableError).problems[0]).toMatchObject({ line: 5, column: 1 });
      expect((err as ModelUnreadableError).problems[0].message).toMatch(/closing tag mismatch near "<\/foobar>"/);
    });
  });

  describe('safety', () => {
    it('refuses an external entity (XXE) before parsing', async () => {
      // given
      const xml = `<?xml version="1.0"?>\n<!DOCTYPE definitions [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n${model(chain()).replace(/^<\?xml[^>]*>\n/, '').replace('name="Start"', 'name="&xxe;"')}`;

      // when
      const err = await rejection(xml);

      // then
      expect(err).toBeInstanceOf(ModelUnreadableError);
      expect(err).toMatchObject({ reason: 'dtd_forbidden', status: 400, code: 'bpmn_unreadable' });
      expect((err as ModelUnreadableError).problems[0]).toMatchObject({ line: 2, column: 1 });
      expect(err.message).toMatch(/DOCTYPE/);
    });

    it('refuses entity expansion ("billion laughs") quickly', async () => {
      // given
      const laughs = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
      const xml = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n${laughs}\n]>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p" name="&lol9;" /></definitions>`;
      const started = Date.now();

      // when
      const err = await rejection(xml);

      // then
      expect(err).toMatchObject({ reason: 'dtd_forbidden' });
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('refuses an ENTITY declaration without DOCTYPE', async () => {
      const err = await rejection(`<!ENTITY x "y">${model(chain())}`);
      expect(err).toMatchObject({ reason: 'dtd_forbidden' });
    });

    it('ignores DTD-like text inside comments and CDATA', async () => {
      // given
      const xml = model(`<!-- <!DOCTYPE x> -->${chain('<scriptTask id="S" scriptFormat="javascript"><script><![CDATA[ const s = "<!ENTITY y>"; next(); ]]></script></scriptTask>')}`);

      // when
      const parsed = await parseModel(xml);

      // then
      expect(parsed.elementsById.S.script).toContain('<!ENTITY y>');
    });

    it('refuses a model of 5 MiB + 1 byte as too large, and accepts exactly 5 MiB', async () => {
      // given
      const base = model(chain());
      const padding = (size: number) => `${base}<!--${'x'.repeat(size - Buffer.byteLength(base) - 7)}-->`;
      const exact = padding(MAX_MODEL_BYTES);
      const tooLarge = padding(MAX_MODEL_BYTES + 1);
      expect(Buffer.byteLength(exact)).toBe(MAX_MODEL_BYTES);

      // when
      const err = await rejection(tooLarge);

      // then
      expect(err).toBeInstanceOf(ModelTooLargeError);
      expect(err).toMatchObject({ status: 413, byteLength: MAX_MODEL_BYTES + 1, limit: MAX_MODEL_BYTES });
      await expect(parseModel(exact)).resolves.toMatchObject({ key: 'Process_1', byteLength: MAX_MODEL_BYTES });
    });

    it('counts bytes, not characters', async () => {
      // given 2-byte characters: fewer characters than the limit, more bytes
      const xml = 'é'.repeat(MAX_MODEL_BYTES / 2 + 1);

      // then
      await expect(parseModel(xml)).rejects.toBeInstanceOf(ModelTooLargeError);
    });
  });

  describe('well-formedness', () => {
    it.each([
      ['a mismatched closing tag', model('<task id="A"></startEvent>'), /closing tag mismatch/],
      ['an unclosed element', model(chain()).replace('</definitions>', ''), /not well-formed/],
      ['two root elements', `${model(chain())}<definitions/>`, /2 root elements|outside of root/],
      ['text after the root', `${model(chain())}junk`, /outside of root/],
      ['an attribute without quotes', model('<task id=A />'), /attribute/],
      ['a duplicate attribute', model('<task id="A" name="x" name="y" />'), /already defined/],
      ['an undefined entity', model('<task id="A" name="&nbsp;" />'), /Undefined entity reference &nbsp;/],
      ['a bare ampersand', model('<task id="A" name="R & D" />'), /bare '&'/],
      ['an undeclared namespace prefix', model('<task id="A" foo:bar="1" />'), /missing namespace for prefix <foo>/],
      ['an empty document', '  \n ', /empty/],
    ])('refuses %s as malformed XML (400)', async (_, xml, message) => {
      // when
      const err = await rejection(xml);

      // then
      expect(err).toBeInstanceOf(ModelUnreadableError);
      expect(err).toMatchObject({ reason: 'malformed_xml', status: 400 });
      expect((err as ModelUnreadableError).problems.map((p) => p.message).join('\n')).toMatch(message);
    });

    it('locates the first problem by line and column', async () => {
      // given
      const xml = model('<task id="A">\n  <documentation>x</documentation>\n</startEvent>');

      // when
      const err = (await rejection(xml)) as ModelUnreadableError;

      // then
      const line = xml.split('\n').findIndex((l) => l.includes('</startEvent>')) + 1;
      expect(err.problems[0]).toMatchObject({ line, column: 1 });
    });

    it('refuses bytes that are not UTF-8', async () => {
      // given
      const bytes = Buffer.concat([Buffer.from(model(chain())), Buffer.from([0xff, 0xfe, 0xc3])]);

      // when
      const err = await rejection(bytes);

      // then
      expect(err).toMatchObject({ reason: 'malformed_xml' });
      expect(err.message).toMatch(/UTF-8/);
    });

    it('reads UTF-8 bytes and strips a byte-order mark', async () => {
      // given
      const bytes = Buffer.from(`\uFEFF${model(chain())}`, 'utf8');

      // when
      const parsed = await parseModel(bytes);

      // then
      expect(parsed.key).toBe('Process_1');
      expect(parsed.xml.startsWith('<?xml')).toBe(true);
    });
  });

  describe('BPMN checks', () => {
    it.each([
      ['a foreign root', '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', /<html> in namespace http:\/\/www.w3.org\/1999\/xhtml/],
      ['definitions without the BPMN namespace', '<definitions id="d"><process id="p"/></definitions>', /<definitions> without a namespace/],
      ['a process as root', '<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p" />', /<bpmn:process> in namespace http:\/\/www.omg.org/],
    ])('refuses %s (422 not_bpmn)', async (_, xml, message) => {
      // when
      const err = await rejection(xml);

      // then
      expect(err).toBeInstanceOf(ModelRejectedError);
      expect(err).toMatchObject({ reason: 'not_bpmn', status: 422 });
      expect(err.message).toMatch(message);
    });

    it('refuses duplicate ids with both lines (moddle alone would drop the second element)', async () => {
      // given
      const xml = model('<startEvent id="Start" />\n<task id="Twice" name="one" />\n<task id="Twice" name="two" />');

      // when
      const err = (await rejection(xml)) as ModelRejectedError;

      // then
      expect(err).toBeInstanceOf(ModelRejectedError);
      expect(err.reason).toBe('duplicate_ids');
      const lines = xml.split('\n');
      const first = lines.findIndex((l) => l.includes('name="one"')) + 1;
      const again = lines.findIndex((l) => l.includes('name="two"')) + 1;
      expect(err.problems).toEqual([expect.objectContaining({ elementId: 'Twice', line: again })]);
      expect(err.problems[0].message).toBe(`The id 'Twice' is used by more than one element (first at line ${first}, again at line ${again}); ids must be unique`);
    });

    it('refuses an id shared by a process and a task', async () => {
      const err = (await rejection(model('<task id="Process_1" />'))) as ModelRejectedError;
      expect(err).toMatchObject({ reason: 'duplicate_ids' });
    });

    it('refuses a model without any process', async () => {
      // given
      const xml = model(chain()).replace(/<process[\s\S]*<\/process>/, '<collaboration id="C"><participant id="P" name="Black box" /></collaboration>');

      // when
      const err = await rejection(xml);

      // then
      expect(err).toMatchObject({ reason: 'no_process', status: 422 });
    });

    it('accepts a model without an executable process as a descriptive draft, or refuses it on request', async () => {
      // given
      const xml = model(chain(), { executable: false });

      // when
      const parsed = await parseModel(xml);

      // then
      expect(parsed).toMatchObject({ key: 'Process_1', keySource: 'descriptive', executableProcessIds: [] });
      await expect(parseModel(xml, { requireExecutableProcess: true })).rejects.toMatchObject({ reason: 'no_executable_process', status: 422 });
      await expect(parseModel(model(chain()), { requireExecutableProcess: true })).resolves.toMatchObject({ key: 'Process_1' });
    });

    it('warns about definitions without an id', async () => {
      const parsed = await parseModel(model(chain(), { definitionsId: null }));
      expect(parsed.warnings.some((w) => /no id/.test(w.message))).toBe(true);
    });

    it('keeps unknown elements of known namespaces as located warnings', async () => {
      // given
      const xml = model(chain('<fooTask id="A" />'));

      // when
      const parsed = await parseModel(xml);

      // then
      const line = xml.split('\n').findIndex((l) => l.includes('fooTask')) + 1;
      expect(parsed.warnings).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/unknown type <bpmn:FooTask>/), line }));
      expect(parsed.elementsById.A).toBeUndefined();
    });

    it('reads Camunda and Gemba extensions', async () => {
      // given
      const xml = model(chain('<userTask id="A" camunda:candidateGroups="qa" gemba:signatureMeaning="approved" gemba:verifierRequired="true" />'));

      // when
      const { elementsById } = await parseModel(xml);

      // then
      expect(elementsById.A.get('camunda:candidateGroups')).toBe('qa');
      expect(elementsById.A.get('gemba:signatureMeaning')).toBe('approved');
      expect(elementsById.A.get('gemba:verifierRequired')).toBe(true);
    });
  });

  describe('problem mapping', () => {
    it('maps each error to an RFC 9457 problem with located errors', async () => {
      // given
      const duplicate = (await rejection(model('<task id="T" />\n<task id="T" />'))) as ModelRejectedError;
      const malformed = (await rejection(readCorpus('camunda-modeler/broken.bpmn'))) as ModelUnreadableError;
      const tooLarge = new ModelTooLargeError(MAX_MODEL_BYTES + 1, MAX_MODEL_BYTES);

      // then
      expect(toProblem(duplicate)).toMatchObject({
        status: 422,
        code: 'bpmn_invalid',
        reason: 'duplicate_ids',
        errors: [expect.objectContaining({ path: 'T', elementId: 'T', line: expect.any(Number) })],
      });
      expect(toProblem(malformed)).toMatchObject({ status: 400, code: 'bpmn_unreadable', reason: 'malformed_xml', errors: [expect.objectContaining({ line: 5 })] });
      expect(toProblem(tooLarge)).toMatchObject({ status: 413, code: 'payload_too_large', limit: MAX_MODEL_BYTES });
    });
  });
});
