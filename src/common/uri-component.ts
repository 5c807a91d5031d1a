/** A percent-encoded component decoded, or undefined when a '%' in it starts no escape (decodeURIComponent throws). */
export function decodedComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
