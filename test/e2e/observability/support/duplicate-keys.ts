/**
 * The keys that appear more than once in one object of a JSON text (JSON.parse keeps the last and hides them).
 * A small scanner: strings are skipped with their escapes, and a stack of key sets follows the nesting.
 */
export function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  while (i < json.length) {
    const ch = json[i];
    if (ch === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const text = json.slice(i + 1, end);
      let next = end + 1;
      while (json[next] === ' ') next += 1;
      const keys = stack[stack.length - 1];
      if (json[next] === ':' && keys) {
        if (keys.has(text)) duplicates.push(text);
        keys.add(text);
      }
      i = end + 1;
      continue;
    }
    if (ch === '{') stack.push(new Set());
    else if (ch === '[') stack.push(null);
    else if (ch === '}' || ch === ']') stack.pop();
    i += 1;
  }
  return duplicates;
}
