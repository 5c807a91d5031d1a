import { caseInsensitiveField } from '../case-insensitive-field';

/** What can be read from any of Partner Center's error bodies. */
export interface ParsedErrorBody {
  code?: string | number;
  description?: string;
  errorName?: string;
  isRetryable?: boolean;
}

const MAX_DESCRIPTION = 500;

/**
 * Partner Center's error bodies come in several shapes — `{code, description, data, source}` with a numeric or
 * string code, newer `{errorName, isRetryable, message, parameters}`, the 429 `{statusCode, message}`, an empty
 * 404, or HTML from a front door. Read whatever is there, case-insensitively, and never throw.
 */
export function parseErrorBody(body: unknown): ParsedErrorBody {
  const object = asObject(body);
  if (!object) {
    const text = typeof body === 'string' ? body.trim() : '';
    return text && !text.startsWith('<') && !isJson(text) ? { description: clip(text) } : {};
  }
  const field = (name: string): unknown => caseInsensitiveField(object, name);
  const code = field('code') ?? field('errorcode');
  const description = field('description') ?? field('message') ?? field('error_description');
  const errorName = field('errorname');
  const isRetryable = field('isretryable');
  return {
    code:
      typeof code === 'number' || (typeof code === 'string' && code.trim())
        ? (code as string | number)
        : undefined,
    description: typeof description === 'string' && description.trim() ? clip(description.trim()) : undefined,
    errorName: typeof errorName === 'string' ? errorName : undefined,
    isRetryable: typeof isRetryable === 'boolean' ? isRetryable : undefined,
  };
}

function asObject(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (Buffer.isBuffer(value)) return asObject(value.toString('utf8'));
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function clip(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}
