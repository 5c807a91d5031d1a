import { getIntrospectionQuery } from 'graphql';
import { GraphqlAnswer, startGateway, TestGateway } from './support/gateway';
import { graphqlProbe } from './support/graphql-probe';
import { CONTOSO } from './support/ids';

const CORRELATION_ID = '5c1d7e2a-3b4f-4a6e-9d8c-7f6e5d4c3b2a';

/**
 * The GraphQL endpoint as a demanding and a hostile client use it: what the GraphQL-over-HTTP spec, the schema and
 * the errors table promise, checked from outside. Every refusal here is the client's mistake: a client code, a
 * 4xx, the correlation id, and nothing sent to Partner Center.
 */
describe('GraphQL conformance', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const { partnerCenterCalls, send } = graphqlProbe(() => gateway, CORRELATION_ID);

  /** Refused before anything ran: 400, no `data`, one BAD_USER_INPUT error with the correlation id. */
  const expectRefusedBeforeExecution = (answer: GraphqlAnswer) => {
    expect(answer.status).toBe(400);
    expect(answer).not.toHaveProperty('data');
    expect(answer.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', correlationId: CORRELATION_ID }),
      }),
    ]);
    expect(answer.headers['ms-correlationid']).toBe(CORRELATION_ID);
    expect(partnerCenterCalls()).toEqual([]);
  };

  describe('an explicit null for an argument that needs a value (`$v: Boolean = true`, sent as null)', () => {
    // Validation lets a variable with a default stand where Boolean! is needed; only its value shows the null, and
    // graphql-js refuses it only as it collects the fields to run.
    it.each<[string, string]>([
      [
        'on a root query field',
        `{ customerUsageBudget(customerId: "${CONTOSO}") @include(if: $v) { amount } }`,
      ],
      ['on __typename', '{ __typename @skip(if: $v) }'],
      [
        'on a field inside a root field',
        `{ customerUsageBudget(customerId: "${CONTOSO}") { amount @include(if: $v) } }`,
      ],
      [
        'in a fragment',
        `{ ...F } fragment F on Query { customerUsageBudget(customerId: "${CONTOSO}") { amount @skip(if: $v) } }`,
      ],
    ])('%s is BAD_USER_INPUT, 400, before any upstream call', async (_case, document) => {
      expectRefusedBeforeExecution(await send(`query ($v: Boolean = true) ${document}`, { v: null }));
    });

    it('for a field argument that needs a value (`__type(name: $n)`) is BAD_USER_INPUT, 400, too', async () => {
      const answer = await send('query ($n: String = "Query") { __type(name: $n) { name } }', { n: null });
      expectRefusedBeforeExecution(answer);
    });

    it('inside a mutation field refuses the document before the change is applied', async () => {
      const answer = await send(
        `mutation ($v: Boolean = true) {
          updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 4 }) { amount @include(if: $v) }
        }`,
        { v: null },
      );
      expectRefusedBeforeExecution(answer);
      expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(0);
    });
  });

  describe('the correlation id on every error', () => {
    it('is in the errors of a request to a percent-encoded /graphql, which routes there like /graphql', async () => {
      const response = await gateway.http.post(
        '/%67raphql',
        { query: '{ nope }' },
        { headers: { 'ms-correlationid': CORRELATION_ID } },
      );
      expect(response.status).toBe(400);
      expect(response.headers['ms-correlationid']).toBe(CORRELATION_ID);
      expect(response.data.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({
            code: 'GRAPHQL_VALIDATION_FAILED',
            correlationId: CORRELATION_ID,
          }),
        }),
      ]);
    });
  });

  describe('a document whose operation cannot be chosen', () => {
    const twoOperations = `query Read { customerUsageBudget(customerId: "${CONTOSO}") { amount } } query Other { __typename }`;

    it.each<[string, Record<string, unknown>]>([
      ['several operations and no operationName', { query: twoOperations }],
      ['an operationName the document does not define', { query: twoOperations, operationName: 'Missing' }],
    ])(
      '%s is OPERATION_RESOLUTION_FAILURE, 400, with the correlation id, before any upstream call',
      async (_case, body) => {
        const response = await gateway.http.post('/graphql', body, {
          headers: { 'ms-correlationid': CORRELATION_ID },
        });
        expect(response.status).toBe(400);
        expect(response.headers['ms-correlationid']).toBe(CORRELATION_ID);
        expect(response.data).not.toHaveProperty('data');
        expect(response.data.errors).toEqual([
          expect.objectContaining({
            extensions: expect.objectContaining({
              code: 'OPERATION_RESOLUTION_FAILURE',
              correlationId: CORRELATION_ID,
            }),
          }),
        ]);
        expect(partnerCenterCalls()).toEqual([]);
      },
    );
  });

  describe('the media type of a refusal made before Apollo, as the Accept header asks (GraphQL over HTTP)', () => {
    const GRAPHQL_RESPONSE = 'application/graphql-response+json; charset=utf-8';
    const JSON_TYPE = 'application/json; charset=utf-8';
    const refusals: Array<[string, string, string, number]> = [
      ['a body that is not JSON', 'application/json', '{"query": ', 400],
      [
        'a body too large',
        'application/json',
        JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(40_000) }),
        413,
      ],
      ['a body that is not JSON by its media type', 'application/xml', '<query/>', 415],
    ];

    it.each(refusals)(
      '%s is answered as application/graphql-response+json to a client accepting only that',
      async (_case, type, body, status) => {
        const response = await gateway.http.post('/graphql', body, {
          transformRequest: [(data: string) => data],
          headers: { 'content-type': type, accept: 'application/graphql-response+json' },
        });
        expect(response.status).toBe(status);
        expect(response.headers['content-type']).toBe(GRAPHQL_RESPONSE);
        expect(response.data.errors[0].extensions.correlationId).toBe(response.headers['ms-correlationid']);
      },
    );

    it.each<[string, string | undefined, string]>([
      ['no Accept', undefined, JSON_TYPE],
      ['application/json', 'application/json', JSON_TYPE],
      ['*/*', '*/*', JSON_TYPE],
      [
        'both, the newer preferred',
        'application/graphql-response+json, application/json;q=0.9',
        GRAPHQL_RESPONSE,
      ],
      ['both, JSON preferred', 'application/graphql-response+json;q=0.5, application/json', JSON_TYPE],
    ])('with %s, as Apollo answers the same Accept', async (_case, accept, expected) => {
      const headers = { 'content-type': 'application/json', ...(accept && { accept }) };
      const refused = await gateway.http.post('/graphql', '{"query": ', {
        transformRequest: [(data: string) => data],
        headers,
      });
      const apollo = await gateway.http.post('/graphql', '{"query": "{ nope }"}', {
        transformRequest: [(data: string) => data],
        headers,
      });
      expect(apollo.headers['content-type']).toBe(expected);
      expect(refused.headers['content-type']).toBe(expected);
    });
  });

  describe('a query document with bad input in one field', () => {
    /** Waits long enough for a read the answer did not wait for to reach the sandbox. */
    const settled = () => new Promise((resolve) => setTimeout(resolve, 300));

    it.each<[string, string, string]>([
      [
        'an id that is not a GUID in a batch',
        `{ a: customerUsageBudgets(customerIds: ["${CONTOSO}"]) { amount } b: customerUsageBudgets(customerIds: ["${CONTOSO}", "nope"]) { amount } }`,
        'b',
      ],
      [
        'an empty batch',
        `{ a: customerUsageBudget(customerId: "${CONTOSO}") { amount } b: customerUsageBudgets(customerIds: []) { amount } }`,
        'b',
      ],
      [
        'an id that is not a GUID in a single read',
        `{ a: customerUsageBudgets(customerIds: ["${CONTOSO}"]) { amount } b: customerUsageBudget(customerId: "{${CONTOSO}}") { amount } }`,
        'b',
      ],
    ])('%s is refused whole, before any field reads Partner Center', async (_case, query, path) => {
      const answer = await send(query);
      await settled();
      expectRefusedBeforeExecution(answer);
      expect(answer.errors?.[0].path).toEqual([path]);
    });
  });

  describe('introspection outside production', () => {
    it.each([
      ['the standard introspection query tools send', getIntrospectionQuery()],
      [
        'with every option graphql-js offers',
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
        }),
      ],
    ])('answers %s', async (_case, query) => {
      const answer = await send(query);
      expect(answer.errors).toBeUndefined();
      expect(answer.status).toBe(200);
      expect(answer.data?.__schema.queryType).toMatchObject({ name: 'Query' });
      expect(answer.data?.__schema.types.map((type: { name: string }) => type.name)).toContain(
        'SpendingBudget',
      );
    });

    it('still counts aliases inside introspection towards the alias limit', async () => {
      const aliases = Array.from({ length: 11 }, (_, i) => `a${i}: types { name }`).join(' ');
      const answer = await send(`{ __schema { ${aliases} } }`);
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0].message).toMatch(/11 aliases/);
    });

    it('still refuses introspection that fans out deeper than the limit', async () => {
      const answer = await send(
        '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
      );
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });

  describe('an Accept Apollo would answer with 406 is refused before anything runs, as Apollo reads it', () => {
    it.each([
      [
        'both JSON types at q=0, a wildcard otherwise',
        'application/json;q=0, application/graphql-response+json;q=0, */*',
      ],
      ['JSON in a charset the gateway does not answer in', 'application/json; charset=utf-16'],
      ['JSON with a parameter the gateway does not answer with', 'application/json; profile=x'],
    ])('%s: 406 and the mutation not applied', async (_case, accept) => {
      const answer = await gateway.graphql(
        `mutation { updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 4343 }) { amount } }`,
        undefined,
        { accept, 'ms-correlationid': CORRELATION_ID },
      );
      expect(answer.status).toBe(406);
      expect(answer).not.toHaveProperty('data');
      expect(answer.errors?.[0].extensions).toMatchObject({
        code: 'NOT_ACCEPTABLE',
        correlationId: CORRELATION_ID,
      });
      expect(partnerCenterCalls()).toEqual([]);
    });

    it.each([
      ['JSON in UTF-8, said in any letter case', 'application/json; charset=UTF-8', 'application/json'],
      [
        'a wildcard parameter',
        'application/graphql-response+json; charset=*',
        'application/graphql-response+json',
      ],
      ['a wildcard after a refused type', 'application/json;q=0, */*', 'application/graphql-response+json'],
    ])('%s is answered', async (_case, accept, type) => {
      const answer = await gateway.graphql('{ __typename }', undefined, { accept });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(`${type}; charset=utf-8`);
    });
  });
});
