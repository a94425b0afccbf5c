import type { PageMount } from '../app/context';
import { h, replace } from '../app/dom';
import { formatTime, relative, ROLE_LABELS } from '../app/format';
import { dueState, isMine, isOfferedTo, mayVerify } from '../app/task-rules';
import type { Task, User } from '../app/types';
import { problemView } from '../components/problem-view';
import { toast } from '../components/toast';

type Scope = 'work' | 'mine' | 'verify' | 'all';

/** The due marker of a task: overdue (the server's judgement), due soon, or the date. */
export function dueMarker(task: Task, now = Date.now()): HTMLElement | null {
  const state = dueState(task, now);
  if (!state || !task.dueAt) return null;
  // An overdue task says since when, not "x ago": the server's clock decides, the browser's may differ.
  const text = state === 'overdue' ? `Overdue since ${formatTime(task.dueAt)}` : Date.parse(task.dueAt) > now ? `Due ${relative(task.dueAt, now)}` : `Due ${formatTime(task.dueAt)}`;
  return h('span', { class: `due ${state}`, title: formatTime(task.dueAt), 'data-due': state }, text);
}

/** Who a task is offered to, in words. */
export function offeredTo(task: Task): string {
  return [...task.candidateGroups.map((g) => ROLE_LABELS[g] ?? g), ...task.candidateUsers].join(', ') || 'nobody';
}

/**
 * The task list: the work offered to me or assigned to me, my own tasks, the steps waiting for a
 * second person's verification, and (for those who assign work) all open tasks. A new task
 * appears without a reload: every `task.*` event re-reads the list.
 */
