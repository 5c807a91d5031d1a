import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { freePort, RunningProcess, startProcess } from './processes';

const INSTALL = 'apt-get update && apt-get install -y prometheus';
/** Debian's prometheus package: the server and promtool. */
export const PROMETHEUS_BINARIES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];
export const PROMTOOL_BINARIES = ['/usr/bin/promtool', '/usr/local/bin/promtool'];

/** The path of the first of `candidates` that exists; fails, never skips, saying how to install it. */
export function installedBinary(candidates: string[]): string {
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`${candidates[0]} not found: ${INSTALL}`);
  return found;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface TestPrometheus {
  url: string;
  /** An instant query's result vector (`/api/v1/query`). */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Every metric name the server holds series of. */
  metricNames(): Promise<string[]>;
  /** The alerts of the loaded rules that are pending or firing now. */
  alerts(): Promise<PrometheusAlert[]>;
  close(): Promise<void>;
}

/**
 * A real Prometheus on a free loopback port in a temporary folder, scraping `targets` (host:port, path /metrics)
 * every second under `job` and evaluating `ruleFiles` every second. Fails, never skips, when it is not installed.
 */
export async function startPrometheus(options: {
  targets: string[];
  job: string;
  ruleFiles: string[];
}): Promise<TestPrometheus> {
  const binary = installedBinary(PROMETHEUS_BINARIES);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: options.ruleFiles,
    scrape_configs: [{ job_name: options.job, static_configs: [{ targets: options.targets }] }],
  };
  // JSON is YAML: no YAML writer needed for a config this small.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const server: RunningProcess = startProcess(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: dir, env: { PATH: process.env.PATH ?? '' } },
  );
  const url = `http://127.0.0.1:${port}`;
  const http = axios.create({ baseURL: url, timeout: 5_000, validateStatus: () => true });
  const close = async () => {
    await server.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForReady(http, server);
  } catch (error) {
    await close();
    throw error;
  }
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await http.get(path, { params });
    if (response.status !== 200 || response.data?.status !== 'success')
      throw new Error(`Prometheus ${path}: ${response.status} ${JSON.stringify(response.data)}`);
    return response.data.data as T;
  };
  return {
    url,
    query: async (promql) =>
      (
        await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
          '/api/v1/query',
          { query: promql },
        )
      ).result,
    metricNames: () => api<string[]>('/api/v1/label/__name__/values'),
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts,
    close,
  };
}

async function waitForReady(http: ReturnType<typeof axios.create>, server: RunningProcess): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited) throw new Error(`prometheus exited at start:\n${server.output()}`);
    const ready = await http.get('/-/ready').then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus not ready after 10 s:\n${server.output()}`);
}
