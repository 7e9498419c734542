// Request field names as problems report them: "X[3][1]", "model.W", "outputs[0]".

/** JSON pointer "/model/W/0/1" -> "model.W[0][1]". */
export function fieldFromPointer(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^[0-9]+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

/** A short description of a JSON value for a problem's `received`. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'object';
  return String(value);
}

/** Prefixes a field error's field, e.g. "W" -> "model.W" for an inline model. */
export function prefixField<E>(err: E, prefix: string): E {
  const e = err as { field?: unknown; path?: unknown };
  if (typeof e.field === 'string') e.field = `${prefix}${e.field}`;
  if (typeof e.path === 'string') e.path = `${prefix}${e.path}`;
  return err;
}
