import { echoForms, quoteHead, withoutQuotes } from '../common/secret-echoes';
import { SECRET_SHAPE_HINT, scrubSecrets } from '../common/secret-text';

const CUT = '[REDACTED]';

/**
 * Known secrets shorter than this are not searched for: a few characters occur by chance in every line, and cutting
 * them would garble the logs, not protect anything.
 */
const SHORTEST_KNOWN_SECRET = 6;

/**
 * Fields named for a credential (lower case): their value is cut whole, whatever it holds (a Basic header, a cookie,
 * an opaque token have no shape), at any depth, and the reader sees `[REDACTED]` where it was.
 */
const CREDENTIAL_FIELDS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'clientsecret',
  'client_secret',
  'privatekey',
  'private_key',
  'accesstoken',
  'access_token',
  'refreshtoken',
  'refresh_token',
  'client_assertion',
  'assertion',
]);

/** The last line of defence of every line the process writes (see createLogScrubber). */
export interface LogScrubber {
  /** What pino wrote (one JSON object per line), without secrets at any depth; still one valid JSON object per line. */
  line(chunk: string): string;
  /** A line of plain text (a notice on stderr), without secrets. */
  text(text: string): string;
}

/**
 * The scrubber at the sink: every log line passes it after pino serialised it, so no field at any depth (an error's
 * message or stack, a library's options, an upstream's quoted body, an array) carries a secret out. It cuts the values
 * of fields named for a credential, tokens and private keys by their shape (secret-text.ts), and the secrets the process
 * itself holds, given once at start-up, in every form they are quoted in (secret-echoes.ts).
 *
 * A line with nothing to cut, nearly every line, costs one regular expression test and is passed on as it is, nothing
 * allocated. A line that may hold something is parsed, its keys and strings scrubbed as text, and serialised again: a
 * cut never breaks an escape sequence, and the line stays valid JSON.
 */
export function createLogScrubber(secrets: readonly string[]): LogScrubber {
  const forms = [
    ...new Set(secrets.filter((secret) => secret.length >= SHORTEST_KNOWN_SECRET).flatMap(echoForms)),
  ];
  // In a JSON line a value is JSON-escaped: each beginning is searched for as it is and as it is written there.
  const heads = new Set(forms.map(quoteHead).flatMap((head) => [head, JSON.stringify(head).slice(1, -1)]));
  // What a line must hold for anything to be cut: a token shape's word (letters are never JSON-escaped), a credential
  // field's name, or a known secret's beginning.
  const suspect = new RegExp(
    [SECRET_SHAPE_HINT.source, ...[...CREDENTIAL_FIELDS, ...heads].map(literal)].join('|'),
    'i',
  );
  const scrub = (text: string) => scrubSecrets(withoutQuotes(text, forms));
  return {
    line: (chunk) =>
      suspect.test(chunk)
        ? chunk
            .split('\n')
            .map((line) => scrubbedLine(line, scrub))
            .join('\n')
        : chunk,
    text: (text) => (suspect.test(text) ? scrub(text) : text),
  };
}

function scrubbedLine(line: string, scrub: (text: string) => string): string {
  if (!line) return line;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return scrub(line); // not JSON (a destination that is no pino line): as text
  }
  return JSON.stringify(scrubbedValue(entry, scrub));
}

function scrubbedValue(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubbedValue(item, scrub));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        scrub(key),
        CREDENTIAL_FIELDS.has(key.toLowerCase()) && item !== null ? CUT : scrubbedValue(item, scrub),
      ]),
    );
  return value;
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
