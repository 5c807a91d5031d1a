import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';

/** What a hook that has nothing to wait for answers: one promise, settled once, shared by every request. */
export const SETTLED: Promise<void> = Promise.resolve();

/**
 * An Apollo plugin whose hooks are the same for every request: one listener, handed out through one settled
 * promise, instead of an async requestDidStart building new closures on every request (Apollo calls it on each).
 */
export function listenerPlugin(listener: GraphQLRequestListener<BaseContext>): ApolloServerPlugin {
  const started = Promise.resolve(listener);
  return { requestDidStart: () => started };
}
