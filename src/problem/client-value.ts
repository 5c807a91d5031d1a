import { scrubSecrets } from '../common/secret-text';

/** The most characters of a client's own value (a path, a field name, a header) a refusal quotes back. */
export const MAX_ECHOED_CHARACTERS = 64;

/**
 * A value the client sent, as a refusal may quote it: enough to recognise, cut with an ellipsis past 64 characters,
 * so a 5 KB path or key never comes back whole (in the answer, and in every log or proxy that keeps it). A token in
 * it (a JWT sent as a path, a key, a query) is cut first: its first 64 characters are still a token's beginning.
 */
export function echoClientValue(raw: string): string {
  const value = scrubSecrets(raw);
  if (value.length <= MAX_ECHOED_CHARACTERS) return value;
  const cut = value.slice(0, MAX_ECHOED_CHARACTERS);
  // Never end on half a surrogate pair: the answer stays valid UTF-8.
  const code = cut.charCodeAt(cut.length - 1);
  return `${code >= 0xd800 && code <= 0xdbff ? cut.slice(0, -1) : cut}…`;
}
