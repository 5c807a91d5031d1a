import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import axios from 'axios';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../support/readme';
import {
  installedBinary,
  PrometheusAlert,
  PROMTOOL_BINARIES,
  startPrometheus,
  TestPrometheus,
} from '../../support/prometheus-server';
import { freePort } from '../../support/processes';
import { GatewayProcess, startGatewayProcess } from '../observability/support/gateway-process';

/**
 * deploy/prometheus/ and deploy/grafana/: what operators load. The alerting rules are checked three ways. promtool validates them and runs their
 * unit tests (synthetic series: each alert fires after its `for`, and not on the look-alikes next to it); their
 * thresholds agree with the deployment; and a real Prometheus scrapes a real gateway process (`node dist/main.js`,
 * its metrics on METRICS_PORT as in deploy/kubernetes) on the sandbox, under a job name of its own, while the test
 * provokes what the rules watch for: the rules must read series the gateway really exports, with the label values it
 * really writes, and go pending (or fire) on them, and on nothing else. Every query of the dashboard runs on that
 * Prometheus and returns series.
 */
const DIR = join(REPO_ROOT, 'deploy/prometheus');
const RULES = join(DIR, 'gateway-alerts.yml');
const DASHBOARD = join(REPO_ROOT, 'deploy/grafana/usage-budget-gateway.json');
const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const FABRIKAM = 'c0000002-0000-4000-8000-000000000002';
const NORTHWIND = 'c0000003-0000-4000-8000-000000000003';

