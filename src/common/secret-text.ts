/**
 * Tokens and secrets found in free text by their shape, for every layer that writes text a client or a log will read
 * (error descriptions, refusals, log lines, span attributes). Whoever knows the very secret cuts it in any shape with
 * secret-echoes.ts; these are the net for what nobody knows.
 */

const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*/gi;
// A JWT, or its beginning (a quote cut short still holds the header and claims): base64url JSON, `{"` encoded.
const JWT = /\beyJ[A-Za-z0-9_-]{10,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const SECRET_PARAM = /\b(client_secret|client_assertion|assertion|access_token|refresh_token)=([^&\s"]+)/gi;
// A PEM private key, whoever's, to its end or to the end of a quote that cut it short.
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
/**
 * What text must hold for any of these to match (a word each contains), as it is or JSON-escaped (letters are never
 * escaped): one cheap test before the passes, for text that almost never holds a token (every log line).
 */
export const SECRET_SHAPE_HINT = /bearer|eyJ|assertion|access_token|refresh_token|client_secret|private key/i;

/** Strips tokens, form secrets and private keys from free text (error messages, refusals, span attributes, log lines). */
export function scrubSecrets(text: string): string {
  if (!SECRET_SHAPE_HINT.test(text)) return text;
  return text
    .replace(BEARER, '$1[REDACTED]')
    .replace(JWT, '[REDACTED-JWT]')
    .replace(SECRET_PARAM, '$1=[REDACTED]')
    .replace(PRIVATE_KEY, '[REDACTED-PRIVATE-KEY]');
}

/**
 * A request URL as a log line may hold it: the path, and of the query string only the parameter names. A query can
 * carry a token (`?access_token=`, RFC 6750 §2.3), a signature or a code, under any name; what a GraphQL GET's
 * `?query=` asked is in the line's `operation`, so no value is worth the risk. The path is the client's too: a token
 * pasted into it (a client that built the URL from the wrong variable) is cut by its shape.
 */
export function urlForLog(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return scrubSecrets(url);
  const names = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? pair : `${pair.slice(0, equals)}=[REDACTED]`;
    });
  return `${scrubSecrets(url.slice(0, queryAt))}?${names.join('&')}`;
}
