import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mayUseMeaning } from '../../../server/auth/signature-meanings';
import { isRole, type Role } from '../../../server/auth/roles';
import { parseModel, runSubmitGate } from '../../../server/bpmn';
import type { ActivityMetadata, CompiledDefinition } from '../../../server/engine';
import { formFields } from '../../../server/runtime/form-validation';
import { bpmnFiles, definitionOf, formFiles, KEYS, PROCESS_DIR, readForm, readXml } from './support';

// The standard library as a whole: every model passes the submit gate and compiles on the
// engine, every form it references exists and is well formed, every role can do what the
// model asks of it, and every connector call matches processes/connectors.json.

type ContractOperation = { connector: string; operation: string; required: string[]; optional: string[]; outputs: Record<string, string>; bpmnErrors: Record<string, string> };
const contract = JSON.parse(readFileSync(join(PROCESS_DIR, 'connectors.json'), 'utf8')) as { operations: ContractOperation[] };
const JUEL_WORDS = new Set(['empty', 'and', 'or', 'not', 'true', 'false', 'null', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'div', 'mod']);
const FORM_TYPES = new Set(['text', 'textfield', 'textarea', 'number', 'select', 'radio', 'checkbox', 'datetime']);
const VALIDATE_KEYS = new Set(['required', 'min', 'max', 'minLength', 'maxLength', 'pattern']);

/** Variable names an expression reads (identifiers outside string literals). */
function identifiers(expression: string): string[] {
  const inner = [...expression.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1].replace(/'[^']*'|"[^"]*"/g, ' '));
  return inner.flatMap((text) => [...text.matchAll(/(?<![.\w])[A-Za-z_]\w*/g)].map((m) => m[0])).filter((w) => !JUEL_WORDS.has(w));
}

const definitions = new Map<string, CompiledDefinition>();
beforeAll(async () => {
  for (const key of KEYS) definitions.set(key, await definitionOf(key));
});

const activitiesOf = (key: string): ActivityMetadata[] => [...definitions.get(key)!.activities.values()];
const allActivities = () => KEYS.flatMap((key) => activitiesOf(key).map((a) => ({ key, a })));

