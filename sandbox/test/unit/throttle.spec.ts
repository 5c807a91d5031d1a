import { Throttle, validThrottle } from '../../src/partner-center/throttle';

const PARTNER = '8a1f5c2e-6b7d-4e90-9c3a-5d0b1e2f3a4b';
const A = 'c0000001-0000-4000-8000-000000000001';
const B = 'c0000002-0000-4000-8000-000000000002';

describe('Throttle', () => {
  let now: number;
  const throttle = () => new Throttle(() => now);
  beforeEach(() => (now = 1_000_000));

  it('lets everything through when no limit is set', () => {
    const t = throttle();
    for (let i = 0; i < 100; i++) expect(t.admit(PARTNER, A)).toEqual({ allowed: true });
    expect(t.throttled()).toBe(0);
  });

  it('refuses the request past the per-partner limit, across customers, until the window ends', () => {
    const t = throttle();
    t.set({ windowMs: 2500, perPartner: 2 });
    expect(t.admit(PARTNER, A).allowed).toBe(true);
    now += 100;
    expect(t.admit(PARTNER, B).allowed).toBe(true);
    expect(t.admit(PARTNER, A)).toEqual({ allowed: false, retryAfterSeconds: 3 });
    now += 1500;
    expect(t.admit(PARTNER, B)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 900;
    expect(t.admit(PARTNER, A).allowed).toBe(true);
    expect(t.throttled()).toBe(2);
  });

  it('limits each customer of a partner on its own', () => {
    const t = throttle();
    t.set({ windowMs: 1000, perCustomer: 1 });
    expect(t.admit(PARTNER, A).allowed).toBe(true);
    expect(t.admit(PARTNER, A.toUpperCase()).allowed).toBe(false);
    expect(t.admit(PARTNER, B).allowed).toBe(true);
  });

  it('does not count throttled requests against the window', () => {
    const t = throttle();
    t.set({ windowMs: 1000, perPartner: 1, perCustomer: 5 });
    t.admit(PARTNER, A);
    for (let i = 0; i < 10; i++) expect(t.admit(PARTNER, A).allowed).toBe(false);
    now += 1000;
    expect(t.admit(PARTNER, A).allowed).toBe(true);
  });

  it('keeps the setting over reset() but opens new windows and zeroes the counter', () => {
    const t = throttle();
    t.set({ windowMs: 60_000, perPartner: 1 });
    t.admit(PARTNER, A);
    t.admit(PARTNER, A);
    t.reset();
    expect(t.throttled()).toBe(0);
    expect(t.get()).toEqual({ windowMs: 60_000, perPartner: 1 });
    expect(t.admit(PARTNER, A).allowed).toBe(true);
    expect(t.admit(PARTNER, A).allowed).toBe(false);
  });

  it('refuses settings without a window or a limit', () => {
    expect(() => validThrottle({ windowMs: 0, perPartner: 1 })).toThrow(/windowMs/);
    expect(() => validThrottle({ windowMs: 1000 })).toThrow(/perPartner, perCustomer/);
    expect(() => validThrottle({ windowMs: 1000, perCustomer: 1.5 })).toThrow(/perCustomer/);
  });
});
