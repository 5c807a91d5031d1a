import { Agent } from 'node:http';
import type { Contestant } from './contestants';
import { callJson } from './https-json';
import type { Upstream } from './upstream';

export interface PortalResult {
  variant: string;
  customers: number;
  totalMs: number;
  /** Budgets that came back without an error. */
  budgets: number;
  /** 429s the sandbox's throttle sent during the variant. */
  upstreamThrottled: number;
  upstreamCalls: number;
  /** The least time the limit allows for these reads: (ceil(N / limit) - 1) windows. */
  minimumMs: number;
  /** totalMs / minimumMs (the target: ≤ 1.25). */
  ratioToMinimum: number;
  /** The first error seen, e.g. the GraphQL error while the batched field does not exist yet. */
  firstError?: string;
}

export interface PortalSpec {
  customers: readonly string[];
  windowMs: number;
  perPartner: number;
}

/** A portal page of N customers read at once against a throttled upstream, in the three ways a client can. */
export async function runPortal(
  spec: PortalSpec,
  contestants: { rest: Contestant; graphql: Contestant; peer?: Contestant },
  upstream: Upstream,
): Promise<PortalResult[]> {
  const variants: [string, () => Promise<Outcome>][] = [
    ['gateway GraphQL, one batched query', () => batchedQuery(contestants.graphql, spec.customers)],
    [
      `gateway REST, ${spec.customers.length} parallel GETs`,
      () => parallelReads(contestants.rest, spec.customers),
    ],
  ];
  if (contestants.peer) {
    const peer = contestants.peer;
    variants.push([
      `peer, ${spec.customers.length} parallel queries`,
      () => parallelReads(peer, spec.customers),
    ]);
  }
  const results: PortalResult[] = [];
  const minimumMs = (Math.ceil(spec.customers.length / spec.perPartner) - 1) * spec.windowMs;
  for (const [variant, run] of variants) {
    // Setting the throttle opens fresh windows, so every variant starts with the same allowance.
    await upstream.setThrottle({ windowMs: spec.windowMs, perPartner: spec.perPartner });
    const before = await upstream.stats();
    const started = process.hrtime.bigint();
    const outcome = await run().catch(
      (error: unknown): Outcome => ({ budgets: 0, firstError: String(error) }),
    );
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    const after = await upstream.stats();
    results.push({
      variant,
      customers: spec.customers.length,
      totalMs,
      budgets: outcome.budgets,
      upstreamThrottled: after.throttled - before.throttled,
      upstreamCalls: after.requestsByTarget['partner-center'] - before.requestsByTarget['partner-center'],
      minimumMs,
      ratioToMinimum: minimumMs > 0 ? totalMs / minimumMs : NaN,
      ...(outcome.firstError !== undefined && { firstError: outcome.firstError }),
    });
  }
  await upstream.setThrottle(undefined);
  return results;
}

interface Outcome {
  budgets: number;
  firstError?: string;
}

const TIMEOUT_MS = 120_000;

async function batchedQuery(graphql: Contestant, customers: readonly string[]): Promise<Outcome> {
  const shape = graphql.read(customers[0]);
  // Variables, not an inlined list: 200 ids inline would make the document itself the largest part of the request.
  const query =
    'query Portal($ids: [ID!]!) { customerUsageBudgets(customerIds: $ids) { customerId amount } }';
  const response = await callJson(`${graphql.baseUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: shape.headers.authorization },
    body: { query, variables: { ids: customers } },
    timeoutMs: TIMEOUT_MS,
  });
  const body = response.body as {
    data?: { customerUsageBudgets?: unknown[] | null };
    errors?: { message: string }[];
  };
  const items = body?.data?.customerUsageBudgets ?? [];
  const budgets = items.filter(
    (item) => item !== null && typeof item === 'object' && 'amount' in item,
  ).length;
  const firstError =
    body?.errors?.[0]?.message ?? (response.status === 200 ? undefined : `HTTP ${response.status}`);
  return { budgets, ...(firstError !== undefined && { firstError }) };
}

/** Every read at once, each on its own connection, as a browser page or a microservice fan-out would send them. */
async function parallelReads(contestant: Contestant, customers: readonly string[]): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const outcomes = await Promise.all(customers.map((id) => send(contestant, contestant.read(id), agent)));
    const failed = outcomes.find((o) => !contestant.succeeded(o.status, o.body));
    return {
      budgets: outcomes.filter((o) => contestant.succeeded(o.status, o.body)).length,
      ...(failed && { firstError: describe(failed) }),
    };
  } finally {
    agent.destroy();
  }
}

/** One read; a failure to get any answer is status 0 with its message, so one lost read does not end the scenario. */
function send(
  contestant: Contestant,
  shape: { method: string; path: string; headers: Record<string, string>; body?: string },
  agent: Agent,
): Promise<{ status: number; body: unknown }> {
  return callJson(new URL(shape.path, contestant.baseUrl).toString(), {
    method: shape.method,
    headers: shape.headers,
    rawBody: shape.body,
    agent,
    timeoutMs: TIMEOUT_MS,
  }).catch((error: Error) => ({ status: 0, body: error.message }));
}

function describe(outcome: { status: number; body: unknown }): string {
  const errors = (outcome.body as { errors?: { message: string }[] } | undefined)?.errors;
  if (errors?.length) return errors[0].message;
  return `HTTP ${outcome.status}: ${JSON.stringify(outcome.body).slice(0, 200)}`;
}
