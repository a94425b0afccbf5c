import type { FromXmlResult, ModdleWarning } from 'bpmn-moddle';
import { ModelRejectedError, ModelTooLargeError, ModelUnreadableError } from './errors';
import { createBpmnModdle } from './gemba-moddle';
import type { ModdleElement, ModelProblem } from './model-types';
import { assertSafeWellFormedXml, createLocator } from './xml-safety';
import type { Locator } from './xml-safety';

/** The largest model accepted, in bytes of UTF-8 (5 MiB). */
export const MAX_MODEL_BYTES = 5 * 1024 * 1024;

/** Options of {@link parseModel}. */
export type ParseOptions = {
  /** Refuse a model without any isExecutable="true" process (422 `no_executable_process`). Default false: drafts may be descriptive. */
  requireExecutableProcess?: boolean;
};

/** A model read by {@link parseModel}: the moddle tree plus what Gemba needs to know about it. */
export type ParsedModel = {
  /** The XML exactly as given (a leading byte-order mark removed). */
  xml: string;
  byteLength: number;
  /** The bpmn:Definitions root. */
  definitions: ModdleElement;
  elementsById: Record<string, ModdleElement>;
  /** What bpmn-moddle returned, ready for `new Engine({ moddleContext })` or moddle-context-serializer. */
  moddleContext: FromXmlResult;
  /** Import warnings (unknown elements or attributes, unresolved references …), never thrown. */
  warnings: ModelProblem[];
  /** Ids of all bpmn:Process root elements, in document order. */
  processIds: string[];
  /** Ids of processes with isExecutable="true", in document order. */
  executableProcessIds: string[];
  /** The process key: see {@link parseModel}. */
  key: string;
  /** `executable`: the (first) executable process; `descriptive`: no process is executable, the first process. */
  keySource: 'executable' | 'descriptive';
  /** Finds the 1-based line and column of an element's start tag by id. */
  locator: Locator;
};

const moddle = createBpmnModdle();

/**
 * Reads a BPMN 2.0 model safely. Before any parser builds a model it refuses: more than
 * {@link MAX_MODEL_BYTES}, text that is not UTF-8, DTD declarations (DOCTYPE, ENTITY …), XML that
 * is not well-formed, and a root other than `bpmn:definitions`. Then bpmn-moddle reads it with the
 * Camunda and Gemba extensions; duplicate ids are refused (moddle would silently drop the second
 * element), other import warnings are collected.
 *
 * The key: the id of the model's executable process. With several executable processes the first
 * in document order is the key and a warning is added (the submit gate refuses such a model,
 * Gemba runs one process per version). A model without an executable process is accepted as a
 * descriptive draft keyed by its first process, unless `requireExecutableProcess` is set; a model
 * without any process is refused.
 *
 * @throws ModelTooLargeError (413) when the model exceeds 5 MiB
 * @throws ModelUnreadableError (400) for unsafe or malformed XML (`dtd_forbidden`, `malformed_xml`)
 * @throws ModelRejectedError (422) for `not_bpmn`, `duplicate_ids`, `no_process`, `no_executable_process`
 */
export async function parseModel(input: string | Uint8Array, options: ParseOptions = {}): Promise<ParsedModel> {
  try {
    return await readModel(input, options);
  } catch (err) {
    // A stack overflow deep in a parser (seen once under heavy load on a 5 MiB model) must stay a
    // clear refusal of this model, never a server error.
    if (err instanceof RangeError) {
      throw new ModelUnreadableError('malformed_xml', [{ message: `The model could not be read (${err.message}); it is nested too deeply or too large to process` }]);
    }
    throw err;
  }
}

