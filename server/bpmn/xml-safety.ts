import { Parser } from 'saxen';
import type { ModelProblem } from './model-types';
import { ModelRejectedError, ModelUnreadableError } from './errors';

const BPMN_MODEL_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const MAX_PROBLEMS = 20;

/** 1-based line and column of a character offset; built once per document. */
export type Locator = {
  at(offset: number): { line: number; column: number };
  /** The position of the first start tag whose `id` attribute has this value, if found. */
  locateId(id: string): { line: number; column: number } | undefined;
};

/** Builds a locator over `xml` (line starts are indexed lazily on first use). */
export function createLocator(xml: string): Locator {
  let lineStarts: number[] | undefined;
  const cache = new Map<string, { line: number; column: number } | undefined>();

  const at = (offset: number) => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = 0; i < xml.length; i++) if (xml.charCodeAt(i) === 10) lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };

  const locateId = (id: string) => {
    if (cache.has(id)) return cache.get(id);
    const escaped = id.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    let result: { line: number; column: number } | undefined;
    for (const quote of ['"', "'"]) {
      const index = xml.indexOf(`id=${quote}${escaped}${quote}`);
      if (index >= 0 && /\s/.test(xml[index - 1] ?? '')) {
        const tagStart = xml.lastIndexOf('<', index);
        result = at(tagStart >= 0 ? tagStart : index);
        break;
      }
    }
    cache.set(id, result);
    return result;
  };

  return { at, locateId };
}

/** Replaces comments, CDATA sections and processing instructions by spaces, keeping offsets and line breaks. */
function blankOutLiterals(xml: string): string {
  // A scan with indexOf: a lazy [\s\S]*? regex takes seconds on a 5 MiB comment.
  const literals: Array<[open: string, close: string]> = [['<!--', '-->'], ['<![CDATA[', ']]>'], ['<?', '?>']];
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    let start = -1;
    let close = '';
    for (const [open, end] of literals) {
      const index = xml.indexOf(open, from);
      if (index >= 0 && (start < 0 || index < start)) {
        start = index;
        close = end;
      }
    }
    if (start < 0) break;
    const endIndex = xml.indexOf(close, start + 2);
    const stop = endIndex < 0 ? xml.length : endIndex + close.length;
    parts.push(xml.slice(from, start), blankKeepingLineBreaks(xml.slice(start, stop)));
    from = stop;
  }
  parts.push(xml.slice(from));
  return parts.join('');
}

/**
 * Spaces for every character but line breaks. Split and repeat, not a regex: V8 runs a new regex
 * in its bytecode interpreter first, whose backtrack stack overflows on a multi-MiB line.
 */
function blankKeepingLineBreaks(text: string): string {
  return text.split('\n').map((line) => ' '.repeat(line.length)).join('\n');
}

/**
 * Refuses XML that is unsafe or not well-formed before any model is built from it:
 * DOCTYPE / ENTITY / other DTD declarations (no XXE, no entity expansion), undefined entity
 * references, mismatched or unclosed tags, malformed attributes, content outside the root,
 * several roots, and a root that is not `bpmn:definitions`.
 *
 * @throws ModelUnreadableError (`dtd_forbidden`, `malformed_xml`) or ModelRejectedError (`not_bpmn`)
 */
export function assertSafeWellFormedXml(xml: string, locator: Locator): void {
  const literalsBlanked = blankOutLiterals(xml);

  // Checked on the raw text first, so a DTD never reaches a parser at all.
  const dtd = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i.exec(literalsBlanked);
  if (dtd) {
    throw new ModelUnreadableError('dtd_forbidden', [
      {
        message: `The model contains a <!${dtd[1].toUpperCase()}> declaration. BPMN files need no DTD, and DTDs allow external entities (XXE) and entity expansion, so they are refused`,
        ...locator.at(dtd.index),
      },
    ]);
  }

  const problems: ModelProblem[] = [];
  const entity = /&(?!(?:lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);)([^\s;<&]{0,40};?)/.exec(literalsBlanked);
  if (entity) {
    const ref = entity[1];
    problems.push({
      message: ref.endsWith(';') ? `Undefined entity reference &${ref}` : "A bare '&' must be written as &amp;",
      ...locator.at(entity.index),
    });
  }

  let depth = 0;
  let roots = 0;
  let rootName: string | undefined;
  let rootAttrs: Record<string, string> = {};
  let fatal = false;
  const parser = new Parser();
  parser.ns({ [BPMN_MODEL_NS]: 'bpmn' });
  const report = (message: string, getContext: () => { line: number; column: number; data?: string }) => {
    if (problems.length >= MAX_PROBLEMS) return;
    const { line, column, data } = getContext();
    const near = data && data.trim() ? ` near "${data.trim().slice(0, 80).replace(/\s+/g, ' ').slice(0, 40)}"` : '';
    problems.push({ message: `${message}${near}`, line: line + 1, column: column + 1 });
  };
  parser.on('openTag', (name: string, getAttrs: () => Record<string, string>) => {
    // Reading the attributes makes saxen report malformed ones as warnings.
    const attrs = getAttrs();
    if (depth === 0) {
      roots++;
      if (rootName === undefined) {
        rootName = name;
        rootAttrs = attrs ?? {};
      }
    }
    depth++;
  });
  parser.on('closeTag', () => {
    depth--;
  });
  parser.on('error', (err: Error, getContext: () => { line: number; column: number; data?: string }) => {
    fatal = true;
    report(`The XML is not well-formed: ${err.message}`, getContext);
  });
  parser.on('warn', (err: Error, getContext: () => { line: number; column: number; data?: string }) => {
    // The xml: prefix is bound by the XML namespaces spec itself (xml:lang, xml:space); saxen does not know that.
    if (/missing namespace for prefix <xml>/.test(err.message)) return;
    report(`The XML is not well-formed: ${err.message}`, getContext);
  });
  parser.parse(xml);

  if (!fatal && depth > 0) problems.push({ message: 'The XML is not well-formed: the document ends before all elements are closed' });
  if (!fatal && roots === 0) problems.push({ message: 'The document has no root element' });
  if (!fatal && roots > 1) problems.push({ message: `The document has ${roots} root elements; XML allows one` });
  if (problems.length) {
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    throw new ModelUnreadableError('malformed_xml', problems);
  }

  if (rootName !== 'bpmn:definitions') {
    const root = /<(?![?!])([^\s/>]*)/.exec(blankOutLiterals(xml));
    const rawName = root?.[1] || rootName || '';
    const prefix = rawName.includes(':') ? rawName.split(':')[0] : '';
    const namespace = rootAttrs[prefix ? `xmlns:${prefix}` : 'xmlns'];
    throw new ModelRejectedError('not_bpmn', [
      {
        message: `The root element is <${rawName}>${namespace ? ` in namespace ${namespace}` : ' without a namespace'}, not BPMN 2.0 <definitions> in namespace ${BPMN_MODEL_NS}`,
        ...(root ? locator.at(root.index) : { line: 1, column: 1 }),
      },
    ]);
  }
}
