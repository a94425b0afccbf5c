import { ValidationError, type FieldError } from '../errors/app-error';

/** A variable in Camunda 7's typed REST form. */
export type CamundaTypedValue = { value: unknown; type?: string | null; valueInfo?: Record<string, unknown> | null };

/** A variable as Gemba returns it: the type names Camunda's REST API uses. */
export type CamundaVariable = {
  value: string | number | boolean | null;
  type: 'String' | 'Integer' | 'Long' | 'Double' | 'Boolean' | 'Json' | 'Null';
  valueInfo: Record<string, never>;
};

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// Camunda writes dates as 2024-01-31T12:00:00.000+0100; ISO 8601 with a colon or Z is accepted too.
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Turns process variables (JSON values) into Camunda's typed form, the way Camunda's own REST API
 * shows JSON-compatible values: text → String, whole numbers → Integer or Long, other numbers →
 * Double, true/false → Boolean, objects and arrays → Json (serialized, as Camunda Spin does), and
 * null → Null. `names` keeps only those variables (Camunda's `variables` filter); a name that is not
 * set is left out, as Camunda does.
 */
export function toCamundaVariables(variables: Record<string, unknown>, names?: readonly string[] | null): Record<string, CamundaVariable> {
  const result: Record<string, CamundaVariable> = {};
  const wanted = names ?? Object.keys(variables);
  for (const name of wanted) {
    if (!Object.prototype.hasOwnProperty.call(variables, name)) continue;
    result[name] = toCamundaValue(variables[name]);
  }
  return result;
}

/** One JSON value in Camunda's typed form. */
export function toCamundaValue(value: unknown): CamundaVariable {
  if (value === null || value === undefined) return { type: 'Null', value: null, valueInfo: {} };
  if (typeof value === 'string') return { type: 'String', value, valueInfo: {} };
  if (typeof value === 'boolean') return { type: 'Boolean', value, valueInfo: {} };
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { type: value >= INT32_MIN && value <= INT32_MAX ? 'Integer' : 'Long', value, valueInfo: {} };
    return { type: 'Double', value, valueInfo: {} };
  }
  return { type: 'Json', value: JSON.stringify(value), valueInfo: {} };
}

/**
 * Reads variables a worker sent in Camunda's typed form into plain JSON values. Types are matched
 * without regard to case (the JavaScript client sends `string`, `json`, …). A Date becomes an ISO
 * 8601 text in UTC (Gemba's variables are JSON); Json, and Object variables serialized as
 * `application/json`, are parsed. Transient variables are not stored, as in Camunda.
 * @throws ValidationError naming each variable that cannot be read (a value that does not fit its
 * type, or a type Gemba cannot store: File, Bytes, Java-serialized Object).
 */
export function fromCamundaVariables(typed: Record<string, CamundaTypedValue> | null | undefined, where = 'variables'): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [name, entry] of Object.entries(typed ?? {})) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push({ path: `${where}.${name}`, message: 'give the variable as {value, type, valueInfo}' });
      continue;
    }
    if (entry.valueInfo && entry.valueInfo.transient === true) continue;
    try {
      result[name] = fromCamundaValue(entry);
    } catch (error) {
      errors.push({ path: `${where}.${name}`, message: (error as Error).message });
    }
  }
  if (errors.length) throw new ValidationError(`Cannot deserialize ${errors[0].path}: ${errors[0].message}`, errors);
  return result;
}

function fromCamundaValue({ value, type, valueInfo }: CamundaTypedValue): unknown {
  const kind = (type ?? '').toLowerCase();
  switch (kind) {
    case '':
      // Untyped: Camunda takes the JSON value as it is.
      return value ?? null;
    case 'null':
      return null;
    case 'string':
    case 'xml':
      if (value === null || value === undefined) return null;
      if (typeof value !== 'string') throw new Error(`a ${type} value must be text`);
      return value;
    case 'boolean':
      if (value === null || value === undefined) return null;
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new Error('a Boolean value must be true or false');
    case 'integer':
    case 'short':
    case 'long': {
      if (value === null || value === undefined) return null;
      const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new Error(`a ${type} value must be a whole number`);
      if (kind !== 'long' && (number < INT32_MIN || number > INT32_MAX)) throw new Error(`${number} does not fit in a ${type}`);
      return number;
    }
    case 'double': {
      if (value === null || value === undefined) return null;
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw new Error('a Double value must be a finite number');
      return number;
    }
    case 'date': {
      if (value === null || value === undefined) return null;
      if (typeof value !== 'string' || !DATE.test(value)) throw new Error('a Date value must be a date and time such as 2026-01-31T12:00:00.000+0100');
      const iso = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
      const time = Date.parse(iso);
      if (Number.isNaN(time)) throw new Error(`"${value}" is not a valid date`);
      return new Date(time).toISOString();
    }
    case 'json':
      return parseJson(value);
    case 'object': {
      const format = String(valueInfo?.serializationDataFormat ?? '');
      if (format !== 'application/json') throw new Error(`Object variables are accepted only as application/json, not ${format || 'Java serialization'}`);
      return parseJson(value);
    }
    case 'file':
    case 'bytes':
      throw new Error(`${type} variables cannot be stored: Gemba's variables are JSON; send a reference to the document instead`);
    default:
      throw new Error(`unknown variable type "${type}"`);
  }
}

function parseJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new Error('the value is not valid JSON');
  }
}
