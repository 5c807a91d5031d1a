// Child entry: the Partner Center sandbox on its own event loop, so the load generator does not share its CPU time.
import { startSandbox } from 'partner-center-sandbox';
import { describeUpstream } from './upstream';

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    quiet: true,
    extraCustomers: Number(process.env.BENCH_EXTRA_CUSTOMERS ?? 1000),
    requestLogLimit: 1000,
    stateDir: process.env.SANDBOX_STATE_DIR, // the bench's, removed by the bench
  });
  const stop = () => sandbox.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  process.send?.({ ready: await describeUpstream(sandbox) });
}

main().catch((error) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
