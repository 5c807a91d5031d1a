const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

/**
 * The media type of a GraphQL answer the gateway makes itself (a request refused before Apollo saw it), chosen from
 * the `Accept` header as Apollo chooses it for its own answers (GraphQL over HTTP: the server respects Accept), so a
 * client accepting only `application/graphql-response+json` is not answered in a type it refused. The range that
 * matches a type most specifically gives its quality; the higher quality wins, then the more specific range, then
 * the range written first; `application/json` when nothing decides (no Accept, any type) or nothing is acceptable
 * (that request is refused with 406 anyway).
 */
export function graphqlAnswerMediaType(accept: string | undefined): string {
  const ranges = parseAccept(accept ?? '');
  const json = preference(ranges, JSON_TYPE);
  const graphqlResponse = preference(ranges, GRAPHQL_RESPONSE_TYPE);
  const type =
    graphqlResponse !== undefined && (json === undefined || outranks(graphqlResponse, json))
      ? GRAPHQL_RESPONSE_TYPE
      : JSON_TYPE;
  return `${type}; charset=utf-8`;
}

interface Preference {
  quality: number;
  specificity: number;
  position: number;
}

interface AcceptRange {
  type: string;
  quality: number;
  position: number;
}

function parseAccept(accept: string): AcceptRange[] {
  return accept.split(',').flatMap((range, position) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (!type) return [];
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    return [{ type, quality: Number.isFinite(quality) ? quality : 0, position }];
  });
}

/** How the Accept ranges rate one type: its most specific matching range; undefined when none admits it. */
function preference(ranges: AcceptRange[], type: string): Preference | undefined {
  let best: Preference | undefined;
  for (const range of ranges) {
    const specificity =
      range.type === type ? 2 : range.type === 'application/*' ? 1 : range.type === '*/*' ? 0 : -1;
    if (specificity < 0 || (best && best.specificity >= specificity)) continue;
    best = { quality: range.quality, specificity, position: range.position };
  }
  return best && best.quality > 0 ? best : undefined;
}

function outranks(a: Preference, b: Preference): boolean {
  if (a.quality !== b.quality) return a.quality > b.quality;
  if (a.specificity !== b.specificity) return a.specificity > b.specificity;
  return a.position < b.position;
}
