import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { RunningSandbox } from 'partner-center-sandbox';
import { FuzzContext, FuzzRequest, generateCases } from './cases';
import { Prng } from './prng';

export interface FuzzOptions {
  /** The gateway under test, e.g. http://127.0.0.1:3000 (plain HTTP: requests are written byte for byte). */
  gatewayUrl: string;
  /** The Partner Center sandbox the gateway talks to: its counters tell whether anything reached upstream. */
  sandbox: RunningSandbox;
  seed: number;
  cases: number;
  /** Stop starting new cases after this long. */
  seconds: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** The gateway's HTTP_BODY_LIMIT_BYTES. */
  bodyLimitBytes?: number;
  /** How long one request may take before it counts as unanswered. */
  requestTimeoutMs?: number;
}

export interface Finding {
  family: string;
  status: number | 'no answer';
  request: string;
  answer: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  seconds: number;
  byApi: Record<string, number>;
  statusCounts: Record<string, number>;
  byFamily: Record<string, Record<string, number>>;
  /** 5xx answers: the gateway failed on input it should have refused. */
  serverErrors: Finding[];
  /** 2xx answers that are no refusal (for GraphQL: no `errors`): invalid input was accepted. */
  accepted: Finding[];
  /** GraphQL `extensions.code` of every error answered (REST problems carry the same codes). */
  codes: Record<string, number>;
  /** Errors coded INTERNAL_SERVER_ERROR: a client's mistake must carry a client code. */
  internalCodes: Finding[];
  /** No answer at all within the timeout (a hang or a crash). */
  unanswered: Finding[];
  upstream: { partnerCenter: number; tokenRequests: number; byFamily: Record<string, number> };
  /** A valid read before and after the run: the gateway works, and still works. */
  probes: { before: number | 'no answer'; after: number | 'no answer' };
  passed: boolean;
}

const READ_WRITE = 'UsageBudget.ReadWrite';

