import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../support/dockerfile';

const ROOT = join(__dirname, '..', '..', '..');

describe('npm run start:prod', () => {
  it("runs the production image's command with the image's malloc setting (nothing drifts between the two)", () => {
    const runtime = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).find(
      (stage) => stage.name === 'runtime',
    )!;
    const cmd = runtime.instructions.filter((i) => i.op === 'CMD').pop()!.exec!;
    const env = runtime.instructions
      .filter((i) => i.op === 'ENV')
      .flatMap((i) => i.rest.split(/\s+/))
      .filter((pair) => pair.startsWith('MALLOC_'));
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['start:prod']).toBe([...env, ...cmd].join(' '));
  });
});
