import { DataType, Variant, VariantArrayType, type DataValue } from 'node-opcua';
import type { EquipmentValue } from './equipment-gateway';

/*
 * Conversions between node-opcua's Variant/DataValue and the plain values Gemba stores in process
 * variables. Checks avoid `instanceof` on built-ins (Date, Error, Uint8Array): under jest,
 * node-opcua can be loaded outside the test's realm, where those constructors differ.
 */

const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.SByte]: [-128, 127],
  [DataType.Byte]: [0, 255],
  [DataType.Int16]: [-32768, 32767],
  [DataType.UInt16]: [0, 65535],
  [DataType.Int32]: [-2147483648, 2147483647],
  [DataType.UInt32]: [0, 4294967295],
  [DataType.Int64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [DataType.UInt64]: [0, Number.MAX_SAFE_INTEGER],
};

/** Thrown by toVariant when a value cannot be represented in the target type. */
export class ValueTypeMismatch extends Error {}

/** True for a Date from any realm. */
export function isDateLike(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/** The built-in type's name, e.g. `Double`. */
export function dataTypeName(dataType: DataType): string {
  return DataType[dataType] ?? `DataType(${dataType})`;
}

function int64ToPlain(parts: unknown, signed: boolean): number | string {
  if (!Array.isArray(parts) || parts.length !== 2) return String(parts);
  const raw = (BigInt(Number(parts[0]) >>> 0) << 32n) | BigInt(Number(parts[1]) >>> 0);
  const value = signed ? BigInt.asIntN(64, raw) : raw;
  // JSON has no 64-bit integers: keep precision by falling back to a decimal string.
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function scalarToPlain(dataType: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (dataType) {
    case DataType.Int64: return int64ToPlain(value, true);
    case DataType.UInt64: return int64ToPlain(value, false);
    case DataType.DateTime: return isDateLike(value) ? new Date(value.getTime()) : null;
    case DataType.ByteString: return isBytes(value) ? Buffer.from(value).toString('base64') : null;
    case DataType.LocalizedText: return (value as { text?: string | null }).text ?? null;
    case DataType.QualifiedName:
    case DataType.NodeId:
    case DataType.ExpandedNodeId:
    case DataType.Guid: return String(value);
    case DataType.StatusCode: return (value as { name?: string }).name ?? String(value);
    case DataType.Variant: return toPlain(value as Variant);
    case DataType.ExtensionObject: {
      const withJson = value as { toJSON?: () => unknown };
      return typeof withJson.toJSON === 'function' ? withJson.toJSON() : value;
    }
    default: return value;
  }
}

/** A Variant's value as a plain JSON-friendly value (Dates stay Dates). */
export function toPlain(variant: Variant | null | undefined): unknown {
  if (!variant) return null;
  const { dataType, arrayType, value } = variant;
  if (arrayType !== VariantArrayType.Scalar && value !== null && value !== undefined) {
    return Array.from(value as ArrayLike<unknown>, (element) => scalarToPlain(dataType, element));
  }
  return scalarToPlain(dataType, value);
}

function safeDate(value: unknown): Date | null {
  // node-opcua reports "no timestamp" as null or as the OPC UA minimum date (1601).
  if (!isDateLike(value) || value.getTime() <= Date.UTC(1601, 0, 2)) return null;
  return new Date(value.getTime());
}

/** A DataValue as value + quality + timestamps, keeping the source timestamp and status (E02). */
export function toEquipmentValue(dataValue: DataValue): EquipmentValue {
  const statusCode = dataValue.statusCode;
  return {
    value: toPlain(dataValue.value),
    dataType: dataTypeName(dataValue.value?.dataType ?? DataType.Null),
    statusCode: statusCode.name,
    good: statusCode.isGood(),
    sourceTimestamp: safeDate(dataValue.sourceTimestamp),
    serverTimestamp: safeDate(dataValue.serverTimestamp),
  };
}

function scalarFromPlain(dataType: DataType, value: unknown): unknown {
  const range = INTEGER_RANGES[dataType];
  if (range) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new ValueTypeMismatch(`${JSON.stringify(value)} is not a ${dataTypeName(dataType)}`);
    }
    return value;
  }
  switch (dataType) {
    case DataType.Float:
    case DataType.Double:
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueTypeMismatch(`${JSON.stringify(value)} is not a number`);
      return value;
    case DataType.Boolean:
      if (typeof value !== 'boolean') throw new ValueTypeMismatch(`${JSON.stringify(value)} is not a Boolean`);
      return value;
    case DataType.String:
      if (typeof value !== 'string') throw new ValueTypeMismatch(`${JSON.stringify(value)} is not a String`);
      return value;
    case DataType.LocalizedText:
      if (typeof value !== 'string') throw new ValueTypeMismatch(`${JSON.stringify(value)} is not a text`);
      return { text: value };
    case DataType.DateTime: {
      const date = isDateLike(value) ? value : typeof value === 'string' ? new Date(value) : null;
      if (!date || Number.isNaN(date.getTime())) throw new ValueTypeMismatch(`${JSON.stringify(value)} is not a DateTime`);
      return date;
    }
    case DataType.ByteString:
      if (typeof value !== 'string') throw new ValueTypeMismatch('a ByteString is given as base64 text');
      return Buffer.from(value, 'base64');
    default:
      throw new ValueTypeMismatch(`writing ${dataTypeName(dataType)} values is not supported`);
  }
}

/**
 * Builds the Variant for a write or a method argument from a plain value and the type the server
 * declares. Integers must be integers in range; nothing is rounded or parsed from text.
 * @throws ValueTypeMismatch when the value does not fit the type
 */
export function toVariant(value: unknown, dataType: DataType, isArray: boolean): Variant {
  if (isArray) {
    if (!Array.isArray(value)) throw new ValueTypeMismatch(`expected an array of ${dataTypeName(dataType)}`);
    return new Variant({ dataType, arrayType: VariantArrayType.Array, value: value.map((element) => scalarFromPlain(dataType, element)) });
  }
  return new Variant({ dataType, value: scalarFromPlain(dataType, value) });
}

/** Compares a written value with its read-back; a Float is compared at single precision. */
export function sameValue(written: unknown, readBack: unknown, dataType: DataType): boolean {
  if (Array.isArray(written)) {
    return Array.isArray(readBack) && written.length === readBack.length && written.every((w, i) => sameValue(w, readBack[i], dataType));
  }
  if (dataType === DataType.Float && typeof written === 'number' && typeof readBack === 'number') {
    return Math.fround(written) === Math.fround(readBack);
  }
  if (isDateLike(readBack)) {
    const writtenDate = isDateLike(written) ? written : typeof written === 'string' ? new Date(written) : null;
    return writtenDate !== null && writtenDate.getTime() === readBack.getTime();
  }
  return Object.is(written, readBack);
}
