import '../../../src/common/lazy-nest-date-format';
import { ConsoleLogger } from '@nestjs/common';

// main.ts loads Nest through this module so that Nest's date formatters are built on first use (RSS, see the module).
describe('loading Nest with a lazy date formatter', () => {
  it('puts the real Intl.DateTimeFormat back', () => {
    expect(new Intl.DateTimeFormat('en-US').format(new Date(0))).toMatch(/1970|1969/);
    expect(new Intl.DateTimeFormat('en-US')).toBeInstanceOf(Intl.DateTimeFormat);
  });

  it("leaves Nest's console logger writing its timestamp", () => {
    class Probe extends ConsoleLogger {
      timestamp(): string {
        return this.getTimestamp();
      }
    }
    const expected = new Intl.DateTimeFormat(undefined, {
      year: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      day: '2-digit',
      month: '2-digit',
    }).format(Date.now());
    expect(new Probe().timestamp().slice(0, 10)).toBe(expected.slice(0, 10));
  });
});