/** Sends `cases` seeded malformed requests to the gateway and reports what came back and what reached upstream. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { sandbox } = options;
  const ctx = await fuzzContext(sandbox, options.bodyLimitBytes ?? 32 * 1024);
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const probe = () =>
    send(options.gatewayUrl, validRead(ctx), timeoutMs, randomUUID()).then((answer) => answer.status);

  const before = await probe();
  const partnerCenterBefore = sandbox.requestLog.entries({ target: 'partner-center' }).length;
  const tokenRequestsBefore = sandbox.tokenRequests();
  const families = new Map<string, string>(); // correlation id → family, to say which case reached upstream

  const report: FuzzReport = {
    seed: options.seed,
    cases: 0,
    seconds: 0,
    byApi: {},
    statusCounts: {},
    byFamily: {},
    serverErrors: [],
    accepted: [],
    codes: {},
    internalCodes: [],
    unanswered: [],
    upstream: { partnerCenter: 0, tokenRequests: 0, byFamily: {} },
    probes: { before, after: 'no answer' },
    passed: false,
  };
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const cases = generateCases(new Prng(options.seed), ctx, options.cases);

  const worker = async () => {
    for (;;) {
      if (Date.now() >= deadline) return;
      const next = cases.next();
      if (next.done) return;
      const request = next.value;
      const correlationId = randomUUID();
      families.set(correlationId, request.family);
      const answer = await send(options.gatewayUrl, request, timeoutMs, correlationId);
      tally(report, request, answer);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  report.seconds = (Date.now() - started) / 1000;

  const upstreamCalls = sandbox.requestLog.entries({ target: 'partner-center' }).slice(partnerCenterBefore);
  report.upstream.partnerCenter = upstreamCalls.length;
  report.upstream.tokenRequests = sandbox.tokenRequests() - tokenRequestsBefore;
  for (const call of upstreamCalls) {
    const header = call.headers['ms-correlationid'];
    const family = families.get(String(header)) ?? 'unknown';
    report.upstream.byFamily[family] = (report.upstream.byFamily[family] ?? 0) + 1;
  }
  report.probes.after = await probe();
  report.passed =
    report.serverErrors.length === 0 &&
    report.accepted.length === 0 &&
    report.internalCodes.length === 0 &&
    report.unanswered.length === 0 &&
    report.upstream.partnerCenter === 0 &&
    report.upstream.tokenRequests === 0 &&
    report.probes.before === 200 &&
    report.probes.after === 200;
  return report;
}

function tally(report: FuzzReport, request: FuzzRequest, answer: Answer): void {
  report.cases += 1;
  report.byApi[request.api] = (report.byApi[request.api] ?? 0) + 1;
  const key = String(answer.status);
  report.statusCounts[key] = (report.statusCounts[key] ?? 0) + 1;
  const family = (report.byFamily[request.family] ??= {});
  family[key] = (family[key] ?? 0) + 1;
  const finding = (): Finding => ({
    family: request.family,
    status: answer.status,
    request: `${request.method} ${request.path.slice(0, 120)} ${(request.body ?? '').slice(0, 160)}`,
    answer: answer.text.slice(0, 300),
  });
  const codes = errorCodes(answer.text);
  for (const code of codes) report.codes[code] = (report.codes[code] ?? 0) + 1;
  if (codes.includes('INTERNAL_SERVER_ERROR')) report.internalCodes.push(finding());
  if (answer.status === 'no answer') report.unanswered.push(finding());
  else if (answer.status >= 500) report.serverErrors.push(finding());
  // GraphQL answers execution errors (e.g. UNAUTHENTICATED from a resolver) with 200 and `errors`: a refusal too.
  else if (answer.status < 300 && codes.length === 0) report.accepted.push(finding());
}

/** The codes in a GraphQL `{"errors":[…]}` or problem+json answer (the raw HTTP text, chunked or not). */
function errorCodes(text: string): string[] {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return [];
  const head = text.slice(0, split).toLowerCase();
  let body = text.slice(split + 4);
  if (head.includes('transfer-encoding: chunked')) {
    let out = '';
    for (let at = 0; at < body.length; ) {
      const end = body.indexOf('\r\n', at);
      const size = parseInt(body.slice(at, end), 16);
      if (!(size > 0)) break;
      out += body.slice(end + 2, end + 2 + size);
      at = end + 2 + size + 2;
    }
    body = out;
  }
  try {
    const parsed = JSON.parse(body) as {
      code?: unknown;
      errors?: Array<{ extensions?: { code?: unknown } }>;
    };
    if (typeof parsed.code === 'string') return [parsed.code];
    return (parsed.errors ?? []).map((error) => String(error.extensions?.code ?? 'NO_CODE'));
  } catch {
    return [];
  }
}

/** The one request the fuzzer sends that must succeed. */
function validRead(ctx: FuzzContext): FuzzRequest {
  return {
    family: 'probe',
    api: 'rest',
    method: 'GET',
    path: `/v1/customers/${ctx.customers[0]}/usagebudget`,
    headers: [['authorization', `Bearer ${ctx.token}`]],
  };
}

interface Answer {
  status: number | 'no answer';
  text: string;
}

/**
 * Writes the request as raw HTTP/1.1 (any method, header or body, however wrong) on a fresh connection and reads the
 * answer until the server closes it. An answer that arrives while the body is still being written (413, 431) counts.
 */
function send(
  baseUrl: string,
  request: FuzzRequest,
  timeoutMs: number,
  correlationId: string,
): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  const head =
    `${request.method} ${request.path} HTTP/1.1\r\n` +
    `host: ${hostname}:${port}\r\nconnection: close\r\nms-correlationid: ${correlationId}\r\n` +
    request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    (body ? `content-length: ${body.length}\r\n` : '') +
    '\r\n';
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect(Number(port), hostname);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 'no answer', text });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => {
      socket.write(Buffer.from(head, 'latin1'));
      if (body) socket.write(body);
    });
  });
}

