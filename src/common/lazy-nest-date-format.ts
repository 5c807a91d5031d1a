/**
 * Loads @nestjs/common with Intl.DateTimeFormat made lazy, then puts the real one back. Nest's ConsoleLogger and
 * Logger each build a date formatter when the module loads, and the first formatter a process builds pages ~6 MB of
 * ICU's locale data into memory, in every gateway process, for nothing: the gateway logs through pino, and Nest's
 * console logger only prints if start-up fails before pino takes over. Then the real formatter is built on first use.
 * main.ts imports this before anything else, so it runs before any other module loads Nest.
 */
const RealDateTimeFormat = Intl.DateTimeFormat;

function lazyDateTimeFormat(
  locales?: string | string[],
  options?: Intl.DateTimeFormatOptions,
): Pick<Intl.DateTimeFormat, 'format' | 'formatToParts' | 'resolvedOptions'> {
  let real: Intl.DateTimeFormat | undefined;
  const formatter = () => (real ??= new RealDateTimeFormat(locales, options));
  return {
    format: (date) => formatter().format(date),
    formatToParts: (date) => formatter().formatToParts(date),
    resolvedOptions: () => formatter().resolvedOptions(),
  };
}

Intl.DateTimeFormat = lazyDateTimeFormat as unknown as typeof Intl.DateTimeFormat;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded now, while the formatter is lazy
  require('@nestjs/common');
} finally {
  Intl.DateTimeFormat = RealDateTimeFormat;
}

export {};
