/**
 * The shapes a secret takes on its way out of a program: an identity provider, a proxy or a library quotes what it
 * was sent URL-encoded (a form, a query string, a Location), JSON-escaped, base64 or base64url (a Basic header, an
 * encoded blob), or cut short (a clipped description: a token's first characters are still a token's prefix).
 */

/** The shortest prefix searched for: long enough never to occur by chance in a log line. */
const PREFIX = 20;

/** Every form of `secret` a leak could show, distinct, none shorter than the prefix (shorter secrets: as they are). */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    ...base64Forms(secret),
  ]);
  for (const form of [...forms]) if (form.length > PREFIX) forms.add(form.slice(0, PREFIX));
  return [...forms].filter((form) => form.length >= Math.min(PREFIX, secret.length));
}

/**
 * The secret base64-encoded inside any text: the encoding of its bytes depends on where they start modulo 3, so each
 * of the three alignments contributes the characters that are the secret's alone (both alphabets).
 */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (const pad of ['', 'x', 'xx']) {
    const encoded = Buffer.from(pad + secret).toString('base64');
    // Drop the characters mixed with the padding before it, and the last group, mixed with what follows.
    const start = Math.ceil((pad.length * 4) / 3);
    const inner = encoded.slice(start, Math.max(start, encoded.replace(/=+$/, '').length - 4));
    if (inner.length >= PREFIX) forms.push(inner, inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** The first form of any of `secrets` that `text` holds, named by which secret (never quoting it), or undefined. */
export function findSecret(text: string, secrets: Record<string, string>): string | undefined {
  for (const [name, secret] of Object.entries(secrets)) {
    if (secret.length < 6) continue;
    for (const form of secretForms(secret)) {
      if (text.includes(form)) return `${name} (${describeForm(secret, form)})`;
    }
  }
  return undefined;
}

function describeForm(secret: string, form: string): string {
  if (form === secret) return 'as it is';
  if (secret.startsWith(form)) return 'its first characters';
  if (form === encodeURIComponent(secret)) return 'URL-encoded';
  if (form === JSON.stringify(secret).slice(1, -1)) return 'JSON-escaped';
  return 'encoded';
}
