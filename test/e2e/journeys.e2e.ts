/// <reference lib="dom" />
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildProcess } from '../support/bpmn-builder';
import { ApiClient, DEMO_PASSWORD, eventually, releaseThroughApi, type Version } from './support/api';
import { launchBrowser, Person } from './support/browser';
import { REPO_ROOT, startServer, type RunningServer } from './support/server';

/**
 * Browser journeys through the whole platform against the real server, each checked against the
 * API afterwards: a process owner edits a released process and submits it; a reviewer sees the
 * diff coloured and approves with a signature, and it is released; an operator sees the new task
 * appear live and completes its form, signed; a second person verifies it and the monitor shows
 * the token move; a supervisor retries an incident and cancels an instance; the dashboard draws
 * its charts from a shift of work. Plus: the idle timeout ends the session, the modeler shows
 * import and lint problems, and a model full of script payloads opens inertly.
 */

const FIXTURES = path.join(__dirname, 'fixtures');
const KEY = 'e2e_part_inspection';
const NEW_NAME = 'Inspect part and record diameter';
const HOUR = 3_600_000;

let server: RunningServer;
let browser: Browser;
let ownerApi: ApiClient;
let reviewerApi: ApiClient;
let operatorApi: ApiClient;
let inspectorApi: ApiClient;
let supervisorApi: ApiClient;
let adminApi: ApiClient;
let v1: Version;
let v2: Version | undefined;
let instanceId: string | undefined;
let businessKey: string | undefined;
let inspectTaskId: string | undefined;
const people: Person[] = [];

async function person(username: string): Promise<Person> {
  const p = await Person.open(browser, server.baseUrl);
  people.push(p);
  await p.signIn(username);
  return p;
}

/** Runs ordered steps; after a failed step, the scenario's later steps are skipped (they depend on it). */
function scenario(name: string, body: (step: (title: string, fn: () => Promise<void>) => void) => void) {
  describe(`Scenario: ${name}`, () => {
    let halted: string | null = null;
    body((title, fn) =>
      it(title, async (t: TestContext) => {
        if (halted) return t.skip(halted);
        try {
          await fn();
        } catch (error) {
          halted = `an earlier step failed: ${title}`;
          throw error;
        }
      }),
    );
  });
}

function assertNoConsoleErrors(p: Person) {
  assert.deepEqual(p.unexpectedErrors(), [], 'the page logged errors');
  assert.deepEqual(p.dialogs, [], 'the page opened a JavaScript dialog');
}

/** Marks the page's window; `assertNotReloaded` fails if the page was loaded again since. */
async function markPage(p: Person): Promise<void> {
  await p.page.evaluate(() => ((window as unknown as { gembaE2eMark: boolean }).gembaE2eMark = true));
}
async function assertNotReloaded(p: Person): Promise<void> {
  assert.equal(await p.page.evaluate(() => (window as unknown as { gembaE2eMark?: boolean }).gembaE2eMark === true), true, 'the page was not reloaded');
}

type ApiTask = { id: string; activityId: string; status: string; assignee: string | null; overdue: boolean; completedBy: string | null; submitted?: Record<string, unknown> | null };
type ApiInstance = {
  id: string;
  status: string;
  endReason: string | null;
  variables: Record<string, unknown>;
  openTasks: ApiTask[];
  tasks: ApiTask[];
  incidents: Array<{ id: string; status: string; activityId: string | null; message: string }>;
  history: Array<{ activityId: string; endedAt: string | null }>;
};

const signed = (meaning: string) => ({ password: DEMO_PASSWORD, meaning });

/** The open task of an instance at an activity, once the instance waits there. */
async function openTaskAt(id: string, activityId: string): Promise<ApiTask> {
  return eventually(async () => (await supervisorApi.get<ApiInstance>(`/instances/${id}`)).openTasks.find((t) => t.activityId === activityId), 5000, `a task at ${activityId}`);
}

/** Works one part through the inspection as the three roles would, through the API. */
async function inspectThroughApi(id: string, measurement: number, result: 'pass' | 'fail'): Promise<void> {
  const inspect = await openTaskAt(id, 'Task_Inspect');
  await operatorApi.post(`/tasks/${inspect.id}/claim`);
  await operatorApi.post(`/tasks/${inspect.id}/complete`, { variables: { measurement, result }, signature: signed('performed') });
  await inspectorApi.post(`/tasks/${inspect.id}/verify`, signed('verified'));
}

