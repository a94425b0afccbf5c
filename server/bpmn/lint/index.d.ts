type RuleSetting = 'off' | 'warn' | 'error' | 'info' | 0 | 1 | 2 | 3 | [string | number, unknown];

/** A bpmnlint configuration as this plugin exports it. */
export type LintConfig = { extends?: string | string[]; rules?: Record<string, RuleSetting> };

/** bpmnlint configs: `recommended` (Gemba's rules) and `gate` (bpmnlint recommended + Gemba's). */
export declare const configs: { recommended: LintConfig; gate: LintConfig };
