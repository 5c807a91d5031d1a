/**
 * An upstream that quotes what it was sent (an error page, a proxy, an identity provider's description) rarely quotes
 * it as it is: a form is URL-encoded, a header is base64'd into a blob or a Basic credential, JSON escapes it. The
 * shape scrubbers (redaction.ts) cannot know such a blob is a token; whoever sent the secret can, and cuts it here.
 */

const CUT = '[REDACTED]';
/** Shorter secrets are cut as they are only: their encodings are too short to be told from other text. */
const SHORTEST_ENCODED = 12;

/** `text` without any of `secrets` in any shape it is commonly quoted in. */
export function withoutEchoes(text: string, secrets: readonly string[]): string {
  let cut = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of echoForms(secret)) if (cut.includes(form)) cut = cut.split(form).join(CUT);
  }
  return cut;
}

/** The secret as it is, URL-, form- and JSON-encoded, and base64/base64url'd at any offset; longest first. */
function echoForms(secret: string): string[] {
  const forms = new Set([secret]);
  if (secret.length >= SHORTEST_ENCODED) {
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
    for (const form of base64Forms(secret)) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Base64 of the secret inside longer text depends on the offset it starts at (modulo 3): for each offset, the
 * characters that encode the secret's bytes alone, in both alphabets (the few mixed with the neighbours stay).
 */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (const lead of ['', '\0', '\0\0']) {
    const encoded = Buffer.from(lead + secret)
      .toString('base64')
      .replace(/=+$/, '');
    const inner = encoded.slice(Math.ceil((lead.length * 4) / 3), -1);
    if (inner.length >= SHORTEST_ENCODED) forms.push(inner, inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}