describe('Feature: Gemba in the browser', () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    [ownerApi, reviewerApi, operatorApi, inspectorApi, supervisorApi, adminApi] = await Promise.all(
      ['owner', 'reviewer', 'operator', 'inspector', 'supervisor', 'admin'].map((username) => ApiClient.as(server.baseUrl, username)),
    );
    v1 = await releaseThroughApi(ownerApi, reviewerApi, {
      xml: fs.readFileSync(path.join(FIXTURES, 'part-inspection.bpmn'), 'utf8'),
      changeReason: 'First release of the part inspection for the browser journeys',
      forms: { 'inspect-part': JSON.parse(fs.readFileSync(path.join(FIXTURES, 'inspect-part.form.json'), 'utf8')) },
    });
  });

  after(async () => {
    for (const p of people) await p.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop();
  });

  scenario('a process owner edits a released process and submits it', (step) => {
    let owner: Person;

    step('Given the process owner opened the released version from the catalogue', async () => {
      owner = await person('owner');
      await owner.page.goto('/processes');
      await owner.page.getByRole('link', { name: 'Part inspection (e2e)' }).click();
      await owner.page.locator(`tr[data-version="1"] >> role=link[name="Open"]`).click();
      await owner.page.getByTestId('new-draft').waitFor();
      assert.equal(await owner.page.locator('.djs-element[data-element-id="Task_Inspect"]').count(), 1);
    });

    step('When they start a new draft, rename the inspection task, require a signature meaning "performed" and a second person\'s verification', async () => {
      const page = owner.page;
      await page.getByTestId('new-draft').click();
      await page.getByTestId('properties-panel').waitFor();
      await page.locator('[data-testid="diagram"] .djs-element[data-element-id="Task_Inspect"]').click();
      const panel = page.getByTestId('properties-panel');
      await panel.locator('[data-group-id="group-general"] .bio-properties-panel-group-header').click();
      const name = panel.locator('#bio-properties-panel-name');
      await name.fill(NEW_NAME);
      await panel.locator('[data-group-id="group-gemba-signature"] .bio-properties-panel-group-header').click();
      await panel.locator('#bio-properties-panel-gemba-signatureRequired').check();
      await panel.locator('#bio-properties-panel-gemba-signatureMeaning').selectOption('performed');
      await panel.locator('#bio-properties-panel-gemba-verifierRequired').check();
      await page.getByTestId('save-state').filter({ hasText: 'Unsaved changes' }).waitFor();
      // The live lint (the server's gate rules) finds nothing wrong with the edited model.
      await page.getByTestId('lint-summary').filter({ hasText: 'No problems found.' }).waitFor();
      await page.locator('.tabbed').evaluate((element) => element.scrollIntoView());
      await panel.locator('[data-group-id="group-gemba-signature"]').evaluate((element) => element.scrollIntoView({ block: 'end' }));
      await owner.screenshot('modeler');
    });

    step('And they save it with a change reason and submit it for review', async () => {
      const page = owner.page;
      await page.getByTestId('save').click();
      await page.getByLabel('Reason for the change').fill('Record the measured diameter; the operator signs the inspection, an inspector verifies it');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await page.getByTestId('save-state').filter({ hasText: 'Saved' }).waitFor();
      await page.getByTestId('submit').click();
      await page.locator('h1 .badge.status-in_review').waitFor();
    });

    step('Then the API holds v2 in review, based on v1, with the new name, signature meaning and verification', async () => {
      const versions = await ownerApi.get<{ items: Version[] }>(`/process-versions?key=${KEY}`);
      v2 = versions.items.find((v) => v.version === 2);
      assert.ok(v2, 'v2 exists');
      assert.equal(v2.status, 'in_review');
      assert.equal(v2.basedOnId, v1.id);
      assert.match(v2.changeReason, /measured diameter/);
      const xml = await ownerApi.get<string>(`/process-versions/${v2.id}/xml`);
      assert.match(xml, new RegExp(`name="${NEW_NAME}"`));
      assert.match(xml, /gemba:signatureMeaning="performed"/);
      assert.match(xml, /gemba:signatureRequired="true"/);
      assert.match(xml, /gemba:verifierRequired="true"/);
      const forms = await ownerApi.get<Record<string, unknown>>(`/process-versions/${v2.id}/forms`);
      assert.ok(forms['inspect-part'], 'the task form was carried over to the draft');
      assertNoConsoleErrors(owner);
    });
  });

  scenario('a reviewer sees the diff coloured and approves with a signature, then it is released', (step) => {
    let reviewer: Person;
    let owner: Person;

    step('Given the reviewer opened v2 from the review queue', async () => {
      assert.ok(v2, 'v2 was submitted by the previous journey');
      reviewer = await person('reviewer');
      await reviewer.page.waitForURL('**/review');
      await reviewer.page.locator(`[data-testid="review-queue"] tr[data-key="${KEY}"] >> role=link[name="Review"]`).click();
      await reviewer.page.getByTestId('diff-legend').waitFor();
    });

    step('Then the changed task is coloured on both diagrams and its changed properties are listed', async () => {
      const page = reviewer.page;
      await page.locator('[data-testid="diagram-after"] .djs-element.diff-changed[data-element-id="Task_Inspect"]').waitFor();
      await page.locator('[data-testid="diagram-before"] .djs-element.diff-changed[data-element-id="Task_Inspect"]').waitFor();
      const row = page.locator('[data-testid="changes-table"] tr[data-element="Task_Inspect"][data-attribute="name"]');
      assert.equal(await row.locator('td.before').innerText(), 'Inspect part');
      assert.equal(await row.locator('td.after').innerText(), NEW_NAME);
      const attributes = await page.locator('[data-testid="changes-table"] tr[data-element="Task_Inspect"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-attribute')));
      assert.ok(attributes.some((a) => a?.includes('signatureMeaning')), `the signature meaning is listed among ${attributes.join(', ')}`);
      await reviewer.screenshot('review-diff');
    });

    step('When they approve, the signature dialog shows the meaning and asks for the password (a wrong one is refused)', async () => {
      const page = reviewer.page;
      await page.getByTestId('approve').click();
      const dialog = page.getByRole('dialog');
      assert.equal(await dialog.getByTestId('signature-meaning').textContent(), 'approved');
      reviewer.allowConsoleError(/status of 401/);
      await dialog.getByLabel('Password').fill('not-the-password');
      await dialog.getByRole('button', { name: 'Sign and approve' }).click();
      await dialog.getByText('The password is not correct').waitFor();
      await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
      await dialog.getByLabel('Comment (optional)').fill('Diff reviewed; the gate passed');
      await dialog.getByRole('button', { name: 'Sign and approve' }).click();
      await page.locator('h1 .badge.status-approved').waitFor();
    });

    step('And the process owner releases it with their signature', async () => {
      owner = await person('owner');
      await owner.page.goto(`/versions/${v2!.id}/review`);
      await owner.page.getByTestId('release').click();
      const dialog = owner.page.getByRole('dialog');
      assert.equal(await dialog.getByTestId('signature-meaning').textContent(), 'released');
      await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
      await dialog.getByRole('button', { name: 'Sign and release' }).click();
      await owner.page.locator('h1 .badge.status-released').waitFor();
    });

    step('Then the API holds v2 released with both signatures and v1 superseded', async () => {
      const v2Now = await reviewerApi.get<Version>(`/process-versions/${v2!.id}`);
      assert.equal(v2Now.status, 'released');
      const approved = v2Now.signatures.find((s) => s.meaning === 'approved');
      assert.equal(approved?.signer, 'reviewer');
      assert.equal(approved?.valid, true);
      assert.equal(v2Now.signatures.find((s) => s.meaning === 'released')?.signer, 'owner');
      assert.equal((await reviewerApi.get<Version>(`/process-versions/${v1.id}`)).status, 'superseded');
      const processes = await reviewerApi.get<{ items: Array<{ key: string; released: { id: string } | null }> }>('/processes');
      assert.equal(processes.items.find((p) => p.key === KEY)?.released?.id, v2!.id);
      assertNoConsoleErrors(reviewer);
      assertNoConsoleErrors(owner);
    });
  });

  scenario('an operator sees the new task appear live and completes its form', (step) => {
    let operator: Person;
    let earlierKey: string;

    step('Given the operator watches their task list, where one inspection already waits', async () => {
      earlierKey = `LOT-${Date.now()}-A`;
      await ownerApi.post(`/processes/${KEY}/instances`, { businessKey: earlierKey, variables: { partNumber: 'PN-100' } });
      operator = await person('operator');
      await operator.page.waitForURL('**/tasks');
      await operator.page.locator('.live-indicator[data-connected="true"]').waitFor();
      await operator.page.locator('[data-testid="task-list"] .task-card[data-activity="Task_Inspect"]').first().waitFor();
      await markPage(operator);
    });

    step('When an instance of the released process starts, its task appears within a second, without a reload', async () => {
      businessKey = `LOT-${Date.now()}-B`;
      const instance = await ownerApi.post<{ id: string; status: string; openTasks: ApiTask[] }>(`/processes/${KEY}/instances`, { businessKey, variables: { partNumber: 'PN-100' } });
      const committed = Date.now();
      instanceId = instance.id;
      inspectTaskId = instance.openTasks[0]?.id;
      assert.ok(inspectTaskId, 'the instance waits at the inspection');
      const card = operator.page.locator(`[data-testid="task-list"] .task-card[data-task-id="${inspectTaskId}"]`);
      await card.waitFor({ timeout: 1000 });
      const elapsed = Date.now() - committed;
      assert.ok(elapsed < 1000, `the task appeared ${elapsed} ms after the start was committed`);
      await assertNotReloaded(operator);
      assert.match(await card.innerText(), new RegExp(businessKey));
      assert.match(await card.innerText(), /performed/, 'the card says the task is signed');
      await operator.screenshot('task-list');
    });

    step('And the list is made for touch and keyboard: large controls, each named, and they claim the task with the keyboard', async () => {
      const page = operator.page;
      const controls = await page.locator('main').locator('button, a.button').evaluateAll((elements) =>
        elements.map((e) => ({ name: (e.getAttribute('aria-label') ?? e.textContent ?? '').trim(), height: e.getBoundingClientRect().height, width: e.getBoundingClientRect().width })),
      );
      assert.ok(controls.length >= 5);
      for (const control of controls) {
        assert.ok(control.name, 'every control has a name');
        assert.ok(control.height >= 44 && control.width >= 44, `"${control.name}" is ${control.width}×${control.height} px, at least 44×44 for a finger`);
      }
      const claim = page.locator(`.task-card[data-task-id="${inspectTaskId}"] [data-action="claim"]`);
      // Tab through the page until the task's Claim button has the focus, then press Enter.
      await eventually(async () => {
        await page.keyboard.press('Tab');
        return claim.evaluate((element) => element === document.activeElement);
      }, 5000, 'the Claim button to receive the focus by Tab');
      await page.keyboard.press('Enter');
      await page.locator(`.task-card[data-task-id="${inspectTaskId}"] [data-action="unclaim"]`).waitFor();
    });

    step('And they open it, and the form refuses to submit while a required field is empty', async () => {
      const page = operator.page;
      assert.equal((await operatorApi.get<ApiTask>(`/tasks/${inspectTaskId}`)).assignee, 'operator');
      await page.locator(`.task-card[data-task-id="${inspectTaskId}"] >> role=link[name=/^Open/]`).click();
      await page.getByTestId('task-form').locator('.fjs-form').waitFor();
      await page.locator('[data-action="complete"]').click();
      await page.getByText(/Check 2 fields before completing: Measured diameter \(mm\), Result/).waitFor();
      await page.getByTestId('task-form').locator('.fjs-form-field-error').first().waitFor();
    });

    step('When the browser\'s check is bypassed, the server\'s refusal is shown on the field and nothing is signed', async () => {
      const page = operator.page;
      await page.getByLabel('Measured diameter (mm)').fill('12.504');
      await page.getByLabel('Pass', { exact: true }).check();
      await page.getByLabel('Notes').fill('Bore gauge BG-7; reading stable');
      await operator.screenshot('task-form');
      // A client that skipped the form's check sends an out-of-limit value: the server decides.
      await page.route('**/api/v1/tasks/*/complete', async (route) => {
        const body = JSON.parse(route.request().postData() ?? '{}') as { variables: Record<string, unknown> };
        await route.continue({ postData: JSON.stringify({ ...body, variables: { ...body.variables, measurement: 250 } }) });
      });
      operator.allowConsoleError(/status of 400/);
      await page.locator('[data-action="complete"]').click();
      const dialog = page.getByRole('dialog');
      assert.equal(await dialog.getByTestId('signature-meaning').textContent(), 'performed');
      await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
      await dialog.getByRole('button', { name: 'Sign and complete' }).click();
      await page.getByTestId('server-refusal').waitFor();
      await dialog.waitFor({ state: 'detached' });
      const field = page.locator('.fjs-form-field', { has: page.getByLabel('Measured diameter (mm)') });
      assert.match(await field.locator('.fjs-form-field-error').innerText(), /at most 100/);
      assert.equal(await page.getByLabel('Measured diameter (mm)').getAttribute('aria-invalid'), 'true');
      await page.unroute('**/api/v1/tasks/*/complete');
      const task = await operatorApi.get<ApiTask>(`/tasks/${inspectTaskId}`);
      assert.equal(task.status, 'open');
      assert.equal(task.completedBy, null);
    });

    step('And they sign as "performed" with the data they entered, and the step waits for verification', async () => {
      const page = operator.page;
      await page.locator('[data-action="complete"]').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
      await dialog.getByRole('button', { name: 'Sign and complete' }).click();
      await page.waitForURL('**/tasks');
      await page.getByText('recorded; it waits for verification').waitFor();
    });

    step('Then the API holds the step performed by the operator with the entered data, awaiting verification', async () => {
      const task = await operatorApi.get<ApiTask>(`/tasks/${inspectTaskId}`);
      assert.equal(task.status, 'awaiting_verification');
      assert.equal(task.completedBy, 'operator');
      assert.deepEqual(task.submitted, { measurement: 12.504, result: 'pass', notes: 'Bore gauge BG-7; reading stable' });
      const instance = await supervisorApi.get<ApiInstance>(`/instances/${instanceId}`);
      assert.equal(instance.status, 'running');
      assert.deepEqual(instance.openTasks, [], 'nothing is open: the step waits for its verifier');
      assertNoConsoleErrors(operator);
    });
  });

  scenario('the monitor shows the token moved', (step) => {
    let supervisor: Person;
    let inspector: Person;

    step('Given a supervisor follows the instance from the monitor while the step awaits verification', async () => {
      assert.ok(instanceId, 'the previous journey started an instance');
      supervisor = await person('supervisor');
      await supervisor.page.goto(`/instances?businessKey=${encodeURIComponent(businessKey!)}`);
      await supervisor.page.locator(`tr[data-instance-id="${instanceId}"] >> role=link[name=/^Open/]`).click();
      await supervisor.page.locator('[data-testid="instance-page"][data-watching="true"]').waitFor();
      const diagram = supervisor.page.getByTestId('instance-diagram');
      await diagram.locator('.djs-element.token-waiting[data-element-id="Task_Inspect"]').waitFor();
      assert.match(await supervisor.page.getByTestId('waiting-for').innerText(), /verification of operator/);
      await markPage(supervisor);
    });

    step('When an inspector verifies the performed step with their signature', async () => {
      inspector = await person('inspector');
      await inspector.page.goto('/tasks?scope=verify');
      const card = inspector.page.locator(`.task-card[data-task-id="${inspectTaskId}"]`);
      await card.getByRole('link', { name: /^Verify/ }).click();
      await inspector.page.getByTestId('performed-by').filter({ hasText: 'operator' }).waitFor();
      // The performer's data is shown read-only.
      assert.equal(await inspector.page.getByLabel('Measured diameter (mm)').inputValue(), '12.504');
      await inspector.page.locator('[data-action="verify"]').click();
      const dialog = inspector.page.getByRole('dialog');
      assert.equal(await dialog.getByTestId('signature-meaning').textContent(), 'verified');
      await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
      await dialog.getByRole('button', { name: 'Sign and verify' }).click();
      await inspector.page.waitForURL('**/tasks');
    });

    step('Then the monitor shows, without a reload, the token at the sign-off and the inspection on the path taken', async () => {
      const diagram = supervisor.page.getByTestId('instance-diagram');
      await diagram.locator('.djs-element.token-waiting[data-element-id="Task_Signoff"]').waitFor({ timeout: 2000 });
      await diagram.locator('.djs-element.path-taken[data-element-id="Task_Inspect"]').waitFor();
      await diagram.locator('.djs-connection.path-taken[data-element-id="Flow_ToSignoff"]').waitFor({ state: 'attached' });
      assert.equal(await diagram.locator('.djs-element.token-waiting[data-element-id="Task_Inspect"]').count(), 0);
      await assertNotReloaded(supervisor);
      await supervisor.page.locator('[data-variable="measurement"]').filter({ hasText: '12.504' }).waitFor();
      await supervisor.screenshot('instance-monitor');
    });

    step('And the API agrees: the open task is the sign-off, the inspection ended, the data is the instance\'s', async () => {
      const instance = await ownerApi.get<ApiInstance>(`/instances/${instanceId}`);
      assert.equal(instance.status, 'running');
      assert.deepEqual(instance.openTasks.map((task) => task.activityId), ['Task_Signoff']);
      assert.ok(instance.history.some((entry) => entry.activityId === 'Task_Inspect' && entry.endedAt), 'the inspection ended');
      assert.equal(instance.tasks.find((t) => t.id === inspectTaskId)?.status, 'completed');
      assert.deepEqual({ measurement: instance.variables.measurement, result: instance.variables.result }, { measurement: 12.504, result: 'pass' });
      assertNoConsoleErrors(supervisor);
      assertNoConsoleErrors(inspector);
    });
  });

  scenario('a supervisor retries an incident and cancels the instance with a reason', (step) => {
    const ROUTE_KEY = 'e2e_route_by_amount';
    let supervisor: Person;
    let failed: ApiInstance;

    step('Given a released process whose condition names a variable that is never set, and an instance of it in incident', async () => {
      const xml = buildProcess({
        id: ROUTE_KEY,
        name: 'Route by amount (e2e)',
        nodes: [
          { id: 'Start', type: 'startEvent', name: 'Request' },
          { id: 'Decide', type: 'exclusiveGateway', name: 'Large amount?' },
          { id: 'Approve', type: 'userTask', name: 'Approve large amount', attrs: { 'camunda:candidateGroups': 'supervisor' } },
          { id: 'Small', type: 'endEvent', name: 'Small amount' },
          { id: 'Large', type: 'endEvent', name: 'Large amount approved' },
        ],
        flows: [
          { from: 'Start', to: 'Decide' },
          { from: 'Decide', to: 'Approve', name: 'yes', condition: '${amont > 1000}' },
          { from: 'Decide', to: 'Small', name: 'no', default: true },
          { from: 'Approve', to: 'Large' },
        ],
      });
      await releaseThroughApi(ownerApi, reviewerApi, { xml, changeReason: 'A model with a typo, for the incident journey' });
      failed = await supervisorApi.post<ApiInstance>(`/processes/${ROUTE_KEY}/instances`, { businessKey: 'REQ-7', variables: { amount: 5000 } });
      assert.equal(failed.status, 'incident');
    });

    step('When the supervisor opens it, the failing element is marked and the incident names the expression', async () => {
      supervisor = await person('supervisor');
      await supervisor.page.goto(`/instances?status=incident`);
      await supervisor.page.locator(`tr[data-instance-id="${failed.id}"] >> role=link[name=/^Open/]`).click();
      await supervisor.page.locator('[data-testid="instance-page"][data-watching="true"]').waitFor();
      const incident = failed.incidents[0];
      assert.ok(incident.activityId, 'the incident names its element');
      await supervisor.page.getByTestId('instance-diagram').locator(`.djs-element.has-incident[data-element-id="${incident.activityId}"]`).waitFor();
      assert.match(await supervisor.page.getByTestId('open-incidents').innerText(), /amont/);
    });

    step('And a retry of the unchanged model fails again, saying so, and a new incident records the attempt', async () => {
      await supervisor.page.getByTestId('open-incidents').getByRole('button', { name: 'Retry' }).click();
      await supervisor.page.locator('[data-testid="retry-outcome"][data-outcome="failedAgain"]').waitFor();
      await supervisor.page.locator('.incidents details summary').filter({ hasText: '1 resolved' }).waitFor();
      const instance = await supervisorApi.get<ApiInstance>(`/instances/${failed.id}`);
      assert.deepEqual(instance.incidents.map((i) => i.status).sort(), ['open', 'resolved']);
    });

    step('When they cancel it with a reason, Then it ends cancelled with that reason and no open incident', async () => {
      const page = supervisor.page;
      await page.locator('[data-action="cancel-instance"]').click();
      await page.getByLabel('Reason for cancelling').fill('Model defect CR-12; re-run on the corrected version');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel instance' }).click();
      await page.getByTestId('instance-status').filter({ hasText: 'cancelled' }).waitFor();
      await page.getByTestId('instance-ended').filter({ hasText: 'Model defect CR-12' }).waitFor();
      assert.equal(await page.locator('[data-action="cancel-instance"]').count(), 0);
      const instance = await supervisorApi.get<ApiInstance>(`/instances/${failed.id}`);
      assert.equal(instance.status, 'cancelled');
      assert.equal(instance.endReason, 'Model defect CR-12; re-run on the corrected version');
      assert.ok(instance.incidents.every((i) => i.status === 'resolved'));
      assertNoConsoleErrors(supervisor);
    });
  });

  scenario('the dashboard renders its charts', (step) => {
    let supervisor: Person;

    step('Given a shift of inspections worked through the API while the controlled clock moves on', async () => {
      // Three parts pass through inspection and sign-off, each taking a few hours; two more wait.
      const lots = [
        { lot: 'LOT-S1', measurement: 12.49, result: 'pass' as const, hours: 2 },
        { lot: 'LOT-S2', measurement: 12.51, result: 'pass' as const, hours: 3 },
        { lot: 'LOT-S3', measurement: 12.62, result: 'fail' as const, hours: 1 },
      ];
      for (const { lot, measurement, result, hours } of lots) {
        const started = await ownerApi.post<ApiInstance>(`/processes/${KEY}/instances`, { businessKey: lot, variables: { partNumber: 'PN-100' } });
        await adminApi.post('/admin/clock', { advanceMs: hours * HOUR });
        await inspectThroughApi(started.id, measurement, result);
        const signoff = await openTaskAt(started.id, 'Task_Signoff');
        await supervisorApi.post(`/tasks/${signoff.id}/claim`);
        await supervisorApi.post(`/tasks/${signoff.id}/complete`, { variables: {} });
        assert.equal((await supervisorApi.get<ApiInstance>(`/instances/${started.id}`)).status, 'completed');
      }
      // The journeys' own instance has waited at its sign-off (due in 4 h) for 6 h by now.
      const overdue = await supervisorApi.get<{ items: ApiTask[] }>(`/tasks?view=all&status=open&overdue=true`);
      assert.ok(overdue.items.some((t) => t.activityId === 'Task_Signoff'), 'a sign-off is overdue');
    });

    step('When the supervisor opens the dashboard, Then the tiles, the charts and the heatmap are drawn', async () => {
      supervisor = await person('supervisor');
      await supervisor.page.goto('/dashboard');
      const page = supervisor.page;
      await page.getByTestId('kpi-tiles').locator('.tile').first().waitFor();
      for (const chart of ['throughput', 'cycle-time', 'tasks', 'status']) {
        await page.locator(`figure.chart[data-chart="${chart}"][data-rendered="true"] canvas`).waitFor();
      }
      assert.equal(await page.locator('figure.chart[data-rendered="empty"]').count(), 0, 'no chart is empty');
      await page.getByTestId('heatmap-status').waitFor();
      assert.ok(Number(await page.getByTestId('heatmap-status').getAttribute('data-cells')) >= 4, 'the activities of the inspection are coloured');
      assert.equal(await page.locator('select[name="heat-process"]').inputValue(), KEY);
      await supervisor.screenshot('dashboard', { fullPage: true });
    });

    step('And the figures match what the API reports', async () => {
      const page = supervisor.page;
      const tile = async (id: string) => (await page.getByTestId(id).locator('.tile-value').innerText()).trim();
      const open = await supervisorApi.get<{ total: number }>('/tasks?view=all&status=open&limit=1');
      const verifying = await supervisorApi.get<{ total: number }>('/tasks?view=all&status=awaiting_verification&limit=1');
      const overdue = await supervisorApi.get<{ total: number }>('/tasks?view=all&status=open&overdue=true&limit=1');
      const instances = await supervisorApi.get<{ total: number }>('/instances?limit=1');
      const completed = await supervisorApi.get<{ total: number }>('/instances?status=completed&limit=1');
      assert.equal(Number(await tile('tile-open-tasks')), open.total + verifying.total);
      assert.equal(Number(await tile('tile-overdue-tasks')), overdue.total);
      assert.ok(overdue.total >= 1);
      assert.equal(Number(await tile('tile-started')), instances.total);
      assert.equal(Number(await tile('tile-completed')), completed.total);
      assert.equal(completed.total, 3);
      // Cycle times of 2, 3 and 1 hours (the clock moved while each part waited).
      assert.match(await tile('tile-cycle-time'), /^2 h( \d+ min)?$/);
      assertNoConsoleErrors(supervisor);
    });
  });

  scenario('the idle timeout ends the session in the browser and on the server', (step) => {
    let idle: Person;
    let token: string;
    let idleSeconds: number;

    step('Given a reviewer signed in on a tablet whose clock the test controls', async () => {
      idle = await Person.open(browser, server.baseUrl);
      people.push(idle);
      await idle.context.clock.install();
      await idle.signIn('reviewer');
      const saved = await idle.page.evaluate(() => ({ session: sessionStorage.getItem('gemba.session'), local: localStorage.length }));
      assert.equal(saved.local, 0, 'nothing is kept in localStorage');
      const state = JSON.parse(saved.session ?? '{}') as { token: string; idleTimeoutSeconds: number };
      token = state.token;
      idleSeconds = state.idleTimeoutSeconds;
      assert.ok(token, 'the token is kept in sessionStorage');
      assert.ok(idleSeconds > 0, 'the idle timeout came with the login');
    });

    step('When nothing happens for longer than the idle timeout', async () => {
      await new ApiClient(server.baseUrl, token).get('/me');
      await idle.page.clock.fastForward((idleSeconds + 5) * 1000);
    });

    step('Then the sign-in page says why, and the server no longer accepts the token', async () => {
      await idle.page.getByText('You were signed out because nothing happened for a while').waitFor();
      assert.equal(await idle.page.evaluate(() => sessionStorage.getItem('gemba.session')), null);
      await eventually(
        async () => {
          try {
            await new ApiClient(server.baseUrl, token).get('/me');
            return false;
          } catch (error) {
            return (error as { status?: number }).status === 401;
          }
        },
        5000,
        'the server to refuse the ended session',
      );
      idle.allowConsoleError(/status of 401/);
      assertNoConsoleErrors(idle);
    });
  });

  scenario('the modeler shows import problems and the submit gate\'s lint findings, never swallowing them', (step) => {
    let owner: Person;
    const openFile = async (file: string) => {
      await owner.page.goto('/processes/new');
      await owner.page.getByLabel('Or open a BPMN file').setInputFiles(path.join(REPO_ROOT, '../shared/corpus/camunda-modeler', file));
      await owner.page.getByRole('button', { name: 'Open in the modeler' }).click();
    };

    step('When the process owner opens a model with deliberate modelling mistakes', async () => {
      owner = await person('owner');
      // bpmn-js itself logs each element it cannot import (this model has flows without ends);
      // the app lists them as import warnings too.
      owner.allowConsoleError(/^failed to import </);
      await openFile('lint-errors.bpmn');
      await owner.page.getByTestId('lint-summary').filter({ hasText: /\d+ errors?/ }).waitFor();
    });

    step('Then Gemba\'s own gate rules report the unassigned user task and the unbound service task', async () => {
      const findings = await owner.page.locator('.lint-panel .lint-list li').allInnerTexts();
      assert.ok(findings.some((text) => /is offered to nobody/.test(text) && /user-task-assignment/.test(text)), findings.join('\n'));
      assert.ok(findings.some((text) => /service-task-binding/.test(text)), 'a service task without a binding is reported');
    });

    step('And a model whose diagram names a missing element opens with the warning listed', async () => {
      await openFile('import-warnings.bpmn');
      const problems = owner.page.getByTestId('import-problems');
      await problems.filter({ hasText: /Imported with \d+ warning/ }).waitFor();
    });

    step('And malformed XML is refused with the parser\'s message, and nothing crashes', async () => {
      await openFile('broken.bpmn');
      assert.ok(owner.leftUnsaved >= 1, 'leaving an unsaved model asked first');
      const problems = owner.page.getByTestId('import-problems');
      await problems.filter({ hasText: 'The diagram could not be opened' }).waitFor();
      assert.match(await problems.innerText(), /foobar|unparsable|closing tag/i);
      assertNoConsoleErrors(owner);
    });
  });

  scenario('a model full of script payloads opens as text and runs nothing', (step) => {
    let owner: Person;

    step('When the process owner opens the xss corpus model in the modeler', async () => {
      owner = await person('owner');
      await owner.page.goto('/processes/new');
      await owner.page.getByLabel('Or open a BPMN file').setInputFiles(path.join(REPO_ROOT, '../shared/corpus/camunda-modeler/xss.bpmn'));
      await owner.page.getByRole('button', { name: 'Open in the modeler' }).click();
      await owner.page.locator('[data-testid="diagram"] .djs-element[data-element-id="Task_17p5kda"]').click();
      // Open the group that shows the output parameter whose name carries the payload.
      await owner.page.getByTestId('properties-panel').locator('[data-group-id="group-CamundaPlatform__Output"] .bio-properties-panel-group-header').click();
      await owner.page.getByTestId('properties-panel').locator('.bio-properties-panel-collapsible-entry-header').first().click();
      await owner.page.getByTestId('lint-summary').filter({ hasNotText: 'Checking' }).waitFor();
    });

    step('Then no script ran and no injected element exists, and the payload shows as text', async () => {
      const shown = await owner.page.getByTestId('properties-panel').locator('input, textarea').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      assert.ok(shown.some((value) => value.includes('<img height=100')), 'the parameter name is shown as text');
      const injected = await owner.page.evaluate(() => document.querySelectorAll('img[src="1"], [onerror], img[src^="data:image/svg+xml;base64,PHN2Zy"]').length);
      assert.equal(injected, 0);
      assert.deepEqual(owner.dialogs, []);
      assertNoConsoleErrors(owner);
    });
  });
});

// The xss corpus lives in the shared folder beside the repository (/work/shared or ../shared in CI).
if (!fs.existsSync(path.join(REPO_ROOT, '../shared/corpus/camunda-modeler/xss.bpmn'))) {
  process.emitWarning('The shared BPMN corpus is not beside the repository; the xss journey will fail');
}
