import { graphqlAnswerMediaType, negotiatedGraphqlAnswerType } from '../../../src/problem/graphql-media-type';

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE = 'application/graphql-response+json; charset=utf-8';

describe('graphqlAnswerMediaType', () => {
  it.each<[string | undefined, string]>([
    [undefined, JSON_TYPE],
    ['', JSON_TYPE],
    ['*/*', JSON_TYPE],
    ['application/*', JSON_TYPE],
    ['application/json', JSON_TYPE],
    ['application/graphql-response+json', GRAPHQL_RESPONSE],
    ['Application/GraphQL-Response+JSON; charset=utf-8', GRAPHQL_RESPONSE],
    ['application/graphql-response+json, application/json', GRAPHQL_RESPONSE],
    ['application/json, application/graphql-response+json', JSON_TYPE],
    ['application/graphql-response+json, application/json;q=0.9', GRAPHQL_RESPONSE],
    ['application/graphql-response+json;q=0.5, application/json', JSON_TYPE],
    ['application/json;q=0, */*', GRAPHQL_RESPONSE],
    ['application/graphql-response+json, */*;q=0.1', GRAPHQL_RESPONSE],
    ['text/html', JSON_TYPE],
    ['application/graphql-response+json;q=0', JSON_TYPE],
  ])('Accept %p → %s', (accept, expected) => {
    expect(graphqlAnswerMediaType(accept)).toBe(expected);
  });
});

describe('negotiatedGraphqlAnswerType', () => {
  it.each<[string | undefined, string | undefined]>([
    [undefined, 'application/json'],
    ['  ', 'application/json'],
    ['text/html', undefined],
    ['application/xml, text/*', undefined],
    ['application/json;q=0', undefined],
    ['application/json;q=0, application/graphql-response+json;q=0, */*', undefined],
    ['application/json; charset=utf-16', undefined],
    ['application/json; profile=x', undefined],
    ['application/json; charset=UTF-8', 'application/json'],
    ['application/json; charset="utf-8"', 'application/json'],
    ['application/graphql-response+json; charset=*', 'application/graphql-response+json'],
    ['application/json;q=abc', undefined],
    ['text/html, application/json;q=0.5', 'application/json'],
  ])('Accept %p → %p', (accept, expected) => {
    expect(negotiatedGraphqlAnswerType(accept)).toBe(expected);
  });
});
