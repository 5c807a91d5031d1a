/**
 * One piece of work in flight per key: callers that ask while it runs share its promise, and the next caller after
 * it settles starts a new one. MSAL does not merge concurrent cold token requests, and concurrent reads of one
 * budget need one upstream call; both use this.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = work().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Whether work for the key is in flight now. */
  has(key: string): boolean {
    return this.inFlight.has(key);
  }
}
