/** Partner Center reads and writes property names in any case (PascalCase requests, camelCase answers). */
export function caseInsensitiveField(object: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}
