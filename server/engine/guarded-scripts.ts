// Script tasks and script conditions (`language="javascript"`). Gemba runs them only for versions
// whose review allows it (DESIGN: "script tasks run only in reviewed versions"); everywhere else a
// script fails its element with a clear message. When allowed, a script runs in a fresh node:vm
// context with a wall-clock timeout, so an endless loop in a model stops with an error instead of
// hanging the server. node:vm is not a security boundary: this guards against mistakes in
// reviewed code, not against hostile code.
import { Script } from 'node:vm';
import type { DurableTimers } from './durable-timers';

type ScriptElement = { id: string; type: string; behaviour: Record<string, any> };
type ScriptCallback = (err?: Error | null, output?: unknown) => void;
type RunnableScript = { execute(executionContext: Record<string, unknown>, callback: ScriptCallback): void };

const compiled = new Map<string, Script>();
const MAX_COMPILED = 500;

function compile(filename: string, body: string): Script {
  const key = `${filename}\u0000${body}`;
  let script = compiled.get(key);
  if (!script) {
    script = new Script(body, { filename });
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, script);
  }
  return script;
}

function source(element: ScriptElement): { language?: string; body?: string } {
  if (element.type === 'bpmn:SequenceFlow') {
    const condition = element.behaviour.conditionExpression;
    return { language: condition?.language, body: condition?.body };
  }
  return { language: element.behaviour.scriptFormat, body: element.behaviour.script };
}

/**
 * The `scripts` option for bpmn-elements. Registered per run (scripts are functions, never stored);
 * compiled scripts are cached by source so registering costs a map lookup.
 */
export class GuardedScripts {
  private readonly scripts = new Map<string, RunnableScript>();

  constructor(
    private readonly allow: boolean,
    private readonly timeoutMs: number,
    private readonly timers: DurableTimers,
  ) {}

  register(element: ScriptElement): RunnableScript | undefined {
    const { language, body } = source(element);
    // A sequence flow without a script language has an ordinary expression condition.
    if (element.type === 'bpmn:SequenceFlow' && !language) return undefined;
    let script: RunnableScript;
    if (!body || !body.trim()) {
      script = { execute: (_context, callback) => callback() };
    } else if (!this.allow) {
      const message = `<${element.id}> scripts are not allowed in this process version`;
      script = { execute: (_context, callback) => callback(new Error(message)) };
    } else if (!/^(javascript|js)$/i.test(language ?? '')) {
      const message = `<${element.id}> script language '${language}' is not supported`;
      script = { execute: (_context, callback) => callback(new Error(message)) };
    } else {
      script = this.javascript(compile(`${element.type}/${element.id}`, body));
    }
    this.scripts.set(element.id, script);
    return script;
  }

  getScript(_language: string, element: { id: string }): RunnableScript | undefined {
    return this.scripts.get(element.id);
  }

  private javascript(script: Script): RunnableScript {
    const timeout = this.timeoutMs;
    const timers = this.timers;
    return {
      execute(executionContext, callback) {
        // The engine continues inside `callback`. Called from within the script, that would run
        // the rest of the process under the script's timeout and inside any try/catch of the
        // script, so a synchronous `next()` is only recorded and the engine continues afterwards.
        let done = false;
        let inside = true;
        let result: [Error | null | undefined, unknown] | undefined;
        const next: ScriptCallback = (err, output) => {
          if (done) return;
          done = true;
          if (inside) result = [err, output];
          else callback(err, output);
        };
        try {
          script.runInNewContext({ ...executionContext, ...timers.register(executionContext), next }, { timeout });
        } catch (err) {
          if (!done) {
            done = true;
            result = [err instanceof Error ? err : new Error(String(err)), undefined];
          }
        }
        inside = false;
        if (result) callback(result[0], result[1]);
      },
    };
  }
}