interface Rule {
  alert: string;
  expr: string;
}
const rules: Rule[] = (
  parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((group) => group.rules);

describe('Prometheus alerting rules and the Grafana dashboard (deploy/)', () => {
  it('promtool accepts the rules and their unit tests pass', () => {
    const promtool = installedBinary(PROMTOOL_BINARIES);
    const run = (...args: string[]) =>
      execFileSync(promtool, args, { cwd: DIR, encoding: 'utf8', stdio: 'pipe' });
    expect(run('check', 'rules', 'gateway-alerts.yml')).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(run('test', 'rules', 'gateway-alerts.test.yml')).toContain('SUCCESS');
  });

  it('every alert has a unit test, a severity, a summary and a description', () => {
    const tests = readFileSync(join(DIR, 'gateway-alerts.test.yml'), 'utf8');
    const raw = (
      parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<Record<string, any>> }> }
    ).groups[0].rules;
    for (const rule of raw) {
      expect(tests).toContain(`alertname: ${rule.alert}`);
      expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toEqual(expect.any(String));
      expect(rule.annotations?.description).toEqual(expect.any(String));
    }
  });

  it("the memory alert's threshold is 90% of the container's memory limit in deploy/kubernetes", () => {
    const deployment = parseAllDocuments(
      readFileSync(join(REPO_ROOT, 'deploy/kubernetes/deployment.yaml'), 'utf8'),
    )[0].toJS() as Record<string, any>;
    const limit = String(deployment.spec.template.spec.containers[0].resources.limits.memory);
    const mebibytes = /^(\d+)Mi$/.exec(limit);
    expect(mebibytes).not.toBeNull();
    const rule = rules.find((r) => r.alert === 'UsageBudgetGatewayMemoryHigh')!;
    expect(rule.expr).toContain(`> 0.9 * ${Number(mebibytes![1]) * 1024 * 1024}`);
  });

  it('the Grafana dashboard: unique panel ids, a 24-column grid, every query on the chosen Prometheus', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    expect(dashboard.uid).toBe('usage-budget-gateway');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
    }
    expect(dashboard.templating.list.map((variable) => [variable.name, variable.type])).toEqual([
      ['datasource', 'datasource'],
    ]);
  });

  describe('on a real gateway scraped by a real Prometheus', () => {
    let sandbox: RunningSandbox;
    let gateway: GatewayProcess | undefined;
    let prometheus: TestPrometheus | undefined;
    let target: string;
    const http = axios.create({ validateStatus: () => true, timeout: 20_000 });
    const budget = (customerId: string) => `${gateway!.url}/v1/customers/${customerId}/usagebudget`;

    beforeAll(async () => {
      sandbox = await startSandbox({ quiet: true });
      target = `127.0.0.1:${await freePort()}`;
      gateway = await startGatewayProcess(sandbox, {
        METRICS_PORT: target.split(':')[1],
        PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '3',
        PARTNER_CENTER_CIRCUIT_BREAK_MS: '60000',
      });
      // Not the job name a Kubernetes set-up would give: the rules must not depend on it.
      prometheus = await startPrometheus({
        targets: [target],
        job: 'gateway-under-test',
        ruleFiles: [RULES],
      });
      await until('the first scrape', async () => (await prometheus!.query('up == 1')).length === 1);
    }, 60_000);
    afterAll(async () => {
      await prometheus?.close();
      await gateway?.stop();
      await sandbox?.close();
    });

    it('throttling, failures, a change of unknown outcome and malformed requests turn their rules on', async () => {
      // One change of unknown outcome: answered 204 without a budget, which the read after it does not show. Rare, so
      // its alert must fire on the first one.
      sandbox.faults.add({ kind: 'status', status: 204, body: '', method: 'PATCH', count: 1 });
      expect((await http.patch(budget(NORTHWIND), { amount: 777 })).data.code).toBe('OUTCOME_UNKNOWN');
      // The rest as it comes in production, sustained: a storm, once more after Prometheus has seen the first
      // (a counter's series is born at its first value, from which rate() counts).
      // Partner Center down for one customer from now on.
      sandbox.faults.add({ kind: 'status', status: 503, customerId: NORTHWIND });
      const storm = async (failedReads: number, malformed: number) => {
        // Partner Center throttles a read (retried after its Retry-After), and another with a wait longer than the
        // gateway waits out (the caller gets RATE_LIMITED; the next read of that customer waits for the pause).
        sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '1', customerId: CONTOSO, count: 1 });
        expect((await http.get(budget(CONTOSO))).status).toBe(200);
        sandbox.faults.add({
          kind: 'status',
          status: 429,
          retryAfter: '120',
          customerId: FABRIKAM,
          count: 1,
        });
        expect((await http.get(budget(FABRIKAM))).data.code).toBe('RATE_LIMITED');
        // Its reads fail; 3 in a row open the circuit (then the rest are refused at once, the reads above too).
        for (let i = 0; i < failedReads; i++)
          expect((await http.get(budget(NORTHWIND))).data.code).toBe('UPSTREAM_UNAVAILABLE');
        // A client sending what is not HTTP, 20 connections at a time (the rule: over one a second in 5 minutes).
        for (let sent = 0; sent < malformed; sent += 20)
          await Promise.all(
            Array.from({ length: 20 }, () =>
              sendRaw(gateway!.url.replace('http://', ''), 'NOT-HTTP\r\n\r\n'),
            ),
          );
      };
      await storm(2, 20);
      await until('the storm in Prometheus', async () =>
        (
          await Promise.all(
            [
              'gateway_request_duration_seconds_count{outcome="RATE_LIMITED"}',
              'gateway_request_duration_seconds_count{outcome="UPSTREAM_UNAVAILABLE"}',
              'gateway_upstream_request_duration_seconds_count{status="429"}',
              'gateway_edge_refusals_total',
            ].map(async (selector) => (await prometheus!.query(selector)).length > 0),
          )
        ).every(Boolean),
      );
      await storm(4, 400);

      const expected: Record<string, PrometheusAlert['state']> = {
        PartnerCenterThrottling: 'pending',
        UsageBudgetCallersRateLimited: 'pending',
        UsageBudgetWriteOutcomeUnknown: 'firing',
        UsageBudgetGatewayServerErrors: 'pending',
        UsageBudgetUpstreamCircuitOpen: 'pending',
        UsageBudgetEdgeRefusals: 'pending',
      };
      let alerts: PrometheusAlert[] = [];
      await until('the alerts', async () => {
        alerts = await prometheus!.alerts();
        return Object.entries(expected).every(([name, state]) =>
          alerts.some((a) => a.labels.alertname === name && a.state === state),
        );
      }).catch((error: Error) => {
        throw new Error(
          `${error.message}; alerts: ${JSON.stringify(alerts.map((a) => [a.labels.alertname, a.state]))}`,
        );
      });
      expect(
        alerts.find((a) => a.labels.alertname === 'UsageBudgetUpstreamCircuitOpen')?.labels.upstream,
      ).toBe('partner-center');
      // Nothing else is wrong with this replica (but what a loaded test machine may do to any process: stall it).
      const machineDependent = new Set(['UsageBudgetGatewayEventLoopLag', 'UsageBudgetGatewaySlow']);
      expect(
        alerts
          .map((a) => a.labels.alertname)
          .filter((name) => !(name in expected) && !machineDependent.has(name)),
      ).toEqual([]);
      sandbox.faults.clear();
    }, 60_000);

    it('every series the rules read is one the gateway exports', async () => {
      const read = new Set(
        rules.flatMap((rule) =>
          [...rule.expr.matchAll(/\b(gateway_\w+|process_\w+|nodejs_\w+|up)\b/g)].map((m) => m[1]),
        ),
      );
      const exported = new Set(await prometheus!.metricNames());
      expect([...read].filter((name) => !exported.has(name))).toEqual([]);
      expect(read.size).toBeGreaterThanOrEqual(10);
    }, 30_000);

    it("every query of the Grafana dashboard is valid PromQL and reads the real gateway's series", async () => {
      const queries = dashboardQueries();
      expect(queries.length).toBeGreaterThanOrEqual(15);
      const empty: string[] = [];
      for (const { panel, expr } of queries) {
        // Grafana's own variable, as Grafana would put it; query() throws on PromQL Prometheus refuses.
        const result = await prometheus!.query(expr.replaceAll('$__rate_interval', '1m'));
        if (result.length === 0) empty.push(`${panel}: ${expr}`);
      }
      expect(empty).toEqual([]);
    }, 30_000);

    it('a replica that stops answering is UsageBudgetGatewayDown, named by its instance', async () => {
      expect(await gateway!.stop()).toBe(0);
      gateway = undefined;
      let down: PrometheusAlert | undefined;
      await until('UsageBudgetGatewayDown', async () => {
        down = (await prometheus!.alerts()).find((a) => a.labels.alertname === 'UsageBudgetGatewayDown');
        return down !== undefined;
      });
      expect(down).toMatchObject({
        state: 'pending',
        labels: { instance: target, job: 'gateway-under-test', severity: 'critical' },
      });
    }, 30_000);
  });
});

interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string; type: string }> };
  panels: Array<{
    id: number;
    title: string;
    gridPos: { x: number; w: number };
    targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  }>;
}

/** Every query of the dashboard's panels, with the panel's title. */
function dashboardQueries(): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
  );
}

/** Polls `condition` every 250 ms for up to 20 s. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 80; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes `text` on a fresh connection and resolves when the server has answered and closed it (or after 2 s). */
function sendRaw(hostPort: string, text: string): Promise<void> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect(Number(port), host, () => socket.write(text));
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
  });
}