/** Real ids and tokens from the sandbox, and forged ones the gateway must refuse. */
async function fuzzContext(sandbox: RunningSandbox, bodyLimitBytes: number): Promise<FuzzContext> {
  const token = await sandbox.issueCallerToken({ roles: [READ_WRITE] });
  const readOnlyToken = await sandbox.issueCallerToken({ roles: ['UsageBudget.Read'] });
  const claims = decodePayload(token);
  const header = { alg: 'RS256', typ: 'JWT', kid: decodeHeader(token).kid };
  const now = Math.floor(Date.now() / 1000);
  const jwks = (await fetchJson(
    `${sandbox.url}/${sandbox.tenantId}/discovery/v2.0/keys`,
    sandbox.caCertPem,
  )) as {
    keys: Array<Record<string, unknown>>;
  };
  const publicPem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const hs256 = (secret: string) => {
    const signingInput = `${b64({ ...header, alg: 'HS256' })}.${b64({ ...claims, exp: now + 3600 })}`;
    return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
  };
  const badTokens = [
    {
      name: 'alg none',
      token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: now + 3600 })}.`,
    },
    { name: 'alg None', token: `${b64({ alg: 'None' })}.${b64(claims)}.` },
    { name: 'HS256 with the public key (PEM)', token: hs256(publicPem) },
    { name: 'HS256 with the public key (JWK)', token: hs256(JSON.stringify(jwks.keys[0])) },
    {
      name: 'expired',
      token: await sandbox.issueCallerToken({ roles: [READ_WRITE], expiresInSeconds: -3600 }),
    },
    {
      name: 'not yet valid',
      token: await sandbox.issueCallerToken({ roles: [READ_WRITE], notBeforeSeconds: 3600 }),
    },
    {
      name: 'wrong audience',
      token: await sandbox.issueCallerToken({ roles: [READ_WRITE], aud: 'api://someone-else' }),
    },
    { name: 'no permission', token: await sandbox.issueCallerToken({ roles: [] }) },
    {
      name: 'claims edited, signature kept',
      token: `${token.split('.')[0]}.${b64({ ...claims, roles: [READ_WRITE, 'Admin'] })}.${token.split('.')[2]}`,
    },
  ];
  return {
    customers: sandbox.customers.map((customer) => customer.id),
    token,
    readOnlyToken,
    badTokens,
    bodyLimitBytes,
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodeHeader = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as { kid?: string };
const decodePayload = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

async function fetchJson(url: string, caCertPem: string): Promise<unknown> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { ca: caCertPem, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    })
      .on('error', reject)
      .on('timeout', function (this: { destroy(error: Error): void }) {
        this.destroy(new Error(`no answer from ${url}`));
      })
      .end();
  });
}

/** The report as the CLI prints it. */
export function formatReport(report: FuzzReport): string {
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key}: ${count}`)
      .join(', ');
  const findings = (title: string, list: Finding[]) =>
    list.length === 0
      ? []
      : [
          `${title}:`,
          ...list
            .slice(0, 10)
            .map((f) => `  [${f.family}] ${f.status} ← ${f.request}\n    → ${f.answer.replace(/\s+/g, ' ')}`),
        ];
  return [
    `fuzz: seed ${report.seed}, ${report.cases} cases in ${report.seconds.toFixed(1)} s (${counts(report.byApi)})`,
    `status counts: ${counts(report.statusCounts)}`,
    `5xx: ${report.serverErrors.length}`,
    `2xx (invalid input accepted): ${report.accepted.length}`,
    `error codes: ${counts(report.codes)}`,
    `INTERNAL_SERVER_ERROR codes: ${report.internalCodes.length}`,
    `no answer: ${report.unanswered.length}`,
    `upstream calls caused: Partner Center ${report.upstream.partnerCenter}, token endpoint ${report.upstream.tokenRequests}` +
      (report.upstream.partnerCenter > 0 ? ` (${counts(report.upstream.byFamily)})` : ''),
    `valid read before / after the run: ${report.probes.before} / ${report.probes.after}`,
    'by family:',
    ...Object.entries(report.byFamily)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([family, statuses]) => `  ${family.padEnd(40)} ${counts(statuses)}`),
    ...findings('5xx answers', report.serverErrors),
    ...findings('2xx answers', report.accepted),
    ...findings('INTERNAL_SERVER_ERROR answers', report.internalCodes),
    ...findings('unanswered', report.unanswered),
    report.passed ? 'result: PASS' : 'result: FAIL',
  ].join('\n');
}
