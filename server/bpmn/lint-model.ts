import { createRequire } from 'node:module';
import { Linter } from 'bpmnlint';
import type { LintReport, RuleCheck, RuleDefinition } from 'bpmnlint';
import NodeResolver from 'bpmnlint/lib/resolver/node-resolver';
import { configs } from 'bpmnlint-plugin-gemba';
import type { LintConfig } from 'bpmnlint-plugin-gemba';
import type { LintFinding, ModdleElement } from './model-types';
import type { ParsedModel } from './parse-model';

/** The submit gate's bpmnlint config: `bpmnlint:recommended` + `plugin:gemba/recommended` with Gemba's categories. */
export const GATE_LINT_CONFIG: LintConfig = configs.gate;

// Resolves bpmnlint's own rules and bpmnlint-plugin-gemba from this server's node_modules.
const resolver = new NodeResolver({ require: createRequire(__filename) });

/**
 * A new Linter per run: bpmnlint caches rule instances per Linter, and some rules keep state in
 * their factory closure (no-duplicate-sequence-flows remembers every flow it saw), so a shared
 * Linter reports flows of earlier models as duplicates.
 */
function createLinter(): Linter {
  return new Linter({
    config: GATE_LINT_CONFIG,
    resolver,
    transformRule: (rule, { pkg, ruleName }) => ({ ...rule, check: guard(rule.check, pkg === 'bpmnlint' ? ruleName : `${pkg}/${ruleName}`) }),
  });
}

/**
 * Lints a parsed model with the submit gate's rules (bpmnlint recommended plus Gemba's, see the
 * README for the categories). Findings located in a process that is not executable are reported
 * as warnings: that process never runs. Errors refuse the submit; warnings are kept with the version.
 *
 * @param config another bpmnlint config to use instead of the gate's (tests, tools)
 * @throws Error only if a configured rule cannot be resolved (a deployment fault, not a model fault)
 */
export async function lintModel(parsed: ParsedModel, config?: LintConfig): Promise<LintFinding[]> {
  const results = await createLinter().lint(parsed.definitions, config);
  const findings: LintFinding[] = [];
  const seen = new Set<string>();

  for (const [rule, reports] of Object.entries(results)) {
    for (const report of reports) {
      const id = report.id ?? '';
      let category = toCategory(report);
      let message = report.message;
      const process = category === 'error' ? owningProcess(parsed.elementsById[id]) : undefined;
      if (process && process.isExecutable !== true) {
        category = 'warn';
        message = `${message} (in process '${process.name ?? process.id}', which is not executable)`;
      }
      const dedupe = `${rule}\u0000${id}\u0000${message}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      const line = id ? parsed.locator.locateId(id)?.line : undefined;
      findings.push({
        id,
        rule,
        message,
        category,
        ...(report.path?.length ? { path: report.path } : {}),
        ...(line !== undefined ? { line } : {}),
      });
    }
  }

  return findings.sort(
    (a, b) =>
      (a.category === b.category ? 0 : a.category === 'error' ? -1 : 1) ||
      (a.line ?? Infinity) - (b.line ?? Infinity) ||
      a.rule.localeCompare(b.rule) ||
      a.id.localeCompare(b.id),
  );
}

function toCategory(report: LintReport): 'error' | 'warn' {
  // bpmnlint's 'rule-error' (a rule crashed) must not let a model through unchecked.
  return report.category === 'error' || report.category === 'rule-error' ? 'error' : 'warn';
}

/** The process an element runs in: its enclosing process, or the process of a pool. */
function owningProcess(element: ModdleElement | undefined): ModdleElement | undefined {
  if (!element) return undefined;
  if (element.$type === 'bpmn:Participant') return element.processRef;
  let current: ModdleElement | undefined = element;
  while (current) {
    if (current.$type === 'bpmn:Process') return current;
    current = current.$parent;
  }
  return undefined;
}

/** Turns an exception inside a rule into a finding on the element, instead of bpmnlint's console output. */
function guard(check: RuleCheck, rule: string): RuleCheck {
  const wrap =
    (fn: (...args: any[]) => unknown) =>
    (node: any, reporter: { report(id: string, message: string): void }) => {
      try {
        return fn(node, reporter);
      } catch (err) {
        reporter.report(node?.id ?? '', `The rule ${rule} could not check this element: ${(err as Error).message}`);
        return undefined;
      }
    };
  if (typeof check === 'function') return wrap(check);
  return {
    ...(check.enter ? { enter: wrap(check.enter) } : {}),
    ...(check.leave ? { leave: wrap(check.leave) } : {}),
  } as RuleDefinition['check'];
}
