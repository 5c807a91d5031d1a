import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FieldViolation, InvalidInputError } from '../common/invalid-input.error';
import { MalformedJsonError } from '../common/malformed-json.error';

export interface JsonBodyLimits {
  /** Deepest nesting of objects and arrays. The gateway's bodies are 2 levels deep; 32 leaves room for GraphQL variables. */
  maxDepth: number;
  /** Object members in the whole body. A budget body has 3; a GraphQL request a few dozen. */
  maxKeys: number;
}

export const JSON_BODY_LIMITS: JsonBodyLimits = { maxDepth: 32, maxKeys: 1_000 };

/**
 * Keys that reach an object's prototype when a library copies a body by assignment. Refused anywhere in any body,
 * by name, so they can never be silently dropped (or worse, applied).
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The `application/json` parser for REST and GraphQL alike. Before anything builds objects from the body, one linear
 * pass over the raw text measures its nesting and its member count; a body past a limit is refused whole (400), so no
 * recursive code downstream (class-transformer, validators) ever sees it. Then JSON.parse, and a walk — bounded by
 * those limits, iterative anyway — that refuses prototype keys, naming the field, and a member given twice in one
 * object (`{"amount": 1, "amount": 1000}`): JSON.parse keeps the last, a proxy or WAF in front may have read the first.
 */
export function registerJsonBodyParser(
  fastify: FastifyInstance,
  options: { bodyLimitBytes: number; limits?: JsonBodyLimits },
): void {
  const limits = options.limits ?? JSON_BODY_LIMITS;
  fastify.addContentTypeParser(
    'application/json',
    // Bytes, decoded here: Fastify's own decoding replaces invalid UTF-8, and then refuses the body as "size did not
    // match Content-Length" (its string no longer has the bytes' length), which misleads the client.
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (
      _request: FastifyRequest,
      body: string | Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      try {
        done(null, parseJsonBody(utf8Text(body), limits));
      } catch (error) {
        done(error as Error);
      }
    },
  );
}

/** RFC 8259: JSON between systems is UTF-8; a byte-order mark is kept, so JSON.parse refuses it as before. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8Text(body: string | Buffer): string {
  if (typeof body === 'string') return body;
  try {
    return UTF8.decode(body);
  } catch {
    throw new MalformedJsonError('The request body is not valid UTF-8.');
  }
}

/** Parses a JSON body within the limits; throws InvalidInputError (limits, prototype keys) or MalformedJsonError. */
export function parseJsonBody(text: string, limits: JsonBodyLimits = JSON_BODY_LIMITS): unknown {
  // An empty body is not JSON either (Fastify's own parser refuses it too).
  const measured = measureJson(text, limits);
  if (measured.depth > limits.maxDepth)
    throw limitError(`the JSON body nests deeper than ${limits.maxDepth} levels`);
  if (measured.keys > limits.maxKeys)
    throw limitError(`the JSON body has more than ${limits.maxKeys} object members`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedJsonError();
  }
  const { violations, members } = walkMembers(value);
  if (violations.length > 0) throw new InvalidInputError(violations);
  // Each member of the text is a member of the value unless a key repeats within its object (JSON.parse keeps the
  // last): only then is the text scanned again, to name the key.
  if (members < measured.keys) {
    const repeated = firstRepeatedMember(text);
    if (repeated !== undefined)
      throw new InvalidInputError([
        { field: repeated, message: `${repeated} is given more than once in the same object` },
      ]);
  }
  return value;
}

/**
 * Nesting depth and member count of JSON text, outside strings, in one pass; stops counting once a limit is passed.
 * For text that is not JSON the numbers are approximate, which is enough: JSON.parse refuses that text next.
 */
export function measureJson(text: string, limits: JsonBodyLimits): { depth: number; keys: number } {
  let depth = 0;
  let deepest = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c /* \ */) i += 1;
      else if (char === 0x22 /* " */) inString = false;
      continue;
    }
    switch (char) {
      case 0x22:
        inString = true;
        break;
      case 0x7b /* { */:
      case 0x5b /* [ */:
        depth += 1;
        if (depth > deepest) deepest = depth;
        if (deepest > limits.maxDepth) return { depth: deepest, keys };
        break;
      case 0x7d /* } */:
      case 0x5d /* ] */:
        depth -= 1;
        break;
      case 0x3a /* : */:
        // Outside a string, a colon only ever separates an object member's key from its value.
        keys += 1;
        if (keys > limits.maxKeys) return { depth: deepest, keys };
        break;
    }
  }
  return { depth: deepest, keys };
}

/**
 * Every prototype key in a parsed body, with its path (`attributes.constructor`, `variables.list[0].__proto__`), and
 * how many object members the body has.
 */
function walkMembers(root: unknown): { violations: FieldViolation[]; members: number } {
  const violations: FieldViolation[] = [];
  let members = 0;
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: `${path}[${index}]` }));
      continue;
    }
    const keys = Object.keys(value);
    members += keys.length;
    for (const key of keys) {
      const field = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) violations.push({ field, message: `property ${field} should not exist` });
      else pending.push({ value: (value as Record<string, unknown>)[key], path: field });
    }
  }
  return { violations, members };
}

/**
 * The path of the first key that repeats within one object of valid JSON text (`attributes.objectType`, `[2].id`), or
 * undefined. Iterative, over text JSON.parse has accepted within the limits.
 */
export function firstRepeatedMember(text: string): string | undefined {
  // One frame per open container: an object's keys so far, or an array's index; and its path.
  const frames: Array<{ keys?: Set<string>; index: number; path: string; key?: string }> = [];
  const childPath = (): string => {
    const frame = frames[frames.length - 1];
    if (frame === undefined) return '';
    if (frame.keys) return frame.path ? `${frame.path}.${frame.key}` : (frame.key ?? '');
    return `${frame.path}[${frame.index}]`;
  };
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (char === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      if (expectKey) {
        const frame = frames[frames.length - 1];
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        frame.key = key;
        if (frame.keys!.has(key)) return childPath();
        frame.keys!.add(key);
        expectKey = false;
      }
      i = end;
    } else if (char === 0x7b /* { */) {
      frames.push({ keys: new Set(), index: 0, path: childPath() });
      expectKey = true;
    } else if (char === 0x5b /* [ */) {
      frames.push({ index: 0, path: childPath() });
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      frames.pop();
      expectKey = false; // `{}`
    } else if (char === 0x2c /* , */) {
      const frame = frames[frames.length - 1];
      if (frame.keys) expectKey = true;
      else frame.index += 1;
    }
  }
  return undefined;
}

function limitError(message: string): InvalidInputError {
  return new InvalidInputError([{ field: '', message: `The request body is refused: ${message}.` }]);
}
