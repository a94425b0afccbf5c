/**
 * Shapes shared by the BPMN toolkit: moddle elements as bpmn-moddle builds them, problems found
 * while reading a model, lint findings, executability findings and diffs.
 */

/** A bpmn-moddle element: `$type` like `bpmn:UserTask`, typed properties, `$attrs` for unknown attributes. */
export type ModdleElement = {
  $type: string;
  $parent?: ModdleElement;
  $attrs?: Record<string, string>;
  $descriptor: {
    name: string;
    isGeneric?: boolean;
    properties: Array<{ name: string; ns: { name: string; prefix: string; localName: string }; type: string; isMany?: boolean; isReference?: boolean; isAttr?: boolean; isBody?: boolean; isVirtual?: boolean; isId?: boolean }>;
  };
  id?: string;
  name?: string;
  get(name: string): any;
  $instanceOf(type: string): boolean;
  [property: string]: any;
};

/** One thing wrong with (or worth noting about) a model, located where possible. Lines and columns are 1-based. */
export type ModelProblem = {
  message: string;
  line?: number;
  column?: number;
  elementId?: string;
};

/** A lint finding: the element, the bpmnlint rule (Gemba's are prefixed `gemba/`), and whether it refuses the submit. */
export type LintFinding = {
  id: string;
  rule: string;
  message: string;
  category: 'error' | 'warn';
  path?: string[];
  line?: number;
};

/** An element the engine cannot run, with a reason a process owner understands. Always refuses the submit. */
export type ExecutabilityFinding = {
  id: string;
  type: string;
  name?: string;
  code: string;
  reason: string;
  line?: number;
};

/** One attribute of an element whose value differs between two versions (`null` = absent). */
export type AttributeChange = { name: string; before: string | null; after: string | null };

/** An element present in only one of the two versions. */
export type DiffElement = { id: string; type: string; name?: string };

/** The semantic difference between two versions, keyed by element id for colouring the diagram. */
export type ModelDiff = {
  added: DiffElement[];
  removed: DiffElement[];
  changed: Array<DiffElement & { attributes: AttributeChange[] }>;
  layoutChanged: string[];
};
