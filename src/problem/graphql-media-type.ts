/** What a GraphQL answer can be sent as (GraphQL over HTTP), in Apollo's order of preference on a tie. */
const ANSWER_TYPES = ['application/json', 'application/graphql-response+json'] as const;
/** Every answer is UTF-8: a range asking for another charset (or any other parameter value) does not match. */
const ANSWER_PARAMETERS: Readonly<Record<string, string>> = { charset: 'utf-8' };

/**
 * The type a GraphQL answer is sent as, read from `Accept` the way Apollo reads it for its own answers (the
 * `negotiator` package: the most specific matching range — type, subtype, parameters — gives each type its quality;
 * the higher quality wins, then the more specific range, then the range written first, then application/json), so
 * the gateway's refusals and its 406 check agree with Apollo. Undefined when Accept admits neither type: Apollo would
 * answer 406, only once the operation had run. No or an empty Accept: application/json.
 */
export function negotiatedGraphqlAnswerType(accept: string | undefined): string | undefined {
  if (!accept?.trim()) return ANSWER_TYPES[0];
  const ranges = parseAccept(accept);
  const rated = ANSWER_TYPES.flatMap((type, order) => {
    const preference = preferenceFor(type, ranges);
    return preference && preference.quality > 0 ? [{ type, order, ...preference }] : [];
  });
  rated.sort(
    (a, b) =>
      b.quality - a.quality || b.specificity - a.specificity || a.position - b.position || a.order - b.order,
  );
  return rated[0]?.type;
}

/** The Content-Type of an answer the gateway makes itself on /graphql (a refusal): as negotiated, else JSON. */
export function graphqlAnswerMediaType(accept: string | undefined): string {
  return `${negotiatedGraphqlAnswerType(accept) ?? ANSWER_TYPES[0]}; charset=utf-8`;
}

interface AcceptRange {
  type: string;
  subtype: string;
  parameters: Record<string, string>;
  quality: number;
  position: number;
}

function parseAccept(accept: string): AcceptRange[] {
  return accept.split(',').flatMap((range, position) => {
    const [mediaType, ...rest] = range.split(';').map((part) => part.trim());
    const [type, subtype] = mediaType.toLowerCase().split('/');
    if (!type || subtype === undefined) return [];
    const parameters: Record<string, string> = {};
    let quality = 1;
    for (const parameter of rest) {
      const [name, ...value] = parameter.split('=');
      const key = name.trim().toLowerCase();
      const text = value
        .join('=')
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'q') quality = Number.parseFloat(text);
      else if (key) parameters[key] = text.toLowerCase();
    }
    return [{ type, subtype, parameters, quality: Number.isNaN(quality) ? 0 : quality, position }];
  });
}

/** The most specific range matching a type (its quality and position), as negotiator rates it. */
function preferenceFor(
  answerType: string,
  ranges: AcceptRange[],
): { quality: number; specificity: number; position: number } | undefined {
  const [type, subtype] = answerType.split('/');
  let best: { quality: number; specificity: number; position: number } | undefined;
  for (const range of ranges) {
    let specificity = 0;
    if (range.type === type) specificity |= 4;
    else if (range.type !== '*') continue;
    if (range.subtype === subtype) specificity |= 2;
    else if (range.subtype !== '*') continue;
    const names = Object.keys(range.parameters);
    if (names.length > 0) {
      const matches = names.every(
        (name) =>
          range.parameters[name] === '*' || range.parameters[name] === (ANSWER_PARAMETERS[name] ?? ''),
      );
      if (!matches) continue;
      specificity |= 1;
    }
    const candidate = { quality: range.quality, specificity, position: range.position };
    if (
      !best ||
      (best.specificity - specificity || best.quality - range.quality || best.position - range.position) < 0
    )
      best = candidate;
  }
  return best;
}
