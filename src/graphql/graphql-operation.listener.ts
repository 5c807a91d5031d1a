import type { DocumentNode, FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import type { FastifyRequest } from 'fastify';
import { type GatewayListener, SETTLED } from './listener-plugin';

/**
 * Names the request's operation for logs, metrics and the server span: the GraphQL operation type and its
 * top-level fields (`query customerUsageBudget`), stable across clients; the client's operation name is kept apart.
 * Read once from the resolved operation (an Apollo hook), not per resolver call: a Nest interceptor costs an rxjs
 * pipeline on every resolver of every request.
 */
export function graphqlOperationListener(): GatewayListener {
  return {
    didResolveOperation({ operation, operationName, document, contextValue }) {
      const requestContext = (contextValue as { req?: FastifyRequest }).req?.requestContext;
      if (!requestContext || !operation) return SETTLED;
      const fields = topLevelFields(operation.selectionSet, fragmentsOf(document), new Set());
      if (fields.length > 0)
        requestContext.operation = fields.map((field) => `${operation.operation} ${field}`).join(', ');
      requestContext.graphqlOperationName ??= operationName ?? undefined;
      return SETTLED;
    },
  };
}

/**
 * The operation's own fields, in order, once each, through fragments (each expanded once: the document is already
 * validated, so no cycle, but a spread may repeat); introspection (`__schema`, `__typename`) is not an operation.
 */
function topLevelFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  expanded: Set<string>,
  fields: string[] = [],
): string[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'Field') {
      const name = selection.name.value;
      if (!name.startsWith('__') && !fields.includes(name)) fields.push(name);
    } else if (selection.kind === 'InlineFragment') {
      topLevelFields(selection.selectionSet, fragments, expanded, fields);
    } else if (!expanded.has(selection.name.value)) {
      expanded.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) topLevelFields(fragment.selectionSet, fragments, expanded, fields);
    }
  }
  return fields;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  return fragments;
}
