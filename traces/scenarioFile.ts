/**
 * Reads a scenario file (JSON, as `qjob paths --out` writes them). A scenario file is untrusted data:
 * its shape is checked here, its name must be a plain file name (it names the recorded trace), and its
 * set-up still goes through the target's own checks before anything runs.
 */
import fs from 'node:fs';
import type { Scenario, ScenarioStep } from './scenario.ts';

export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function step(file: string, k: number, raw: unknown): ScenarioStep {
  const where = `${file}: steps[${k}]`;
  if (!isRecord(raw)) throw new ScenarioFileError(`${where} is not an object`);
  if (typeof raw['cmd'] === 'string') {
    if (raw['args'] !== undefined && !isRecord(raw['args'])) throw new ScenarioFileError(`${where}: args must be an object`);
    if (raw['pipeline'] !== undefined && typeof raw['pipeline'] !== 'boolean') throw new ScenarioFileError(`${where}: pipeline must be true or false`);
    return raw as ScenarioStep;
  }
  if (typeof raw['wait'] === 'string') {
    if (raw['data'] !== undefined && !isRecord(raw['data'])) throw new ScenarioFileError(`${where}: data must be an object`);
    const t = raw['timeout'];
    if (t !== undefined && !(typeof t === 'number' && t > 0 && t <= 600)) throw new ScenarioFileError(`${where}: timeout must be 0 to 600 seconds`);
    return raw as ScenarioStep;
  }
  if (typeof raw['sleep'] === 'number' && raw['sleep'] >= 0 && raw['sleep'] <= 60) return raw as ScenarioStep;
  throw new ScenarioFileError(`${where} is none of {cmd}, {wait}, {sleep: 0 to 60}`);
}

export function readScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioFileError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ScenarioFileError(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(raw)) throw new ScenarioFileError(`${file}: a scenario is a JSON object`);
  const name = raw['name'];
  if (typeof name !== 'string' || !NAME.test(name)) throw new ScenarioFileError(`${file}: name must be a plain file name (letters, digits, _ . -)`);
  if (!Array.isArray(raw['steps']) || raw['steps'].length === 0) throw new ScenarioFileError(`${file}: steps must be a non-empty list`);
  if (raw['setup'] !== undefined && !Array.isArray(raw['setup'])) throw new ScenarioFileError(`${file}: setup must be a list`);
  if (raw['minRelease'] !== undefined && typeof raw['minRelease'] !== 'string') throw new ScenarioFileError(`${file}: minRelease must be a string`);
  const steps = raw['steps'].map((s: unknown, k: number) => step(file, k, s));
  return { ...(raw as unknown as Scenario), steps };
}
