// The names a registry filter may compare (metadata fields, or `identity` for the identity itself)
// and the bounds of its operands, as the server enforces them.

/** The field name that means the identity itself rather than a metadata field. */
export const identityField = "identity";

/** Most strings in the list of an `in` / `nin` operand (the server's fixed bound). */
export const maxInListLength = 256;

/** Longest string operand, in characters (the server's fixed bound). */
export const maxOperandChars = 1024;

/** Whether `name` is a metadata field name: 1-128 letters, digits, '.', '_' or '-'. */
export function isMetadataFieldName(name: string): boolean {
  if (name.length === 0 || name.length > 128) return false;
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    const ok =
      (code >= 48 && code <= 57) || // 0-9
      (code >= 65 && code <= 90) || // A-Z
      (code >= 97 && code <= 122) || // a-z
      code === 46 || // .
      code === 95 || // _
      code === 45; // -
    if (!ok) return false;
  }
  return true;
}

/** Why `name` cannot be a filter field, or undefined when it can (a metadata field name or "identity"). */
export function fieldProblem(name: string): string | undefined {
  if (name === identityField || isMetadataFieldName(name)) return undefined;
  return `${JSON.stringify(name.slice(0, 64))} is not a field name (1-128 letters, digits, '.', '_' or '-', or "identity")`;
}
