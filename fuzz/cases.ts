import { parse } from 'graphql';
import { Prng } from './prng';

/** One request, written byte for byte by the engine (so methods, headers and bodies can be anything). */
export interface FuzzRequest {
  family: string;
  api: 'rest' | 'graphql';
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body?: string;
}

/** What the generators build on: real ids and real tokens, so that exactly one thing in each request is wrong. */
export interface FuzzContext {
  /** Customer ids the sandbox knows (valid GUIDs). */
  customers: string[];
  /** A valid caller token with UsageBudget.ReadWrite. */
  token: string;
  /** A valid caller token with UsageBudget.Read only (a write with it must be refused). */
  readOnlyToken: string;
  /** Tokens that must be refused: alg none, HS256 signed with the issuer's public key, expired, wrong audience, … */
  badTokens: Array<{ name: string; token: string }>;
  /** The gateway's body limit (HTTP_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

type Case = Omit<FuzzRequest, 'family' | 'api'>;

interface Family {
  name: string;
  api: 'rest' | 'graphql';
  weight: number;
  make(rng: Prng, ctx: FuzzContext): Case;
}

const JSON_TYPE: [string, string] = ['content-type', 'application/json'];
const bearer = (ctx: FuzzContext): [string, string] => ['authorization', `Bearer ${ctx.token}`];
const budgetPath = (id: string) => `/v1/customers/${id}/usagebudget`;
const customer = (rng: Prng, ctx: FuzzContext) => rng.pick(ctx.customers);

const GET_BUDGET =
  'query($id: ID!) { customerUsageBudget(customerId: $id) { customerId amount usageSpendingBudget } }';
const SET_BUDGET =
  'mutation($input: UpdateUsageBudgetInput!) { updateUsageBudget(input: $input) { customerId amount } }';

const patch = (rng: Prng, ctx: FuzzContext, body: string, extra: Array<[string, string]> = []) => ({
  method: 'PATCH',
  path: budgetPath(customer(rng, ctx)),
  headers: [JSON_TYPE, bearer(ctx), ...extra],
  body,
});

const graphql = (ctx: FuzzContext, body: string, extra: Array<[string, string]> = []) => ({
  method: 'POST',
  path: '/graphql',
  headers: [JSON_TYPE, bearer(ctx), ...extra] as Array<[string, string]>,
  body,
});

/** A valid PATCH body, in one of the shapes Partner Center clients send. */
function validBudgetBody(rng: Prng): string {
  const amount = rng.int(1, 5000);
  return rng.pick([
    `{"amount":${amount}}`,
    `{"Amount":${amount},"Attributes":{"ObjectType":"SpendingBudget"}}`,
    `{"amount":${amount},"attributes":{"objectType":"SpendingBudget"}}`,
  ]);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Random byte edits of valid JSON; if the result is still JSON, it is broken on purpose (so it stays invalid). */
function mutateJson(rng: Prng, text: string): string {
  let out = text;
  for (let i = rng.int(1, 4); i > 0; i -= 1) {
    const at = rng.int(0, out.length);
    const edit = rng.int(0, 3);
    const piece = rng.pick([
      '{',
      '}',
      '[',
      ']',
      '"',
      ',',
      ':',
      '\\',
      'e',
      '-',
      '.',
      '\u0000',
      '\u2028',
      ' ',
      'null',
    ]);
    if (edit === 0) out = out.slice(0, at) + piece + out.slice(at);
    else if (edit === 1) out = out.slice(0, at) + out.slice(at + 1);
    else if (edit === 2) out = out.slice(0, at) + piece + out.slice(at + 1);
    else out = out.slice(0, at);
  }
  return isJson(out) ? `${out}}` : out;
}

/** Breaks a valid GraphQL document so that it no longer parses. */
function mutateQuery(rng: Prng, query: string): string {
  let out = query;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const at = rng.int(0, out.length);
    out =
      out.slice(0, at) +
      rng.pick(['{', '}', '(', ')', '$', '!', ':', '"', '...', '@', '#\n', '']) +
      out.slice(at + 1);
    try {
      parse(out);
    } catch {
      return out;
    }
  }
  return `${out} {`;
}

function nested(rng: Prng, depth: number, leaf: string): string {
  const open = rng.pick(['[', '{"a":']);
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + leaf + close.repeat(depth);
}

/** Strings that are not a GUID, though some look like one. */
function badGuid(rng: Prng, ctx: FuzzContext): string {
  const id = customer(rng, ctx);
  const at = rng.int(0, id.length - 1);
  const swap = (c: string) => id.slice(0, at) + c + id.slice(at + 1);
  return rng.pick([
    () => swap('\u0441'), // Cyrillic es, looks like c
    () => swap('\u0430'), // Cyrillic a
    () => swap('\uff10'), // fullwidth zero
    () => swap('\u0660'), // Arabic-Indic zero
    () => swap('g'),
    () => id.replace(/-/g, '\u2010'), // hyphen look-alike
    () => `${id}\u200b`, // zero-width space
    () => id.slice(0, -1),
    () => `${id}0`,
    () => `{${id}}`,
    () => id.replace(/-/g, ''),
    () => ' ' + id,
    () => `${id}\n`,
    () => `${id}\u0000`,
    () => '../../admin',
    () => `../${id}`,
    () => '..',
    () => '.',
    () => `${id}/../../etc/passwd`,
    () => "' OR 1=1 --",
    () => '<script>alert(1)</script>',
    () => 'x'.repeat(rng.int(37, 2000)),
    () => '',
    () => '00000000-0000-0000-0000-00000000000',
    () => rng.string(rng.int(1, 40)),
  ])();
}

/** The id in a URL path: percent-encoded, or the traversal raw (`..%2F`, `%2e%2e`, raw dots). */
function pathSegment(rng: Prng, value: string): string {
  return rng.pick([
    () => encodeURIComponent(value),
    () => encodeURIComponent(value).replace(/\./g, '%2e'),
    () => encodeURIComponent(value).replace(/%2F/gi, '%252F'),
    () => value.replace(/[^A-Za-z0-9\-./]/g, (c) => encodeURIComponent(c)),
  ])();
}

function invalidAmount(rng: Prng): string {
  return rng.pick([
    '1e400',
    '-1e400',
    '1e309',
    '123456789012345678901234567890',
    '1e10',
    '1000000001',
    '-1',
    '-0.0001',
    '-1e-300',
    '"NaN"',
    '"Infinity"',
    '"-Infinity"',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '1_000',
    '"100"',
    '"1e3"',
    'true',
    'false',
    'null',
    '[]',
    '[100]',
    '{}',
    '{"value":100}',
    '""',
    '+1',
    '.5',
    '01',
  ]);
}

function randomKey(rng: Prng): string {
  return rng.pick([
    'currency',
    'Amount2',
    'etag',
    'id',
    'customerId',
    '$where',
    '',
    ' amount',
    'amount ',
    'AMOUNT\u0000',
    '\u0430mount',
    'Constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    rng.string(rng.int(1, 12)),
  ]);
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

function prototypeBody(rng: Prng): string {
  const key = rng.pick(PROTOTYPE_KEYS);
  const value = rng.pick(['1', '{}', '{"prototype":{"isAdmin":true}}', '{"amount":1}', 'null', '"x"']);
  const amount = rng.int(1, 1000);
  return rng.pick([
    `{"amount":${amount},"${key}":${value}}`,
    `{"${key}":${value},"amount":${amount}}`,
    `{"amount":${amount},"attributes":{"objectType":"SpendingBudget","${key}":${value}}}`,
    `{"amount":${amount},"other":{"${key}":${value}}}`,
    `{"amount":${amount},"list":[{"${key}":${value}}]}`,
  ]);
}

function forgedJwt(rng: Prng): string {
  const part = () => Buffer.from(rng.string(rng.int(4, 60))).toString('base64url');
  return rng.pick([
    () => `${part()}.${part()}.${part()}`,
    () => `${part()}.${part()}`,
    () => `eyJhbGciOiJSUzI1NiJ9.${part()}.${part()}`,
    () => `${part()}..${part()}`,
    () => 'e'.repeat(rng.int(1000, 8000)),
  ])();
}

function badAuthorization(rng: Prng, ctx: FuzzContext): string {
  return rng.pick([
    () => `Bearer ${rng.pick(ctx.badTokens).token}`,
    () => `Bearer ${rng.pick(ctx.badTokens).token}`,
    () => `Bearer ${forgedJwt(rng)}`,
    () => `Bearer ${ctx.token.slice(0, -rng.int(1, 20))}`,
    () => {
      const flip = ctx.token.length - rng.int(2, 30);
      const char = ctx.token[flip] === 'A' ? 'B' : 'A';
      return `Bearer ${ctx.token.slice(0, flip)}${char}${ctx.token.slice(flip + 1)}`;
    },
    () => `Bearer ${ctx.token}x`,
    () => `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    () => 'Bearer',
    () => 'Bearer ',
    () => `Bearer  ${ctx.token} extra`,
    () => `bearer${ctx.token}`,
    () => ctx.token,
    () => `Token ${ctx.token}`,
    () => `Bearer ${rng.string(rng.int(1, 200))}`,
    () => `Bearer null`,
    () => 'Negotiate YII=',
  ])();
}

const FAMILIES: Family[] = [
  // ---- REST -------------------------------------------------------------------------------------------------------
  {
    name: 'rest: mutated JSON',
    api: 'rest',
    weight: 5,
    make: (rng, ctx) => patch(rng, ctx, mutateJson(rng, validBudgetBody(rng))),
  },
  {
    name: 'rest: garbage body',
    api: 'rest',
    weight: 3,
    make: (rng, ctx) =>
      patch(
        rng,
        ctx,
        rng.pick(['#', '\u0001', 'x', '<', "'"]) + rng.string(rng.int(0, 300), rng.chance(0.5)),
      ),
  },
  {
    name: 'rest: deep nesting',
    api: 'rest',
    weight: 4,
    make: (rng, ctx) => {
      const depth = rng.pick([33, 64, 500, 1600, rng.int(33, 3000)]);
      return patch(
        rng,
        ctx,
        rng.pick([
          `{"amount":${nested(rng, depth, '1')}}`,
          `{"amount":5,"attributes":${nested(rng, depth, '1')}}`,
          `{"amount":5,"x":${nested(rng, depth, 'null')}}`,
          nested(rng, depth, '{"amount":5}'),
        ]),
      );
    },
  },
  {
    name: 'rest: key flood',
    api: 'rest',
    weight: 2,
    make: (rng, ctx) => {
      const count = rng.int(1001, 1600);
      const keys = Array.from({ length: count }, (_, i) => `"k${i}":0`).join(',');
      return patch(rng, ctx, rng.pick([`{"amount":5,${keys}}`, `{"amount":5,"attributes":{${keys}}}`]));
    },
  },
  {
    name: 'rest: invalid amount',
    api: 'rest',
    weight: 5,
    make: (rng, ctx) => {
      const amount = invalidAmount(rng);
      return patch(
        rng,
        ctx,
        rng.pick([
          `{"amount":${amount}}`,
          `{"Amount":${amount},"Attributes":{"ObjectType":"SpendingBudget"}}`,
        ]),
      );
    },
  },
  {
    name: 'rest: wrong types',
    api: 'rest',
    weight: 4,
    make: (rng, ctx) =>
      patch(
        rng,
        ctx,
        rng.pick([
          '[]',
          '[{"amount":5}]',
          '"amount"',
          '5',
          'null',
          'true',
          '{}',
          '{"amount":5,"attributes":"SpendingBudget"}',
          '{"amount":5,"attributes":[]}',
          '{"amount":5,"attributes":{"objectType":"Customer"}}',
          '{"amount":5,"attributes":{"objectType":1}}',
          '{"amount":5,"Amount":6}',
          '{"amount":5,"AMOUNT":5}',
          '{"amount":5,"attributes":{"objectType":"SpendingBudget","ObjectType":"SpendingBudget"}}',
        ]),
      ),
  },
  {
    name: 'rest: unknown fields',
    api: 'rest',
    weight: 3,
    make: (rng, ctx) => {
      const key = JSON.stringify(randomKey(rng));
      return patch(
        rng,
        ctx,
        rng.pick([
          `{"amount":5,${key}:1}`,
          `{${key}:"x","amount":5}`,
          `{"amount":5,"attributes":{"objectType":"SpendingBudget",${key}:true}}`,
        ]),
      );
    },
  },
  {
    name: 'rest: prototype keys',
    api: 'rest',
    weight: 4,
    make: (rng, ctx) => patch(rng, ctx, prototypeBody(rng)),
  },
  {
    name: 'rest: bad customer id',
    api: 'rest',
    weight: 6,
    make: (rng, ctx) => {
      const path = budgetPath(pathSegment(rng, badGuid(rng, ctx)));
      return rng.chance(0.5)
        ? { method: 'GET', path, headers: [bearer(ctx)] }
        : { method: 'PATCH', path, headers: [JSON_TYPE, bearer(ctx)], body: validBudgetBody(rng) };
    },
  },
  {
    name: 'rest: bad idempotency key',
    api: 'rest',
    weight: 2,
    make: (rng, ctx) => {
      const header = rng.pick(['ms-requestid', 'idempotency-key']);
      // Header values are trimmed by HTTP itself: keep only values that stay non-GUIDs once trimmed.
      const printable = badGuid(rng, ctx)
        .replace(/[^\x20-\x7e]/g, '?')
        .trim();
      const value = /^[0-9a-f-]{36}$/i.test(printable) || printable === '' ? `${printable}x` : printable;
      return patch(rng, ctx, validBudgetBody(rng), [[header, value]]);
    },
  },
  {
    name: 'rest: bad or forged token',
    api: 'rest',
    weight: 6,
    make: (rng, ctx) => {
      const authorization: [string, string] = ['authorization', badAuthorization(rng, ctx)];
      const id = customer(rng, ctx);
      return rng.chance(0.5)
        ? { method: 'GET', path: budgetPath(id), headers: [authorization] }
        : {
            method: 'PATCH',
            path: budgetPath(id),
            headers: [JSON_TYPE, authorization],
            body: validBudgetBody(rng),
          };
    },
  },
  {
    name: 'rest: no token or read-only token',
    api: 'rest',
    weight: 2,
    make: (rng, ctx) =>
      rng.chance(0.3)
        ? { method: 'GET', path: budgetPath(customer(rng, ctx)), headers: [] }
        : {
            method: 'PATCH',
            path: budgetPath(customer(rng, ctx)),
            headers: [JSON_TYPE, ['authorization', `Bearer ${ctx.readOnlyToken}`]],
            body: validBudgetBody(rng),
          },
  },
  {
    name: 'rest: CSRF-style content type',
    api: 'rest',
    weight: 3,
    make: (rng, ctx) => ({
      method: rng.pick(['PATCH', 'POST']),
      path: budgetPath(customer(rng, ctx)),
      headers: [
        [
          'content-type',
          rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']),
        ],
        bearer(ctx),
      ],
      body: rng.pick([validBudgetBody(rng), 'amount=5']),
    }),
  },
  {
    name: 'rest: bad content type',
    api: 'rest',
    weight: 3,
    make: (rng, ctx) => ({
      method: 'PATCH',
      path: budgetPath(customer(rng, ctx)),
      headers: [
        [
          'content-type',
          rng.pick([
            'application/xml',
            'text/html',
            'image/png',
            'application/json-patch+json',
            'application/merge-patch+json',
            'application/jsonx',
            'json',
            ';;;',
            'application/octet-stream',
            'application/graphql',
          ]),
        ],
        bearer(ctx),
      ],
      body: validBudgetBody(rng),
    }),
  },
  {
    name: 'rest: bad method or route',
    api: 'rest',
    weight: 3,
    // No CONNECT: Node's HTTP server closes such a connection unanswered (no tunnels), before any gateway code.
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      return rng.pick<() => Case>([
        () => ({
          method: rng.pick(['PUT', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']),
          path: budgetPath(id),
          headers: [JSON_TYPE, bearer(ctx)],
          body: validBudgetBody(rng),
        }),
        () => ({
          method: rng.pick(['FOO', 'GET\u0000', 'G ET', 'get']),
          path: budgetPath(id),
          headers: [bearer(ctx)],
        }),
        () => ({
          method: 'HEAD',
          path: budgetPath(pathSegment(rng, badGuid(rng, ctx))),
          headers: [bearer(ctx)],
        }),
        () => ({
          method: 'GET',
          path: rng.pick([
            '/v1/customers',
            `/v1/customers/${id}`,
            `/v1/customers/${id}/usagebudget/x`,
            `/v1/customers/${id}/usagesummary`,
            '/v2/customers',
            '/%',
            '/%zz',
            '/..',
            `//v1/customers/${id}`,
          ]),
          headers: [bearer(ctx)],
        }),
        () => ({
          method: 'GET',
          path: `${budgetPath(id)}?${rng.string(rng.int(1, 50)).replace(/[\s#]/g, '&')}`,
          headers: [bearer(ctx), ['ms-requestid', 'not-a-guid']],
        }),
      ])();
    },
  },
  {
    name: 'rest: oversized body',
    api: 'rest',
    weight: 2,
    make: (rng, ctx) =>
      patch(rng, ctx, `{"amount":5,"padding":"${'x'.repeat(ctx.bodyLimitBytes + rng.int(1, 50_000))}"}`),
  },
  {
    name: 'rest: huge headers',
    api: 'rest',
    weight: 2,
    make: (rng, ctx) => ({
      method: 'GET',
      path: budgetPath(customer(rng, ctx)),
      headers: rng.chance(0.5)
        ? [bearer(ctx), ['x-padding', 'x'.repeat(rng.int(17_000, 80_000))] as [string, string]]
        : [
            bearer(ctx),
            ...Array.from({ length: 400 }, (_, i): [string, string] => [`x-h${i}`, 'y'.repeat(60)]),
          ],
    }),
  },
  // ---- GraphQL ----------------------------------------------------------------------------------------------------
  {
    name: 'graphql: syntax garbage',
    api: 'graphql',
    weight: 5,
    make: (rng, ctx) => {
      const query = rng.pick([
        () => mutateQuery(rng, rng.pick([GET_BUDGET, SET_BUDGET])),
        () => rng.string(rng.int(1, 200)),
        () => '{'.repeat(rng.int(1, 3000)),
        () => `query { customerUsageBudget(customerId: "${customer(rng, ctx)}") { amount `,
        () => '',
        () => '   ',
        () => `fragment F on Query { ...F }`,
      ])();
      return graphql(ctx, JSON.stringify({ query, variables: { id: customer(rng, ctx) } }));
    },
  },
  {
    name: 'graphql: validation failures',
    api: 'graphql',
    weight: 3,
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      const query = rng.pick([
        `{ nope }`,
        `{ customerUsageBudget { amount } }`,
        `{ customerUsageBudget(customerId: "${id}") }`,
        `{ customerUsageBudget(customerId: "${id}") { password } }`,
        `{ customerUsageBudget(customerId: "${id}", extra: 1) { amount } }`,
        `mutation { updateUsageBudget(input: { customerId: "${id}" }) { amount } }`,
        `query A { __typename } query A { __typename }`,
        `{ ...Missing }`,
        `query { customerUsageBudget(customerId: "${id}") { ...F } } fragment F on SpendingBudget { ...G } fragment G on SpendingBudget { ...F }`,
        `query($id: ID!) { customerUsageBudget(customerId: "${id}") { amount } }`,
        `{ customerUsageBudget(customerId: "${id}") { amount @skip } }`,
        `{ customerUsageBudget(customerId: "${id}") { amount @nope } }`,
      ]);
      return graphql(ctx, JSON.stringify({ query }));
    },
  },
  {
    name: 'graphql: deep query',
    api: 'graphql',
    weight: 3,
    make: (rng, ctx) => {
      const depth = rng.int(7, 400);
      const query = rng.chance(0.5)
        ? `{ __schema { types { ${'fields { type { '.repeat(depth)}name${' } }'.repeat(depth)} } } }`
        : `{ customerUsageBudget(customerId: "${customer(rng, ctx)}") { ${'a { '.repeat(depth)}b${' }'.repeat(depth)} } }`;
      return graphql(ctx, JSON.stringify({ query }));
    },
  },
  {
    name: 'graphql: alias flood',
    api: 'graphql',
    weight: 3,
    make: (rng, ctx) => {
      const count = rng.int(11, 300);
      const id = customer(rng, ctx);
      const aliases = Array.from(
        { length: count },
        (_, i) => `a${i}: customerUsageBudget(customerId: "${id}") { amount }`,
      );
      return graphql(ctx, JSON.stringify({ query: `{ ${aliases.join(' ')} }` }));
    },
  },
  {
    name: 'graphql: fragment bomb',
    api: 'graphql',
    weight: 1,
    make: (rng, ctx) => {
      const fields = Array.from({ length: rng.int(40, 120) }, () => 'amount customerId').join(' ');
      const spreads = Array.from({ length: rng.int(3, 20) }, () => '...A').join(' ');
      return graphql(
        ctx,
        JSON.stringify({
          query: `{ x: customerUsageBudget(customerId: "${customer(rng, ctx)}") { ${spreads} } } fragment A on SpendingBudget { ${fields} }`,
        }),
      );
    },
  },
  {
    name: 'graphql: batched array',
    api: 'graphql',
    weight: 3,
    make: (rng, ctx) => {
      const ops = Array.from({ length: rng.int(1, 50) }, () => ({
        query: GET_BUDGET,
        variables: { id: customer(rng, ctx) },
      }));
      return graphql(ctx, JSON.stringify(ops));
    },
  },
  {
    name: 'graphql: subscription',
    api: 'graphql',
    weight: 3,
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      const query = rng.pick([
        `subscription { customerUsageBudget(customerId: "${id}") { amount } }`,
        `subscription Watch { budgetChanged { amount } }`,
        `subscription { __typename }`,
        `subscription($id: ID!) { customerUsageBudget(customerId: $id) { amount } }`,
      ]);
      return graphql(ctx, JSON.stringify({ query, variables: { id } }));
    },
  },
  {
    name: 'graphql: persisted query',
    api: 'graphql',
    weight: 3,
    make: (rng, ctx) => {
      const sha256Hash = rng.chance(0.2)
        ? rng.string(10)
        : Array.from({ length: 64 }, () => rng.pick([...'0123456789abcdef'])).join('');
      const version = rng.pick([1, 1, 2, '1', null]);
      const withQuery = rng.chance(0.5);
      return graphql(
        ctx,
        JSON.stringify({
          ...(withQuery && { query: GET_BUDGET, variables: { id: customer(rng, ctx) } }),
          extensions: { persistedQuery: { version, sha256Hash } },
        }),
      );
    },
  },
  {
    name: 'graphql: bad variables',
    api: 'graphql',
    weight: 6,
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      return rng.pick([
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: GET_BUDGET,
              variables: { id: rng.pick<unknown>([5, true, null, [], {}, [id], { id }, badGuid(rng, ctx)]) },
            }),
          ),
        () =>
          graphql(
            ctx,
            `{"query":${JSON.stringify(SET_BUDGET)},"variables":{"input":{"customerId":"${id}","amount":${invalidAmount(rng)}}}}`,
          ),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: SET_BUDGET,
              variables: { input: { customerId: badGuid(rng, ctx), amount: 5 } },
            }),
          ),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: SET_BUDGET,
              variables: { input: { customerId: id, amount: 5, [randomKey(rng) || 'x']: 1 } },
            }),
          ),
        () =>
          graphql(
            ctx,
            `{"query":${JSON.stringify(SET_BUDGET)},"variables":{"input":{"customerId":"${id}","amount":5,"${rng.pick(PROTOTYPE_KEYS)}":{}}}}`,
          ),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: SET_BUDGET,
              variables: { input: { customerId: id, amount: 5, idempotencyKey: badGuid(rng, ctx) || 'x' } },
            }),
          ),
        () => graphql(ctx, JSON.stringify({ query: SET_BUDGET, variables: { input: { customerId: id } } })),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: SET_BUDGET,
              variables: { input: rng.pick<unknown>([null, 5, 'x', [], [{ customerId: id, amount: 5 }]]) },
            }),
          ),
        () => graphql(ctx, JSON.stringify({ query: SET_BUDGET })),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: GET_BUDGET,
              variables: rng.pick<unknown>([`{"id":"${id}"}`, [id], 5, true]),
            }),
          ),
        () =>
          graphql(
            ctx,
            `{"query":${JSON.stringify(SET_BUDGET)},"variables":{"input":{"customerId":"${id}","amount":${nested(rng, rng.int(33, 1600), '5')}}}}`,
          ),
      ])();
    },
  },
  {
    name: 'graphql: malformed request',
    api: 'graphql',
    weight: 5,
    make: (rng, ctx) =>
      rng.pick([
        () =>
          graphql(
            ctx,
            mutateJson(rng, JSON.stringify({ query: GET_BUDGET, variables: { id: customer(rng, ctx) } })),
          ),
        () => graphql(ctx, rng.pick(['{}', 'null', '"query"', '5', 'true', '[]', ''])),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: rng.pick<unknown>([5, null, true, [GET_BUDGET], { query: GET_BUDGET }]),
            }),
          ),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: GET_BUDGET,
              variables: { id: customer(rng, ctx) },
              operationName: rng.pick<unknown>([5, {}, [], 'Nope']),
            }),
          ),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: GET_BUDGET,
              variables: { id: customer(rng, ctx) },
              extensions: rng.pick<unknown>([5, 'x', []]),
            }),
          ),
        () => graphql(ctx, JSON.stringify({ variables: { id: customer(rng, ctx) } })),
        () => graphql(ctx, `{"query":"{ __typename }","x":${nested(rng, rng.int(33, 2000), '0')}}`),
        () =>
          graphql(
            ctx,
            `{"query":"{ __typename }",${Array.from({ length: rng.int(1001, 1500) }, (_, i) => `"k${i}":0`).join(',')}}`,
          ),
        () =>
          graphql(
            ctx,
            JSON.stringify({
              query: GET_BUDGET,
              variables: { id: customer(rng, ctx) },
              padding: 'x'.repeat(ctx.bodyLimitBytes + rng.int(1, 30_000)),
            }),
          ),
        () => graphql(ctx, `{"query":"{ __typename }","${rng.pick(PROTOTYPE_KEYS)}":{"x":1}}`),
      ])(),
  },
  {
    name: 'graphql: bad content type or CSRF',
    api: 'graphql',
    weight: 4,
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      const body = JSON.stringify({ query: GET_BUDGET, variables: { id } });
      return rng.pick<() => Case>([
        () => ({
          method: 'POST',
          path: '/graphql',
          headers: [
            [
              'content-type',
              rng.pick([
                'text/plain',
                'application/x-www-form-urlencoded',
                'multipart/form-data; boundary=x',
              ]),
            ],
            bearer(ctx),
          ],
          body,
        }),
        () => ({
          method: 'POST',
          path: '/graphql',
          headers: [
            [
              'content-type',
              rng.pick(['application/xml', 'application/graphql', 'text/html', 'application/jsonx']),
            ],
            bearer(ctx),
          ],
          body,
        }),
        () => ({ method: 'POST', path: '/graphql', headers: [bearer(ctx)], body }),
        // A simple GET, as a cross-site page could send it: refused without Apollo's preflight header.
        () => ({
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(GET_BUDGET)}&variables=${encodeURIComponent(JSON.stringify({ id }))}`,
          headers: [bearer(ctx)],
        }),
        // A mutation over GET, even with the preflight header: refused.
        () => ({
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(`mutation { updateUsageBudget(input: { customerId: "${id}", amount: 5 }) { amount } }`)}`,
          headers: [bearer(ctx), ['apollo-require-preflight', 'true']],
        }),
        () => ({
          method: rng.pick(['PUT', 'DELETE', 'PATCH']),
          path: '/graphql',
          headers: [JSON_TYPE, bearer(ctx)],
          body,
        }),
      ])();
    },
  },
  {
    name: 'graphql: bad or forged token',
    api: 'graphql',
    weight: 5,
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      const body = rng.chance(0.5)
        ? JSON.stringify({ query: GET_BUDGET, variables: { id } })
        : JSON.stringify({
            query: SET_BUDGET,
            variables: { input: { customerId: id, amount: rng.int(1, 1000) } },
          });
      return {
        method: 'POST',
        path: '/graphql',
        headers: [JSON_TYPE, ['authorization', badAuthorization(rng, ctx)]],
        body,
      };
    },
  },
  {
    name: 'graphql: no token or read-only token',
    api: 'graphql',
    weight: 2,
    make: (rng, ctx) => {
      const id = customer(rng, ctx);
      return rng.chance(0.3)
        ? {
            method: 'POST',
            path: '/graphql',
            headers: [JSON_TYPE],
            body: JSON.stringify({ query: GET_BUDGET, variables: { id } }),
          }
        : {
            method: 'POST',
            path: '/graphql',
            headers: [JSON_TYPE, ['authorization', `Bearer ${ctx.readOnlyToken}`]],
            body: JSON.stringify({
              query: SET_BUDGET,
              variables: { input: { customerId: id, amount: rng.int(1, 1000) } },
            }),
          };
    },
  },
  {
    name: 'graphql: huge headers',
    api: 'graphql',
    weight: 1,
    make: (rng, ctx) =>
      graphql(ctx, JSON.stringify({ query: GET_BUDGET, variables: { id: customer(rng, ctx) } }), [
        ['x-padding', 'x'.repeat(rng.int(17_000, 60_000))],
      ]),
  },
];

export const FAMILY_NAMES = FAMILIES.map((family) => family.name);

/** The n-th case of a run: families drawn by weight, then built, all from the one seeded PRNG. */
export function* generateCases(rng: Prng, ctx: FuzzContext, count: number): Generator<FuzzRequest> {
  const total = FAMILIES.reduce((sum, family) => sum + family.weight, 0);
  for (let i = 0; i < count; i += 1) {
    let draw = rng.next() * total;
    const family =
      FAMILIES.find((candidate) => (draw -= candidate.weight) < 0) ?? FAMILIES[FAMILIES.length - 1];
    yield { family: family.name, api: family.api, ...family.make(rng, ctx) };
  }
}
