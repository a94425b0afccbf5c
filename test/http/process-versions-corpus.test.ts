import { corpusFile, corpusFiles } from '../support/bpmn-fixtures';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Real models written elsewhere (../shared/corpus) through the draft and submit API.

let app: TestApp;
let owner: Awaited<ReturnType<typeof signedInUser>>;
beforeAll(async () => {
  app = await startTestApp();
  owner = await signedInUser(app, ['process_owner']);
});
afterAll(async () => {
  await app.close();
});

const NOT_EXECUTABLE = ['A.1.0', 'A.2.0', 'A.2.1', 'A.3.0', 'A.4.0', 'A.4.1', 'B.1.0', 'B.2.0', 'C.2.0', 'C.4.0', 'C.5.0', 'C.6.0', 'C.7.0', 'C.8.0'];

async function importAndSubmit(file: string) {
  const created = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: corpusFile(file), changeReason: `import ${file}` });
  if (created.status !== 201) return { created, submitted: undefined };
  const submitted = await app.http.post(`/api/v1/process-versions/${created.body.id}/submit`).set(owner.auth).send({});
  return { created, submitted };
}

describe('the 21 MIWG reference models', () => {
  it.each(corpusFiles('miwg-reference'))('%s imports as a draft; a non-executable one is refused at submit with the reason', async (file) => {
    const { created, submitted } = await importAndSubmit(file);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('draft');
    expect(submitted!.status).toBe(422);
    const errors = submitted!.body.errors as Array<{ path: string; message: string }>;
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.message.length).toBeGreaterThan(10);
    const name = file.split('/')[1].replace('.bpmn', '');
    if (NOT_EXECUTABLE.includes(name)) {
      expect(errors.map((e) => e.message).join('\n')).toMatch(/executable/i);
    }
    const after = await app.http.get(`/api/v1/process-versions/${created.body.id}`).set(owner.auth);
    expect(after.body.status).toBe('draft');
  });
});

describe('the executable models of the other corpus folders', () => {
  const files = [...corpusFiles('bpmn-engine'), ...corpusFiles('bpmn-elements'), ...corpusFiles('camunda-bpm-examples'), ...corpusFiles('camunda-modeler')].filter(
    (file) => !file.endsWith('broken.bpmn'),
  );

  it.each(files)('%s imports, and the gate names each element it refuses and why', async (file) => {
    const { created, submitted } = await importAndSubmit(file);
    expect(created.status).toBe(201);
    expect([200, 422]).toContain(submitted!.status);
    if (submitted!.status === 422) {
      for (const error of submitted!.body.errors as Array<{ path: string; message: string; line?: number }>) {
        // located by element id, or by line where the element has no usable id (xss.bpmn)
        expect(error.path !== '' || typeof error.line === 'number').toBe(true);
        expect(error.message.length).toBeGreaterThan(10);
      }
    }
  });

  it('refuses the malformed one with the line of the problem', async () => {
    const response = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: corpusFile('camunda-modeler/broken.bpmn'), changeReason: 'import broken' });
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ line: expect.any(Number) });
  });
});