describe('the standard process library', () => {
  it('has exactly the six process keys, one file each, named after its key', () => {
    // then
    expect(bpmnFiles()).toEqual([...KEYS].sort().map((k) => `${k}.bpmn`));
  });

  it.each(KEYS)('%s parses, keys on its file name and passes the submit gate without errors or warnings', async (key) => {
    // given
    const parsed = await parseModel(readXml(key), { requireExecutableProcess: true });

    // when
    const gate = await runSubmitGate(parsed);

    // then
    expect(parsed.key).toBe(key);
    expect(parsed.warnings).toEqual([]);
    expect(gate.executability).toEqual([]);
    expect(gate.lint).toEqual([]);
    expect(gate.passed).toBe(true);
  });

  it.each(KEYS)('%s compiles on the engine with one executable process', (key) => {
    // then
    const definition = definitions.get(key)!;
    expect(definition.executableProcessIds).toEqual([key]);
    expect(definition.startEvents.length).toBeGreaterThan(0);
  });

  it('offers every user task to roles only (never admin), or to the CAPA owner by name', () => {
    // given
    const tasks = allActivities().filter(({ a }) => a.type === 'bpmn:UserTask');

    // then
    expect(tasks.length).toBeGreaterThan(40);
    for (const { key, a } of tasks) {
      const groups = (a.userTask?.candidateGroups ?? '').split(',').filter(Boolean);
      if (a.userTask?.assignee) {
        expect([key, a.id, a.userTask.assignee]).toEqual([key, a.id, '${capaOwner}']);
        continue;
      }
      expect([key, a.id, groups.length > 0]).toEqual([key, a.id, true]);
      for (const group of groups) expect([key, a.id, group, isRole(group) && group !== 'admin']).toEqual([key, a.id, group, true]);
    }
  });

  it('asks each signature of roles that may sign with that meaning (C10), and a verifier of roles that may sign "verified"', () => {
    // given
    const signed = allActivities().filter(({ a }) => a.signature);

    // then
    expect(signed.length).toBeGreaterThan(25);
    for (const { key, a } of signed) {
      const meaning = a.signature!.meaning as Parameters<typeof mayUseMeaning>[1];
      const groups = (a.userTask?.candidateGroups ?? '').split(',').filter(Boolean) as Role[];
      // The CAPA owner is named per CAPA; the runtime checks their roles when they sign.
      if (!groups.length) continue;
      expect([key, a.id, meaning, groups.some((g) => mayUseMeaning([g], meaning))]).toEqual([key, a.id, meaning, true]);
      if (a.signature!.verifierRequired) {
        const performers = groups.filter((g) => mayUseMeaning([g], meaning));
        const verifiers = groups.filter((g) => mayUseMeaning([g], 'verified'));
        // performer ≠ verifier: two people of the candidate roles, one to perform and one to verify
        expect([key, a.id, performers.length > 0 && verifiers.length > 0]).toEqual([key, a.id, true]);
      }
    }
  });

  it('references forms that exist, and every form is referenced by exactly one process', () => {
    // given
    const referenced = new Map<string, Set<string>>();
    for (const { key, a } of allActivities()) {
      if (a.type !== 'bpmn:UserTask') continue;
      expect([key, a.id, a.userTask?.formRef]).toEqual([key, a.id, expect.any(String)]);
      if (!referenced.has(a.userTask!.formRef!)) referenced.set(a.userTask!.formRef!, new Set());
      referenced.get(a.userTask!.formRef!)!.add(key);
    }

    // then
    const files = formFiles().map((f) => f.replace(/\.form$/, ''));
    expect([...referenced.keys()].sort()).toEqual(files);
    for (const [form, keys] of referenced) expect([form, keys.size]).toEqual([form, 1]);
  });

  it.each(formFiles())('%s is a form-js schema the server can validate against', (file) => {
    // given
    const form = readForm(file.replace(/\.form$/, ''));
    const ids = new Set<string>();
    const keys = new Set<string>();

    // then
    expect(form).toMatchObject({ type: 'default', id: file.replace(/\.form$/, ''), schemaVersion: 16 });
    for (const component of form.components) {
      expect(FORM_TYPES.has(component.type)).toBe(true);
      expect(ids.has(component.id)).toBe(false);
      ids.add(component.id);
      if (component.type === 'text') continue;
      expect(component.key).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(keys.has(component.key)).toBe(false);
      keys.add(component.key);
      expect(typeof (component.label ?? component.dateLabel)).toBe('string');
      for (const rule of Object.keys(component.validate ?? {})) expect([component.key, rule, VALIDATE_KEYS.has(rule)]).toEqual([component.key, rule, true]);
      if (component.type === 'select' || component.type === 'radio') expect(component.values.length).toBeGreaterThan(1);
      if (component.validate?.pattern) expect(() => new RegExp(component.validate.pattern)).not.toThrow();
    }
    expect(formFields(form).length).toBe(keys.size);
    expect(keys.size).toBeGreaterThan(0);
  });

  it('binds every service task to an operation of processes/connectors.json with exactly its inputs, outputs and errors', () => {
    // given
    const used = new Set<string>();
    const jobs = allActivities().filter(({ a }) => a.job);

    // then
    for (const { key, a } of jobs) {
      const where = `${key}/${a.id}`;
      const op = contract.operations.find((o) => o.connector === a.job!.connector && o.operation === a.job!.operation);
      expect([where, a.job!.connector, a.job!.operation, op !== undefined]).toEqual([where, a.job!.connector, a.job!.operation, true]);
      used.add(`${op!.connector}.${op!.operation}`);
      expect([where, a.job!.retries]).toEqual([where, 3]);
      const inputs = (a.inputParameters ?? []).map((p) => p.name);
      for (const name of op!.required) expect([where, name, inputs.includes(name)]).toEqual([where, name, true]);
      const open = op!.optional.includes('*');
      for (const name of inputs) expect([where, name, open || op!.required.includes(name) || op!.optional.includes(name)]).toEqual([where, name, true]);
      for (const output of a.outputParameters ?? []) {
        for (const name of identifiers(output.value ?? '')) expect([where, output.name, name, name in op!.outputs]).toEqual([where, output.name, name, true]);
      }
      const caught = activitiesOf(key).filter((b) => b.attachedTo === a.id && b.errorCode).map((b) => b.errorCode!);
      for (const code of caught) expect([where, code, code in op!.bpmnErrors]).toEqual([where, code, true]);
    }
    expect([...used].sort()).toEqual(contract.operations.map((o) => `${o.connector}.${o.operation}`).sort());
  });

  it('calls only library processes, and reads back only variables the called process sets', () => {
    // given
    const calls = allActivities().filter(({ a }) => a.call);

    // then: the final inspection is the one call; its decision comes from the accept form's required checkbox
    expect(calls.map(({ key, a }) => `${key}/${a.id} → ${a.call!.calledElement}`)).toEqual(['operation-execution/FinalInspection → inspection']);
    const accept = formFields(readForm('insp-accept')).find((f) => f.key === 'acceptanceConfirmed');
    expect(accept).toMatchObject({ type: 'checkbox', validate: { required: true } });
    const inspectionOutputs = activitiesOf('inspection').flatMap((a) => (a.outputParameters ?? []).map((p) => p.name));
    for (const { a } of calls) {
      for (const out of a.call!.outputs) {
        const reads = out.kind === 'variable' ? (out.source ? [out.source] : identifiers(out.sourceExpression ?? '')) : [];
        for (const name of reads) expect([a.id, name, name === 'acceptanceConfirmed' || inspectionOutputs.includes(name)]).toEqual([a.id, name, true]);
      }
    }
  });

  it('gives every timer and due date a default, so no plant variable is needed to run', () => {
    // given
    const values = allActivities().flatMap(({ key, a }) => [...(a.timers ?? []).map((t) => [key, a.id, t.value]), ...(a.userTask?.dueDate ? [[key, a.id, a.userTask.dueDate]] : [])]);

    // then
    expect(values.length).toBeGreaterThan(15);
    for (const [key, id, value] of values) {
      const fixed = /^P(T?\d+[HMDS])+$/.test(value);
      const withDefault = /^\$\{empty (\w+) \? '(P[^']+)' : \1\}$/.test(value);
      expect([key, id, value, fixed || withDefault]).toEqual([key, id, value, true]);
    }
  });
});
