import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { CallerTokenClaims } from './types';

/**
 * `npm run token -- [flags]`: asks a running sandbox for a caller token (POST /_sandbox/caller-tokens) and prints only
 * the token, so `TOKEN=$(npm run -s token -- --role UsageBudget.Read)` works.
 */
export const TOKEN_CLI_USAGE = `Usage: npm run -s token -- [flags]
  --sandbox-url URL   the running sandbox (env SANDBOX_URL; default https://127.0.0.1:8443)
  --ca PATH           CA certificate to trust (env SANDBOX_CA_CERT; default $SANDBOX_STATE_DIR/ca.pem when set)
  --role ROLE         an app role; repeatable
  --scope "A B"       delegated scopes (scp)
  --sub ID            the subject (oid stays the sandbox user)
  --upn NAME          the user principal name
  --no-mfa            amr ["pwd"] instead of ["pwd","mfa"]
  --expires-in N      lifetime in seconds`;

export const DEFAULT_SANDBOX_URL = 'https://127.0.0.1:8443';

export interface TokenCliOptions {
  sandboxUrl: string;
  /** Path of the CA certificate to trust; undefined: the system's trust store. */
  caPath?: string;
  claims: CallerTokenClaims;
}

/** Reads the flags (see TOKEN_CLI_USAGE); throws on anything it does not understand. */
export function parseTokenCliArgs(argv: string[], env: NodeJS.ProcessEnv = {}): TokenCliOptions {
  const claims: CallerTokenClaims = {};
  let sandboxUrl = env.SANDBOX_URL || DEFAULT_SANDBOX_URL;
  let caPath =
    env.SANDBOX_CA_CERT || (env.SANDBOX_STATE_DIR ? join(env.SANDBOX_STATE_DIR, 'ca.pem') : undefined);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] =
      argv[i].startsWith('--') && argv[i].includes('=')
        ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)]
        : [argv[i], undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--sandbox-url':
        sandboxUrl = value();
        break;
      case '--ca':
        caPath = value();
        break;
      case '--role':
        claims.roles = [...(claims.roles ?? []), value()];
        break;
      case '--scope':
        claims.scp = value().trim().split(/\s+/).join(' ');
        break;
      case '--sub':
        claims.sub = value();
        break;
      case '--upn':
        claims.upn = value();
        break;
      case '--no-mfa':
        if (inline !== undefined) throw new Error('--no-mfa takes no value');
        claims.amr = ['pwd'];
        break;
      case '--expires-in': {
        const raw = value();
        const seconds = Number(raw);
        if (!/^\d+$/.test(raw) || seconds < 1)
          throw new Error(`--expires-in needs a positive number of seconds, got '${raw}'`);
        claims.expiresInSeconds = seconds;
        break;
      }
      default:
        throw new Error(`unknown argument '${argv[i]}'`);
    }
  }
  try {
    new URL(sandboxUrl);
  } catch {
    throw new Error(`the sandbox URL is not a URL: '${sandboxUrl}'`);
  }
  return { sandboxUrl: sandboxUrl.replace(/\/+$/, ''), caPath, claims };
}

/** POSTs the claims to the sandbox's caller-tokens endpoint and returns the access token. */
export async function requestCallerToken(options: TokenCliOptions): Promise<string> {
  const ca = options.caPath ? readCa(options.caPath) : undefined;
  const body = JSON.stringify(options.claims);
  return new Promise((resolve, reject) => {
    const req = request(
      `${options.sandboxUrl}/_sandbox/caller-tokens`,
      {
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            return reject(new Error(`the sandbox answered ${res.statusCode}: ${text}`));
          try {
            const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
            if (typeof token !== 'string') throw new Error('no access_token');
            resolve(token);
          } catch {
            reject(new Error(`unexpected answer from the sandbox: ${text}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${options.sandboxUrl} within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the CA certificate ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** The whole CLI minus process I/O: arguments and environment in, token out. */
export function runTokenCli(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return requestCallerToken(parseTokenCliArgs(argv, env));
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  let options: TokenCliOptions | undefined;
  try {
    if (argv.includes('--help') || argv.includes('-h')) console.log(TOKEN_CLI_USAGE);
    else options = parseTokenCliArgs(argv, process.env);
  } catch (error) {
    console.error(`token: ${error instanceof Error ? error.message : error}\n${TOKEN_CLI_USAGE}`);
    process.exit(2);
  }
  if (options) {
    const hint = options.caPath ? '' : ' (no CA given: pass --ca <stateDir>/ca.pem or set SANDBOX_CA_CERT)';
    requestCallerToken(options).then(
      (token) => process.stdout.write(`${token}\n`),
      (error) => {
        console.error(`token: ${error instanceof Error ? error.message : error}${hint}`);
        process.exit(1);
      },
    );
  }
}
