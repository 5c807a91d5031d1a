/**
 * An upstream that quotes what it was sent (an error page, a proxy, an identity provider's description) rarely quotes
 * it as it is: a form is URL-encoded, a header is base64'd into a blob or a Basic credential, JSON escapes it. The
 * shape scrubbers (common/secret-text.ts) cannot know such a blob is a token; whoever sent the secret can, and cuts it here.
 */

const CUT = '[REDACTED]';
/** Shorter secrets are cut as they are only: their encodings are too short to be told from other text. */
const SHORTEST_ENCODED = 12;
/**
 * A quote cut short (a description clipped by the server) still starts a token: this many of a form's first
 * characters, and as many more as follow, are cut too.
 */
const SHORTEST_PREFIX = 16;

/** `text` without any of `secrets` in any shape it is commonly quoted in, whole or its beginning. */
export function withoutEchoes(text: string, secrets: readonly string[]): string {
  return withoutQuotes(
    text,
    secrets.filter(Boolean).flatMap((secret) => echoForms(secret)),
  );
}

/**
 * `text` without any quote of `forms` (echoForms' output, computed once where the same secrets are searched often).
 * Ranges first, cut once: two forms can share a beginning (a secret and its URL encoding), and each quote is cut to the
 * end of the longest form it matches.
 */
export function withoutQuotes(text: string, forms: readonly string[]): string {
  const ranges = forms.flatMap((form) => quotes(text, form)).sort((a, b) => a[0] - b[0]);
  let cut = '';
  let from = 0; // the text before this is copied or cut already
  for (const [start, end] of ranges) {
    if (end <= from) continue; // within a quote already cut
    if (start >= from) cut += text.slice(from, start) + CUT; // else it extends the quote just cut
    from = end;
  }
  return ranges.length ? cut + text.slice(from) : text;
}

/** What a text must hold for `form` to be quoted in it (see quotes): the form, or its first SHORTEST_PREFIX characters. */
export function quoteHead(form: string): string {
  return form.length > SHORTEST_PREFIX ? form.slice(0, SHORTEST_PREFIX) : form;
}

/** Where `text` quotes `form`: whole, or at least its first SHORTEST_PREFIX characters and as many more as follow. */
function quotes(text: string, form: string): Array<[number, number]> {
  const head = quoteHead(form);
  const found: Array<[number, number]> = [];
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
    let end = at + head.length;
    while (end - at < form.length && text[end] === form[end - at]) end++;
    found.push([at, end]);
  }
  return found;
}

/** The secret as it is, URL-, form- and JSON-encoded, and base64/base64url'd at any offset. */
export function echoForms(secret: string): string[] {
  const forms = new Set([secret]);
  if (secret.length >= SHORTEST_ENCODED) {
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
    for (const form of base64Forms(secret)) forms.add(form);
  }
  return [...forms];
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
