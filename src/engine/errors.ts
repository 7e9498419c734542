// Argument errors name the field, what was expected and what came (sharp's style); the
// service turns any error with a `field` into a 400 problem+json.
export interface FieldError extends Error {
  field: string;
  expected: string;
  received: string;
}

/** A description that stands for itself in a message, e.g. "shape [3, 2]". */
export class Described {
  constructor(readonly text: string) {}
}

export function describe(value: unknown): string {
  if (value instanceof Described) return value.text;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  return typeof value;
}

function withField<E extends Error>(err: E, field: string, expected: string, received: string): E & FieldError {
  return Object.assign(err, { field, expected, received });
}

export function typeError(field: string, expected: string, value: unknown): TypeError & FieldError {
  const received = describe(value);
  return withField(new TypeError(`Expected ${expected} for ${field} but received ${received}`), field, expected, received);
}

export function rangeError(field: string, expected: string, value: unknown): RangeError & FieldError {
  const received = describe(value);
  return withField(new RangeError(`Expected ${expected} for ${field} but received ${received}`), field, expected, received);
}

export function isFieldError(err: unknown): err is FieldError {
  return err instanceof Error && typeof (err as Partial<FieldError>).field === 'string';
}
