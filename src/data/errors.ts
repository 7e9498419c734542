// Errors raised by the data readers. Both extend RangeError so a caller can map "bad input"
// to a 400 with one instanceof check, and both carry where the problem is.

/** A value in a request or a file did not form a valid tensor. */
export class TensorError extends RangeError {
  override name = 'TensorError';
  /** The JSON path of the tensor as the caller named it ("X", "model.W"). */
  readonly field: string;
  /** The exact location of the offending entry ("X[3][1]", "model.W.shape[0]"); equals field when the whole value is at fault. */
  readonly path: string;
  readonly expected: string;
  readonly received: string;

  constructor(
    message: string,
    details: { field: string; path?: string; expected: string; received: string },
  ) {
    super(message);
    this.field = details.field;
    this.path = details.path ?? details.field;
    this.expected = details.expected;
    this.received = details.received;
  }
}

/** A file (safetensors, npy, idx, csv) is malformed or of an unsupported kind. */
export class DataFormatError extends RangeError {
  override name = 'DataFormatError';
  readonly format: 'safetensors' | 'npy' | 'idx' | 'csv';
  /** 1-based line for CSV, byte offset for binary formats, when known. */
  readonly line?: number;
  readonly offset?: number;

  constructor(
    format: DataFormatError['format'],
    message: string,
    where: { line?: number; offset?: number } = {},
  ) {
    super(message);
    this.format = format;
    if (where.line !== undefined) this.line = where.line;
    if (where.offset !== undefined) this.offset = where.offset;
  }
}

/** Short description of a received JSON value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  switch (typeof value) {
    case 'number':
      return String(value); // "Infinity", "NaN", "-0" shown as 0: fine for messages
    case 'string': {
      const s = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
      return `string ${s}`;
    }
    case 'undefined':
      return 'undefined';
    case 'object':
      return ArrayBuffer.isView(value) ? (value as object).constructor.name : 'object';
    default:
      return typeof value;
  }
}
