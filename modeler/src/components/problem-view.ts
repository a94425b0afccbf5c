import { h } from '../app/dom';
import { toProblem, type Problem } from '../app/problem';

/**
 * Renders an API problem for people: its detail (or title), and each entry of `errors[]` with
 * the element or field it names. Everything is text.
 */
export function problemView(error: unknown, options: { onElement?: (elementId: string) => void } = {}): HTMLElement {
  const problem: Problem = toProblem(error);
  const list = problem.errors?.length
    ? h(
        'ul',
        { class: 'problem-errors' },
        problem.errors.map((entry) => {
          const where = entry.elementId || entry.path;
          return h(
            'li',
            null,
            where
              ? options.onElement
                ? h('button', { type: 'button', class: 'link', onclick: () => options.onElement?.(where) }, where)
                : h('code', null, where)
              : null,
            where ? ': ' : null,
            entry.message,
            entry.rule ? h('span', { class: 'muted' }, ` (${entry.rule})`) : null,
          );
        }),
      )
    : null;
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h('strong', null, problem.title && problem.detail ? `${problem.title}: ` : ''),
    problem.detail || problem.title || 'The request failed',
    problem.requestId ? h('span', { class: 'muted request-id' }, ` (request ${problem.requestId})`) : null,
    list,
  );
}