async function readModel(input: string | Uint8Array, options: ParseOptions): Promise<ParsedModel> {
  const byteLength = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (byteLength > MAX_MODEL_BYTES) throw new ModelTooLargeError(byteLength, MAX_MODEL_BYTES);

  let xml: string;
  if (typeof input === 'string') {
    xml = input;
  } else {
    try {
      xml = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new ModelUnreadableError('malformed_xml', [{ message: 'The model is not UTF-8 text' }]);
    }
  }
  if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1);
  if (xml.trim() === '') throw new ModelUnreadableError('malformed_xml', [{ message: 'The model is empty' }]);

  const locator = createLocator(xml);
  assertSafeWellFormedXml(xml, locator);

  let result: FromXmlResult;
  try {
    result = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/failed to parse document as <bpmn:Definitions>/.test(message)) {
      throw new ModelRejectedError('not_bpmn', [{ message: 'The root element is not a BPMN 2.0 <definitions> element', line: 1 }]);
    }
    throw new ModelUnreadableError('malformed_xml', [toProblem(message, undefined)]);
  }

  const warnings: ModelProblem[] = [];
  const duplicates: ModelProblem[] = [];
  for (const warning of result.warnings) {
    const duplicate = /duplicate ID <([^>]*)>/.exec(warning.message);
    if (duplicate) {
      const id = duplicate[1];
      const again = toProblem(warning.message, undefined);
      const first = locator.locateId(id);
      duplicates.push({
        message: `The id '${id}' is used by more than one element${first ? ` (first at line ${first.line}` : ''}${again.line && first ? `, again at line ${again.line})` : first ? ')' : ''}; ids must be unique`,
        elementId: id,
        ...(again.line !== undefined ? { line: again.line, column: again.column } : {}),
      });
      continue;
    }
    warnings.push(toWarning(warning, locator));
  }
  if (duplicates.length) throw new ModelRejectedError('duplicate_ids', duplicates);

  const definitions = result.rootElement as ModdleElement;
  const processes = ((definitions.rootElements ?? []) as ModdleElement[]).filter((e) => e.$type === 'bpmn:Process');
  if (processes.length === 0) {
    throw new ModelRejectedError('no_process', [{ message: 'The model contains no process: there is nothing to version or run' }]);
  }
  const processIds = processes.map((p) => p.id ?? '');
  const executable = processes.filter((p) => p.isExecutable === true);
  const executableProcessIds = executable.map((p) => p.id ?? '');

  if (executable.length === 0 && options.requireExecutableProcess) {
    throw new ModelRejectedError('no_executable_process', [
      { message: 'The model has no executable process: mark the process to run with isExecutable="true"', elementId: processIds[0] },
    ]);
  }
  if (executable.length > 1) {
    warnings.push({
      message: `The model has ${executable.length} executable processes (${executableProcessIds.join(', ')}); its key is the first, '${executableProcessIds[0]}'. Gemba runs one process per version: it will be refused at submit`,
      elementId: executableProcessIds[1],
    });
  }
  if (executable.length === 0) {
    warnings.push({
      message: `No process is executable (isExecutable="true"); the draft is keyed by its first process '${processIds[0]}' and will be refused at submit`,
      elementId: processIds[0],
    });
  }
  if (!definitions.id) {
    warnings.push({ message: 'The <definitions> element has no id; Gemba needs one to recover running instances (refused at submit)', line: 1 });
  }

  completeFlowLinks(result.elementsById as Record<string, ModdleElement>);

  const key = executable.length ? executableProcessIds[0] : processIds[0];
  return {
    xml,
    byteLength,
    definitions,
    elementsById: result.elementsById as Record<string, ModdleElement>,
    moddleContext: result,
    warnings,
    processIds,
    executableProcessIds,
    key,
    keySource: executable.length ? 'executable' : 'descriptive',
    locator,
  };
}

/**
 * Fills `incoming` / `outgoing` of flow nodes from the sequence flows' sourceRef / targetRef, as
 * bpmn-js does on import. BPMN files need not list them (hand-written and many non-Camunda files
 * don't), and bpmnlint's rules read only these lists: without this, every node of such a file is
 * reported as "not connected". The stored XML is not changed.
 */
function completeFlowLinks(elementsById: Record<string, ModdleElement>): void {
  for (const flow of Object.values(elementsById)) {
    if (flow.$type !== 'bpmn:SequenceFlow') continue;
    const source = flow.sourceRef as ModdleElement | undefined;
    const target = flow.targetRef as ModdleElement | undefined;
    if (source && source.$instanceOf('bpmn:FlowNode')) {
      const outgoing: ModdleElement[] = source.get('outgoing');
      if (!outgoing.includes(flow)) outgoing.push(flow);
    }
    if (target && target.$instanceOf('bpmn:FlowNode')) {
      const incoming: ModdleElement[] = target.get('incoming');
      if (!incoming.includes(flow)) incoming.push(flow);
    }
  }
}

/** Splits moddle's multi-line messages ("unparsable content … line: 3 column: 5 nested error: …") into a problem. */
function toProblem(message: string, elementId: string | undefined): ModelProblem {
  const line = /\bline: (\d+)/.exec(message);
  const column = /\bcolumn: (\d+)/.exec(message);
  const nested = /nested error: (.*)/.exec(message);
  const head = message.split('\n')[0].trim();
  return {
    message: nested ? `${head}: ${nested[1].trim()}` : head,
    ...(line ? { line: Number(line[1]) + 1 } : {}),
    ...(column ? { column: Number(column[1]) + 1 } : {}),
    ...(elementId ? { elementId } : {}),
  };
}

function toWarning(warning: ModdleWarning, locator: Locator): ModelProblem {
  const elementId = typeof warning.element?.id === 'string' ? (warning.element.id as string) : undefined;
  const problem = toProblem(warning.message, elementId);
  if (problem.line === undefined && elementId) {
    const position = locator.locateId(elementId);
    if (position) return { ...problem, ...position };
  }
  return problem;
}
