import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';

/** One process's shared state: the compare-and-set that moves a value on only from the value its writer saw. */
describe('shared state in memory', () => {
  it('replaces a value only while the key holds the one expected', async () => {
    const state = new MemorySharedState();
    await state.set('k', 'seen', 60_000);
    expect(await state.replaceIf('k', 'other', 'lost', 60_000)).toBe(false);
    expect(await state.get('k')).toBe('seen');
    expect(await state.replaceIf('k', 'seen', 'next', 60_000)).toBe(true);
    expect(await state.get('k')).toBe('next');
  });

  it('replaces nothing on a key that holds nothing, or whose value expired', async () => {
    let now = 1_000;
    const state = new MemorySharedState(() => now);
    expect(await state.replaceIf('absent', 'seen', 'next', 60_000)).toBe(false);
    expect(await state.get('absent')).toBeUndefined();
    await state.set('k', 'seen', 100);
    now += 100;
    expect(await state.replaceIf('k', 'seen', 'next', 60_000)).toBe(false);
    expect(await state.get('k')).toBeUndefined();
  });

  it('gives the replaced value its own expiry', async () => {
    let now = 1_000;
    const state = new MemorySharedState(() => now);
    await state.set('k', 'seen', 60_000);
    await state.replaceIf('k', 'seen', 'next', 100);
    now += 100;
    expect(await state.get('k')).toBeUndefined();
  });

  it('lets one of several callers that saw the same value replace it, and no other', async () => {
    const state = new MemorySharedState();
    await state.set('k', 'seen', 60_000);
    const won = await Promise.all(
      Array.from({ length: 10 }, (_, i) => state.replaceIf('k', 'seen', `caller-${i}`, 60_000)),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await state.get('k')).toBe(`caller-${won.indexOf(true)}`);
  });

  it('deletes a value only while the key holds the one expected', async () => {
    const state = new MemorySharedState();
    await state.set('k', 'seen', 60_000);
    expect(await state.deleteIf('k', 'other')).toBe(false);
    expect(await state.get('k')).toBe('seen');
    expect(await state.deleteIf('k', 'seen')).toBe(true);
    expect(await state.get('k')).toBeUndefined();
    expect(await state.deleteIf('k', 'seen')).toBe(false);
  });
});
