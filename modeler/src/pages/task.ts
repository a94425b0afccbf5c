import type { App, PageMount } from '../app/context';
import { h, replace, statusBadge } from '../app/dom';
import { formatTime } from '../app/format';
import { dataToSubmit, editableFields, fieldErrors, prefill } from '../app/form-data';
import { ProblemError } from '../app/problem';
import { isCandidate, isMine, isOfferedTo, mayComplete, mayVerify } from '../app/task-rules';
import type { FormSchema, Task, User } from '../app/types';
import type { RenderedForm } from '../components/form-viewer';
import { problemView } from '../components/problem-view';
import { signatureDialog } from '../components/signature-dialog';
import { toast } from '../components/toast';
import { dueMarker, offeredTo } from './tasks';

/** A completion the server refused for its data: the dialog closes and the errors go to the fields. */
class RefusedData {
  constructor(readonly error: ProblemError) {}
}

/**
 * One task: claim or unclaim it; fill in its form (form-js, validated in the browser before it is
 * sent, the server's refusals shown on their fields) and complete it, signing when the task asks
 * for a signature; a step that needs a second person waits for their verification, which is
 * signed here too. Performed and completed tasks show the submitted data read-only.
 */
export const mount: PageMount = async (main, match, app) => {
  const user = app.session.user as User;
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading task…'));
  let task: Task;
  try {
    task = await app.api.task(match.params.id);
  } catch (error) {
    replace(main, h('h1', null, 'Task'), problemView(error));
    return;
  }
  let rendered: RenderedForm | null = null;
  let localCheck: HTMLElement | null = null;
  const schema: FormSchema | null = task.form ?? null;
  const messages = h('div', { 'aria-live': 'assertive', 'data-testid': 'task-messages' });
  const actions = h('div', { class: 'toolbar' });
  const formHost = h('div', { class: 'task-form', 'data-testid': 'task-form' });
  // Only the assignee fills in the form: a candidate claims the task first, so two people never fill it at once.
  const fillable = task.status === 'open' && isMine(task, user);
  const verifying = task.status === 'awaiting_verification';
  const title = task.name || task.activityId;

  replace(
    main,
    h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' }, h('a', { href: '/tasks' }, 'Tasks'), ' / ', title),
    h('h1', null, title, ' ', h('span', { 'data-testid': 'task-status' }, statusBadge(task.status))),
    h(
      'dl',
      { class: 'meta' },
      h('dt', null, 'Process'),
      h('dd', null, task.processKey, task.businessKey ? ` · ${task.businessKey}` : ''),
      h('dt', null, 'Instance'),
      h('dd', null, app.session.can('read', 'ProcessInstance') ? h('a', { href: `/instances/${task.instanceId}` }, task.businessKey ?? task.instanceId.slice(0, 8)) : task.instanceId.slice(0, 8)),
      h('dt', null, 'Offered to'),
      h('dd', null, offeredTo(task)),
      h('dt', null, 'Assignee'),
      h('dd', { 'data-testid': 'assignee' }, task.assignee ? (isMine(task, user) ? 'you' : task.assignee) : 'nobody yet'),
      h('dt', null, 'Due'),
      h('dd', null, task.dueAt ? [formatTime(task.dueAt), ' ', dueMarker(task)] : '—'),
      task.signature?.required
        ? [h('dt', null, 'Signature'), h('dd', null, `Completing it needs the performer's signature meaning “${task.signature.meaning ?? 'performed'}”`, task.signature.verifierRequired ? ', then a second person verifies it (“verified”).' : '.')]
        : null,
      task.completedBy ? [h('dt', null, verifying ? 'Performed by' : 'Completed by'), h('dd', { 'data-testid': 'performed-by' }, task.completedBy === user.username ? 'you' : task.completedBy, task.completedAt ? `, ${formatTime(task.completedAt)}` : '')] : null,
    ),
    actions,
    messages,
    formHost,
  );

  if (isOfferedTo(task, user)) {
    actions.append(h('button', { type: 'button', class: 'primary', 'data-action': 'claim', onclick: () => void claim('claim') }, 'Claim'));
  }
  if (task.status === 'open' && isMine(task, user)) {
    actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'unclaim', onclick: () => void claim('unclaim') }, 'Unclaim'));
  }

  try {
    if (schema) {
      const data = task.submitted ?? (fillable ? prefill(schema, await variablesOf(app, task)) : {});
      const { renderForm } = await import('../components/form-viewer');
      rendered = await renderForm(formHost, schema, data, { readOnly: !fillable });
      // The "check these fields" note goes once a field changes; form-js shows what is still wrong.
      rendered.onFieldChange(() => localCheck?.remove());
    } else if (task.formRef) {
      replace(formHost, h('p', { class: 'problem', role: 'alert' }, `The form “${task.formRef}” is missing from the process version.`));
    } else {
      formHost.append(h('p', { class: 'muted' }, 'This task has no form.'));
    }
  } catch (error) {
    replace(formHost, h('p', null, 'The form could not be shown:'), problemView(error));
  }

  if (fillable) {
    formHost.after(
      h(
        'div',
        { class: 'toolbar sticky-actions' },
        h('button', { type: 'button', class: 'primary large', 'data-action': 'complete', onclick: () => void complete() }, task.signature?.required ? 'Sign and complete…' : 'Complete'),
      ),
    );
  } else if (isOfferedTo(task, user)) {
    formHost.before(h('p', { class: 'notice' }, 'Claim the task to fill in its form.'));
  } else if (task.status === 'open' && !mayComplete(task, user)) {
    formHost.before(h('p', { class: 'notice' }, task.assignee ? `${task.assignee} works on this task.` : 'This task is offered to others.'));
  } else if (verifying) {
    if (mayVerify(task, user)) {
      formHost.before(h('p', { class: 'notice' }, `Check what ${task.completedBy ?? 'the performer'} recorded, then verify it with your signature.`));
      formHost.after(h('div', { class: 'toolbar sticky-actions' }, h('button', { type: 'button', class: 'primary large', 'data-action': 'verify', onclick: () => void verify() }, 'Verify and sign…')));
    } else {
      formHost.before(h('p', { class: 'notice' }, task.completedBy === user.username ? 'You performed this step: a second person must verify it.' : isCandidate(task, user) ? 'This step waits for verification.' : 'This step waits for verification by one of its candidates.'));
    }
  }

  async function claim(action: 'claim' | 'unclaim') {
    replace(messages);
    try {
      if (action === 'claim') await app.api.claimTask(task.id);
      else await app.api.unclaimTask(task.id);
      await app.router.reload();
    } catch (error) {
      replace(messages, problemView(error));
    }
  }

  function showRefusal(error: ProblemError) {
    const keys = schema ? editableFields(schema).map((f) => f.key) : [];
    const { byKey, other } = fieldErrors(error.problem, keys);
    rendered?.showErrors(byKey);
    const count = Object.keys(byKey).length;
    replace(
      messages,
      h(
        'div',
        { class: 'problem', role: 'alert', 'data-testid': 'server-refusal' },
        h('strong', null, 'The server refused the data: '),
        count ? `check ${count} field${count === 1 ? '' : 's'} marked below.` : (error.problem.detail ?? error.message),
        other.length ? h('ul', { class: 'problem-errors' }, other.map((e) => h('li', null, e.message))) : null,
      ),
    );
    formHost.querySelector<HTMLElement>('.fjs-has-errors input, .fjs-has-errors select, .fjs-has-errors textarea')?.focus();
  }

  async function complete() {
    replace(messages);
    let data: Record<string, unknown> = {};
    if (rendered && schema) {
      const result = rendered.submit();
      const invalid = Object.entries(result.errors).filter(([, errors]) => errors?.length);
      if (invalid.length) {
        const labels = new Map(editableFields(schema).map((f) => [f.id, f.label]));
        localCheck = h('div', { class: 'problem', role: 'alert' }, `Check ${invalid.length} field${invalid.length === 1 ? '' : 's'} before completing: `, invalid.map(([id]) => labels.get(id) ?? id).join(', '));
        replace(messages, localCheck);
        formHost.querySelector<HTMLElement>('.fjs-has-errors input, .fjs-has-errors select, .fjs-has-errors textarea')?.focus();
        return;
      }
      data = dataToSubmit(schema, result.data);
    }
    // A 400 for the data closes the signature dialog: the fix is in the form, not in the dialog.
    const send = async (signature?: Parameters<typeof app.api.completeTask>[2]) => {
      try {
        return await app.api.completeTask(task.id, data, signature);
      } catch (error) {
        if (error instanceof ProblemError && error.status === 400 && error.problem.errors?.some((e) => e.path?.startsWith('body.variables'))) return new RefusedData(error);
        throw error;
      }
    };
    try {
      const outcome = task.signature?.required
        ? await signatureDialog({
            record: `Task “${title}”${task.businessKey ? ` of ${task.businessKey}` : ''}`,
            meaning: task.signature.meaning ?? 'performed',
            signer: user,
            submitLabel: 'Sign and complete',
            sign: (signature) => send(signature),
          })
        : await send();
      if (!outcome) return;
      if (outcome instanceof RefusedData) {
        showRefusal(outcome.error);
        return;
      }
      toast(outcome.status === 'awaiting_verification' ? `${title} recorded; it waits for verification` : `${title} completed`, 'success');
      await app.navigate('/tasks');
    } catch (error) {
      replace(messages, problemView(error));
    }
  }

  async function verify() {
    replace(messages);
    try {
      const done = await signatureDialog({
        record: `Task “${title}”${task.businessKey ? ` of ${task.businessKey}` : ''}, performed by ${task.completedBy ?? 'someone'}`,
        meaning: 'verified',
        signer: user,
        submitLabel: 'Sign and verify',
        sign: (signature) => app.api.verifyTask(task.id, signature),
      });
      if (!done) return;
      toast(`${title} verified`, 'success');
      await app.navigate('/tasks');
    } catch (error) {
      replace(messages, problemView(error));
    }
  }

  return { cleanup: () => rendered?.destroy() };
};

/** The instance's variables, to prefill the form (empty when they cannot be read). */
async function variablesOf(app: App, task: Task): Promise<Record<string, unknown>> {
  if (!app.session.can('read', 'ProcessInstance')) return {};
  try {
    return (await app.api.instance(task.instanceId)).variables ?? {};
  } catch {
    return {};
  }
}
