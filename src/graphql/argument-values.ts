import {
  DocumentNode,
  FragmentDefinitionNode,
  getArgumentValues,
  GraphQLError,
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
      if (definition) refuseUncoercible(() => getArgumentValues(definition, node, variables), path);
    },
    Directive(node) {
      const definition = typeInfo.getDirective();
      if (definition) refuseUncoercible(() => getArgumentValues(definition, node, variables));
    },
  });
  for (const definition of [operation, ...reachableFragments(operation.selectionSet, document)])
    visit(definition, coerce);
}

function refuseUncoercible(coerce: () => unknown, path?: string[]): void {
  try {
    coerce();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw new GraphQLError(error.message, {
      nodes: error.nodes,
      path,
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
