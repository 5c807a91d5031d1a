import { readFileSync } from 'node:fs';

/**
 * Just enough of the Dockerfile language to replay this repository's Dockerfile as processes (no Docker engine runs
 * here): stages, and per stage its instructions with their flags. Unknown instructions are kept, so a test can
 * refuse what it does not know how to replay instead of skipping it.
 */
export interface Instruction {
  op: string;
  /** `--from=build`, `--mount=type=cache,...`: flag name → value. */
  flags: Record<string, string>;
  /** The rest of the line, flags removed. */
  rest: string;
  /** The exec form (`["node", "dist/main.js"]`), when `rest` is one. */
  exec?: string[];
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (!current && /^\s*(#|$)/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());

  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, body] = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = parseInstruction(op.toUpperCase(), body);
    if (instruction.op === 'FROM') {
      const [from, as, name] = instruction.rest.split(/\s+/);
      if (as?.toUpperCase() !== 'AS' || !name) throw new Error(`every stage needs a name: ${line}`);
      stages.push({ name, from, instructions: [] });
    } else {
      if (!stages.length) throw new Error(`instruction before FROM: ${line}`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

function parseInstruction(op: string, body: string): Instruction {
  const flags: Record<string, string> = {};
  let rest = body;
  for (let match = /^--([a-z-]+)=(\S+)\s*/.exec(rest); match; match = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
    flags[match[1]] = match[2];
    rest = rest.slice(match[0].length);
  }
  let exec: string[] | undefined;
  if (rest.startsWith('[')) exec = JSON.parse(rest) as string[];
  return { op, flags, rest, exec };
}

export function readDockerfile(path: string): Stage[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function stage(stages: Stage[], name: string): Stage {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage "${name}" in the Dockerfile (stages: ${stages.map((s) => s.name)})`);
  return found;
}

/** The stages a stage is built on, base first, ending with the stage itself. */
export function lineage(stages: Stage[], name: string): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage(stages, name); s; s = stages.find((x) => x.name === s!.from)) {
    chain.unshift(s);
  }
  return chain;
}

/** ENV of a stage, inherited ones included (`ENV A=1 B=2` form). */
export function stageEnv(stages: Stage[], name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of lineage(stages, name)) {
    for (const i of s.instructions.filter((x) => x.op === 'ENV')) {
      for (const pair of i.rest.split(/\s+/).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error(`ENV must use the KEY=value form: ${i.rest}`);
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    }
  }
  return env;
}

/** The last value of a one-argument instruction (WORKDIR, USER) along the stage's lineage. */
export function lastValue(stages: Stage[], name: string, op: 'WORKDIR' | 'USER'): string | undefined {
  let value: string | undefined;
  for (const s of lineage(stages, name)) {
    for (const i of s.instructions) if (i.op === op) value = i.rest;
  }
  return value;
}

export function stageCmd(stages: Stage[], name: string): string[] {
  const cmds = lineage(stages, name).flatMap((s) => s.instructions.filter((i) => i.op === 'CMD'));
  const cmd = cmds[cmds.length - 1];
  if (!cmd?.exec) throw new Error(`stage ${name} has no exec-form CMD`);
  return cmd.exec;
}

/** The HEALTHCHECK's command (exec form, `CMD` dropped) and its options. */
export function stageHealthcheck(
  stages: Stage[],
  name: string,
): { command: string[]; options: Record<string, string> } {
  const checks = lineage(stages, name).flatMap((s) => s.instructions.filter((i) => i.op === 'HEALTHCHECK'));
  const check = checks[checks.length - 1];
  if (!check) throw new Error(`stage ${name} has no HEALTHCHECK`);
  const [, keyword, json] = /^(CMD)\s+(\[.*\])$/.exec(check.rest) ?? [];
  if (keyword !== 'CMD') throw new Error(`HEALTHCHECK of ${name} must use CMD ["…"]: ${check.rest}`);
  return { command: JSON.parse(json) as string[], options: check.flags };
}

/**
 * Whether a path of the build context survives .dockerignore (its last matching pattern wins; `!` re-includes).
 * Supports what this repository's allow-list uses: `*`, plain paths, and `!` exceptions; a directory pattern
 * covers everything below it.
 */
export function inBuildContext(dockerignore: string, path: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = raw.replace(/^!/, '').replace(/^\/+|\/+$/g, '');
    if (/[?[\]]|\*./.test(pattern) && pattern !== '*')
      throw new Error(`unsupported .dockerignore pattern: ${raw}`);
    const matches = pattern === '*' || path === pattern || path.startsWith(`${pattern}/`);
    if (matches) included = negated;
  }
  return included;
}
