// Type declarations for the untyped CommonJS builds of the bpmn-io libraries this folder uses.
// Only the surface Gemba calls is declared.

declare module 'bpmn-moddle' {
  type ModdleElement = { $type: string; [property: string]: any };

  export type ModdleWarning = { message: string; element?: ModdleElement; property?: string; value?: unknown; error?: Error };
  export type ModdleReference = { element: ModdleElement; property: string; id: string };
  export type FromXmlResult = {
    rootElement: ModdleElement;
    elementsById: Record<string, ModdleElement>;
    references: ModdleReference[];
    warnings: ModdleWarning[];
  };

  interface BpmnModdle {
    fromXML(xml: string, typeName?: string, options?: { lax?: boolean }): Promise<FromXmlResult>;
    toXML(element: ModdleElement, options?: { format?: boolean }): Promise<{ xml: string }>;
    create(type: string, attrs?: Record<string, unknown>): ModdleElement;
    getType(type: string): unknown;
  }

  const BpmnModdle: new (packages?: Record<string, unknown>, options?: Record<string, unknown>) => BpmnModdle;
  export default BpmnModdle;
}

declare module 'bpmn-js-differ' {
  type ModdleElement = { $type: string; [property: string]: any };

  export type DifferResult = {
    _added: Record<string, ModdleElement>;
    _removed: Record<string, ModdleElement>;
    _layoutChanged: Record<string, ModdleElement>;
    _changed: Record<string, { model: ModdleElement; attrs: Record<string, { oldValue: unknown; newValue: unknown }> }>;
  };
  export function diff(a: ModdleElement, b: ModdleElement): DifferResult;
}

declare module 'bpmnlint' {
  type ModdleElement = { $type: string; [property: string]: any };

  export type LintReport = { id?: string; message: string; path?: string[]; category: string; meta?: unknown };
  export type RuleCheck = ((node: ModdleElement, reporter: any) => unknown) | { enter?: (...args: unknown[]) => unknown; leave?: (...args: unknown[]) => unknown };
  export type RuleDefinition = { meta?: unknown; check: RuleCheck };
  export type Resolver = {
    resolveRule(pkg: string, ruleName: string): unknown;
    resolveConfig(pkg: string, configName: string): unknown;
  };

  export class Linter {
    constructor(options: {
      config?: unknown;
      resolver: Resolver;
      transformRule?: (rule: RuleDefinition, options: { pkg: string; ruleName: string }) => RuleDefinition;
    });
    lint(root: ModdleElement, config?: unknown): Promise<Record<string, LintReport[]>>;
  }
}

declare module 'bpmnlint/lib/resolver/node-resolver' {
  import type { Resolver } from 'bpmnlint';

  const NodeResolver: new (options?: { require?: NodeJS.Require; requireLocal?: NodeJS.Require }) => Resolver;
  export = NodeResolver;
}

declare module 'saxen' {
  type GetContext = () => { line: number; column: number; data?: string };

  export class Parser {
    constructor(options?: { proxy?: boolean });
    ns(namespaces?: Record<string, string>): void;
    on(event: 'openTag', handler: (name: string, getAttrs: () => Record<string, string>, decodeEntities: (s: string) => string, selfClosing: boolean, getContext: GetContext) => void): void;
    on(event: 'closeTag', handler: (name: string, decodeEntities: (s: string) => string, selfClosing: boolean, getContext: GetContext) => void): void;
    on(event: 'error' | 'warn', handler: (err: Error, getContext: GetContext) => void): void;
    on(event: string, handler: (...args: any[]) => void): void;
    parse(xml: string): void;
  }
}
