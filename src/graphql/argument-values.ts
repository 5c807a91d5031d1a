import {
  type ASTNode,
  type DirectiveNode,
  DocumentNode,
  type FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  type GraphQLDirective,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';

/**
 * Refuses an operation whose arguments — of any field or directive it reaches — do not coerce with the request's
 * variables, before anything runs: BAD_USER_INPUT, 400. Validation lets a variable with a default stand where a
 * value is needed (`$v: Boolean = true` for `@include(if:)`, `$n: String = "Query"` for `__type(name:)`); only an
 * explicit null sent for it shows the fault, and graphql-js finds that only while executing: at the root, thrown out
 * of Apollo's hooks as a 500; deeper, a field error coded INTERNAL_SERVER_ERROR after the root field ran (a mutation
 * applied). That null is the only way left to fail once the variables coerced, so nothing is walked without one.
 */
export function assertArgumentsCoerce(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Record<string, unknown>,
): void {
  const nullOverDefault = operation.variableDefinitions?.some(
    (definition) =>
      definition.defaultValue !== undefined && variables[definition.variable.name.value] === null,
  );
  if (!nullOverDefault) return;
  const typeInfo = new TypeInfo(schema);
  const rootType = schema.getRootType(operation.operation);
  const coerce = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const definition = typeInfo.getFieldDef();
      // A root field's refusal names it by its response name, as the input checks' refusals do.
      const path = typeInfo.getParentType() === rootType ? [node.alias?.value ?? node.name.value] : undefined;
      if (definition) coercedArguments(definition, node, variables, { path });
    },
    Directive(node) {
      const definition = typeInfo.getDirective();
      if (definition) coercedArguments(definition, node, variables);
    },
  });
  for (const definition of [operation, ...reachableFragments(operation.selectionSet, document)])
    visit(definition, coerce);
}

/**
 * graphql-js's own coercion of a field's or a directive's arguments with the request's variables. What does not
 * coerce (an explicit null where the input needs a value) is the client's mistake: BAD_USER_INPUT, 400, reported at
 * `refusedAt` (by default where graphql-js found it).
 */
export function coercedArguments(
  definition: GraphQLField<unknown, unknown> | GraphQLDirective,
  node: FieldNode | DirectiveNode,
  variables: Record<string, unknown>,
  refusedAt: { nodes?: ASTNode; path?: string[] } = {},
): Record<string, unknown> {
  try {
    return getArgumentValues(definition, node, variables);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw new GraphQLError(error.message, {
      nodes: refusedAt.nodes ?? error.nodes,
      path: refusedAt.path,
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
}

/** The fragments an operation spreads, directly or through other fragments, each once. */
function reachableFragments(
  selectionSet: SelectionSetNode,
  document: DocumentNode,
): FragmentDefinitionNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const reached = new Map<string, FragmentDefinitionNode>();
  const pending = [selectionSet];
  for (let next = pending.pop(); next; next = pending.pop()) {
    visit(next, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || reached.has(fragment.name.value)) return;
        reached.set(fragment.name.value, fragment);
        pending.push(fragment.selectionSet);
      },
    });
  }
  return [...reached.values()];
}