export const mount: PageMount = async (main, match, app) => {
  const user = app.session.user as User;
  const seesAll = app.session.can('assign', 'UserTask');
  const scopes: Array<[Scope, string]> = [
    ['work', 'My work'],
    ['mine', 'Assigned to me'],
    ['verify', 'To verify'],
    ...(seesAll ? ([['all', 'All open']] as Array<[Scope, string]>) : []),
  ];
  const requested = match.query.get('scope') as Scope | null;
  let scope: Scope = scopes.some(([value]) => value === requested) ? (requested as Scope) : 'work';
  let lists: Record<Scope, Task[]> = { work: [], mine: [], verify: [], all: [] };
  const known = new Set<string>();
  let first = true;

  const scopeButtons = scopes.map(([value, label]) =>
    h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(value === scope), 'data-scope': value, onclick: () => setScope(value) }, label, h('span', { class: 'count', 'data-count-for': value }, '')),
  );
  const list = h('div', { class: 'task-list', 'data-testid': 'task-list', 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading tasks…'));
  const messages = h('div', { 'aria-live': 'assertive' });
  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Tasks'), h('p', { class: 'muted' }, `Your roles: ${user.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ')}`)),
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Which tasks' }, scopeButtons),
    messages,
    list,
  );

  function setScope(value: Scope) {
    scope = value;
    scopeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.scope === value)));
    history.replaceState(null, '', `/tasks?scope=${value}`);
    render();
  }

  function card(task: Task, now: number): HTMLElement {
    const fresh = !first && !known.has(task.id);
    const verifying = task.status === 'awaiting_verification';
    const href = `/tasks/${task.id}`;
    return h(
      'li',
      { class: `task-card${fresh ? ' fresh' : ''}`, 'data-task-id': task.id, 'data-activity': task.activityId, 'data-status': task.status },
      h(
        'div',
        { class: 'task-main' },
        h('a', { href, class: 'task-name' }, task.name || task.activityId),
        h('div', { class: 'task-sub muted' }, [task.processKey, task.businessKey].filter(Boolean).join(' · ')),
      ),
      h(
        'div',
        { class: 'task-meta' },
        dueMarker(task, now),
        verifying
          ? h('span', { class: 'badge status-in_review' }, task.completedBy === user.username ? 'You performed it: someone else verifies' : `Performed by ${task.completedBy ?? 'someone'}: verify it`)
          : task.assignee
            ? h('span', { class: 'assignee' }, isMine(task, user) ? 'Assigned to you' : `Assigned to ${task.assignee}`)
            : h('span', { class: 'muted' }, `Offered to ${offeredTo(task)}`),
        task.signature?.required ? h('span', { class: 'badge sig', title: 'Completing it needs an electronic signature' }, `✍ ${task.signature.meaning ?? 'signature'}`) : null,
        task.signature?.verifierRequired && !verifying ? h('span', { class: 'badge sig', title: 'A second person verifies it' }, '✍✍ verified') : null,
      ),
      h(
        'div',
        { class: 'task-actions' },
        isOfferedTo(task, user) ? h('button', { type: 'button', class: 'primary', 'data-action': 'claim', onclick: () => void act(task, 'claim') }, 'Claim', h('span', { class: 'sr-only' }, ` ${task.name ?? ''}`)) : null,
        isMine(task, user) && task.status === 'open' ? h('button', { type: 'button', class: 'secondary', 'data-action': 'unclaim', onclick: () => void act(task, 'unclaim') }, 'Unclaim', h('span', { class: 'sr-only' }, ` ${task.name ?? ''}`)) : null,
        h('a', { href, class: `button ${mayVerify(task, user) ? 'primary' : 'secondary'}`, 'aria-label': `${mayVerify(task, user) ? 'Verify' : 'Open'} ${task.name ?? task.activityId}` }, mayVerify(task, user) ? 'Verify' : 'Open'),
      ),
    );
  }

  function render() {
    const now = Date.now();
    for (const b of scopeButtons) (b.querySelector('.count') as HTMLElement).textContent = ` ${lists[b.dataset.scope as Scope].length}`;
    const shown = lists[scope];
    list.setAttribute('aria-busy', 'false');
    if (!shown.length) {
      const empty: Record<Scope, string> = { work: 'Nothing to do: no task is assigned or offered to you.', mine: 'No task is assigned to you.', verify: 'No step waits for your verification.', all: 'No open tasks.' };
      replace(list, h('p', { class: 'empty' }, empty[scope]));
    } else {
      replace(list, h('ul', { class: 'cards', role: 'list' }, shown.map((task) => card(task, now))));
    }
    for (const task of Object.values(lists).flat()) known.add(task.id);
    first = false;
  }

  async function act(task: Task, action: 'claim' | 'unclaim') {
    replace(messages);
    try {
      if (action === 'claim') await app.api.claimTask(task.id);
      else await app.api.unclaimTask(task.id);
      toast(action === 'claim' ? `You claimed ${task.name ?? 'the task'}` : `${task.name ?? 'The task'} is back in the pool`, 'success');
      await load();
    } catch (error) {
      replace(messages, problemView(error));
    }
  }

  let loading: Promise<void> | null = null;
  let again = false;
  /** Reads the lists; a call while one is running reads once more when it ends. */
  function load(): Promise<void> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        const [work, toVerify, all] = await Promise.all([
          app.api.tasks({ view: 'workable', status: 'open' }),
          app.api.tasks({ view: 'workable', status: 'awaiting_verification' }),
          seesAll ? app.api.tasks({ view: 'all', status: 'open' }) : Promise.resolve({ items: [], total: 0 }),
        ]);
        lists = { work: work.items, mine: work.items.filter((t) => isMine(t, user)), verify: toVerify.items, all: all.items };
        render();
      } catch (error) {
        replace(list, problemView(error));
      }
    })().finally(() => {
      loading = null;
      if (again) {
        again = false;
        void load();
      }
    });
    return loading;
  }

  await load();
  const off = app.realtime.on('task.', () => void load());
  // A reconnect may have missed events: read again then.
  const offStatus = app.realtime.onStatus((connected) => connected && !first && void load());
  const ticker = window.setInterval(render, 60_000);
  return {
    cleanup: () => {
      off();
      offStatus();
      window.clearInterval(ticker);
    },
  };
};
