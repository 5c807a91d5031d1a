import type { MemorySharedState } from '../../src/shared-state/memory-shared-state';
import type { SharedState } from '../../src/shared-state/shared-state';

/**
 * One replica's view of a store standing in for Redis (`backend: 'redis'`, never degraded): every operation goes to
 * the store, but for the ones a test replaces (how it hears messages, when it connects).
 */
export function replicaView(store: MemorySharedState, overrides: Partial<SharedState> = {}): SharedState {
  return {
    backend: 'redis',
    degraded: false,
    listening: true,
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    set: (key, value, ttlMs) => store.set(key, value, ttlMs),
    setIfAbsent: (key, value, ttlMs) => store.setIfAbsent(key, value, ttlMs),
    replaceIf: (key, expected, value, ttlMs) => store.replaceIf(key, expected, value, ttlMs),
    deleteIf: (key, expected) => store.deleteIf(key, expected),
    delete: (key) => store.delete(key),
    writeMany: (writes) => store.writeMany(writes),
    tryLock: (key, ttlMs) => store.tryLock(key, ttlMs),
    admit: (key, limit, windowMs) => store.admit(key, limit, windowMs),
    delayAdmission: (key, ticket, delayMs) => store.delayAdmission(key, ticket, delayMs),
    extendDeadline: (key, field, ms) => store.extendDeadline(key, field, ms),
    deadlines: (key) => store.deadlines(key),
    publish: (channel, message) => store.publish(channel, message),
    subscribe: (channel, onMessage) => store.subscribe(channel, onMessage),
    onConnected: () => undefined,
    close: async () => undefined,
    ...overrides,
  };
}
