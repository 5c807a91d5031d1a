import { FaultBook } from '../../src/faults';

describe('FaultBook', () => {
  const probe = {
    target: 'partner-center' as const,
    method: 'GET',
    customerId: 'C0000001-0000-4000-8000-000000000001',
  };

  it('expires a counted fault after N hits', () => {
    const book = new FaultBook();
    book.add({ kind: 'status', status: 503, count: 2 });
    expect([book.take(probe), book.take(probe), book.take(probe)].map((f) => f?.status)).toEqual([
      503,
      503,
      undefined,
    ]);
    expect(book.list()).toEqual([]);
  });

  it('hits exactly the given share of matching requests, spread evenly', () => {
    const book = new FaultBook();
    book.add({ kind: 'reset', rate: 0.25 });
    const hits = Array.from({ length: 8 }, () => book.take(probe) !== undefined);
    expect(hits).toEqual([false, false, false, true, false, false, false, true]);
  });

  it('matches the customer case-insensitively and ignores other targets and verbs', () => {
    const book = new FaultBook();
    book.add({ kind: 'hang', customerId: 'c0000001-0000-4000-8000-000000000001', method: 'GET' });
    expect(book.take({ ...probe, target: 'token' })).toBeUndefined();
    expect(book.take({ ...probe, method: 'PATCH' })).toBeUndefined();
    expect(book.take(probe)?.kind).toBe('hang');
  });

  it('applies the first matching fault in the order added', () => {
    const book = new FaultBook();
    book.add({ kind: 'status', status: 429, count: 1 });
    book.add({ kind: 'status', status: 500 });
    expect([book.take(probe)?.status, book.take(probe)?.status]).toEqual([429, 500]);
  });
});
