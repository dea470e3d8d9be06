/**
 * The job form's fields as typed, and their check before anything is sent: the limits of
 * docs/limits.md and JobSpec (proto/cairn/v1/job_service.proto), each with a message that
 * says what to change. The server checks everything again; its refusal is shown as it is.
 */

/** The form's fields, as text (what a draft keeps). */
export interface JobFormFields {
  name: string;
  image: string;
  /** One argument per line: an argument vector, never a shell string. */
  command: string;
  /** One NAME=value per line. */
  env: string;
  cpus: string;
  /** "512M", "4G", "1T" or a number of MiB; empty for the site's default. */
  memory: string;
  /** "90s", "15m", "2h", "1d", "1:30:00" or seconds; empty for the site's default. */
  time: string;
  partition: string;
  /** One item per line; empty for a single run. */
  items: string;
  itemsPerElement: string;
  throttle: string;
}

export const EMPTY_JOB_FORM: JobFormFields = {
  name: '',
  image: '',
  command: '',
  env: '',
  cpus: '',
  memory: '',
  time: '',
  partition: '',
  items: '',
  itemsPerElement: '',
  throttle: '',
};

/** docs/limits.md and JobSpec's comments. */
export const JOB_FORM_LIMITS = {
  maxArgs: 256,
  maxArgBytes: 4096,
  maxEnv: 64,
  maxEnvNameBytes: 128,
  maxCpus: 1024,
  maxMemoryMb: 16 * 1024 * 1024,
  maxTimeLimitSeconds: 30 * 24 * 3600,
  maxItems: 10_000,
  maxElements: 1000,
  maxTotalBytes: 128 * 1024,
  maxNameChars: 64,
  maxImageChars: 255,
  maxPartitionChars: 64,
} as const;

/** What SubmitJob gets (JobSpec's fields; resources only where given). */
export interface JobRequestSpec {
  name: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  resources?: { cpus: number; memoryMb: number; timeLimitSeconds: number; partition: string };
  array?: { items: string[]; itemsPerElement: number; throttle: number };
}

export type JobFormErrors = Partial<Record<keyof JobFormFields | 'total', string>>;

export interface JobFormCheck {
  errors: JobFormErrors;
  /** Set when there is no error. */
  spec?: JobRequestSpec;
}

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s).length;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARTITION = /^[A-Za-z0-9_-]+$/;
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
const MEMORY_UNITS: Record<string, number> = { '': 1, M: 1, G: 1024, T: 1024 * 1024 };

/** "90", "90s", "15m", "2h", "1d" or "1:30:00" as seconds (as the CLI and workflow files read them). */
export function durationSeconds(text: string): number | undefined {
  const unit = /^(\d{1,12})\s*([smhd]?)$/.exec(text.trim());
  if (unit) return Number(unit[1]) * (DURATION_UNITS[unit[2] ?? ''] ?? 1);
  const clock = /^(?:(\d{1,9}):)?(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  return undefined;
}

/** "512" (MiB), "512M", "4G", "2GiB" or "1T" as MiB. */
export function memoryMiB(text: string): number | undefined {
  const match = /^(\d{1,12})\s*(?:([MGT])i?B?)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (MEMORY_UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
}

/** Lines of a textarea: "\r\n" or "\n"; one trailing empty line ignored. */
export function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.split(/\r?\n/);
  return all.at(-1) === '' ? all.slice(0, -1) : all;
}

const excerpt = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** The name a job gets when none is typed: the image's last path segment ("lab/python:3" → "python"). */
export function defaultJobName(image: string): string {
  const last = image.trim().split('@')[0]?.split('/').at(-1)?.split(':')[0] ?? '';
  const name = last.replace(/[^A-Za-z0-9._-]/g, '').replace(/^[._-]+/, '').slice(0, JOB_FORM_LIMITS.maxNameChars);
  return name === '' ? 'job' : name;
}

function whole(text: string, what: string, min: number, max: number, errors: JobFormErrors, field: keyof JobFormFields): number | undefined {
  const t = text.trim();
  if (!/^\d{1,12}$/.test(t)) {
    errors[field] = `${what} must be a whole number from ${min} to ${max}`;
    return undefined;
  }
  const n = Number(t);
  if (n < min || n > max) {
    errors[field] = `${what} must be from ${min} to ${max}`;
    return undefined;
  }
  return n;
}

/** Checks the form; with no errors, the spec to send. Never throws. */
export function checkJobForm(f: JobFormFields): JobFormCheck {
  const L = JOB_FORM_LIMITS;
  const errors: JobFormErrors = {};

  const name = f.name.trim() === '' ? defaultJobName(f.image) : f.name.trim();
  if (name.length > L.maxNameChars) errors.name = `The name is ${name.length} characters long; at most ${L.maxNameChars}`;
  else if (!JOB_NAME.test(name)) errors.name = 'The name may hold letters, digits, ".", "-" and "_", starting with a letter or digit';

  const image = f.image.trim();
  if (image === '') errors.image = 'Give the image to run, e.g. lab/cairn-examples:1';
  else if (image.length > L.maxImageChars) errors.image = `The image reference is ${image.length} characters long; at most ${L.maxImageChars}`;
  else if (/\s/.test(image) || CONTROL.test(image)) errors.image = 'The image reference must not contain spaces';

  const command = lines(f.command);
  if (command.length === 0) errors.command = 'Give the command: the program, then each argument on its own line';
  else if (command.length > L.maxArgs) errors.command = `The command has ${command.length} arguments; at most ${L.maxArgs}`;
  else {
    const i = command.findIndex((a) => bytes(a) > L.maxArgBytes || CONTROL.test(a));
    const bad = command[i];
    if (bad !== undefined) errors.command = CONTROL.test(bad) ? `Argument ${i + 1} contains a control character (a tab?)` : `Argument ${i + 1} is ${bytes(bad)} bytes; at most ${L.maxArgBytes}`;
    else if (command[0]?.trim() === '') errors.command = 'The first line is the program to run: it must not be empty';
  }

  const env: Record<string, string> = {};
  const envLines = lines(f.env).filter((l) => l.trim() !== '');
  if (envLines.length > L.maxEnv) errors.env = `${envLines.length} variables; at most ${L.maxEnv}`;
  else {
    for (const [i, line] of envLines.entries()) {
      const eq = line.indexOf('=');
      const key = eq < 0 ? line.trim() : line.slice(0, eq).trim();
      const value = eq < 0 ? '' : line.slice(eq + 1);
      const problem =
        eq < 0
          ? 'write NAME=value'
          : bytes(key) > L.maxEnvNameBytes
            ? `the name is longer than ${L.maxEnvNameBytes} bytes`
            : !ENV_NAME.test(key)
              ? `${excerpt(key)} is not a variable name (letters, digits and "_", not starting with a digit)`
              : /^(SLURM_|CAIRN_)/.test(key)
                ? `${key} starts with SLURM_ or CAIRN_ (reserved)`
                : Object.hasOwn(env, key)
                  ? `${key} is set twice`
                  : bytes(value) > L.maxArgBytes
                    ? `the value is ${bytes(value)} bytes; at most ${L.maxArgBytes}`
                    : CONTROL.test(value)
                      ? 'the value contains a control character'
                      : undefined;
      if (problem !== undefined) {
        errors.env = `Line ${i + 1}: ${problem}`;
        break;
      }
      Object.defineProperty(env, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }

  const anyResource = [f.cpus, f.memory, f.time, f.partition].some((v) => v.trim() !== '');
  let resources: JobRequestSpec['resources'];
  if (anyResource) {
    const cpus = f.cpus.trim() === '' ? 0 : whole(f.cpus, 'CPUs', 1, L.maxCpus, errors, 'cpus');
    let memoryMb: number | undefined = 0;
    if (f.memory.trim() !== '') {
      memoryMb = memoryMiB(f.memory);
      if (memoryMb === undefined) errors.memory = `${excerpt(f.memory.trim())} is not a memory size (try 512M, 4G or 1T)`;
      else if (memoryMb < 1 || memoryMb > L.maxMemoryMb) {
        errors.memory = 'Memory must be from 1 MiB to 16T';
        memoryMb = undefined;
      }
    }
    let timeLimitSeconds: number | undefined = 0;
    if (f.time.trim() !== '') {
      timeLimitSeconds = durationSeconds(f.time);
      if (timeLimitSeconds === undefined) errors.time = `${excerpt(f.time.trim())} is not a duration (try 90s, 15m, 2h, 1d or 1:30:00)`;
      else if (timeLimitSeconds < 1 || timeLimitSeconds > L.maxTimeLimitSeconds) {
        errors.time = 'The time limit must be from 1 second to 30 days';
        timeLimitSeconds = undefined;
      }
    }
    const partition = f.partition.trim();
    if (partition !== '' && (partition.length > L.maxPartitionChars || !PARTITION.test(partition))) errors.partition = 'A partition name holds letters, digits, "-" and "_"';
    if (cpus !== undefined && memoryMb !== undefined && timeLimitSeconds !== undefined) resources = { cpus, memoryMb, timeLimitSeconds, partition };
  }

  const items = lines(f.items);
  let array: JobRequestSpec['array'];
  if (items.length > 0 || f.itemsPerElement.trim() !== '' || f.throttle.trim() !== '') {
    if (items.length === 0) errors.items = 'Give the items, one per line (or clear "items per element" and "throttle" for a single run)';
    else if (items.length > L.maxItems) errors.items = `${items.length} items; at most ${L.maxItems} (split them over several jobs)`;
    else {
      const i = items.findIndex((a) => bytes(a) > L.maxArgBytes || CONTROL.test(a));
      const bad = items[i];
      if (bad !== undefined) errors.items = CONTROL.test(bad) ? `Item ${i + 1} contains a control character` : `Item ${i + 1} is ${bytes(bad)} bytes; at most ${L.maxArgBytes}`;
    }
    const perElement = f.itemsPerElement.trim() === '' ? Math.max(1, Math.ceil(items.length / L.maxElements)) : whole(f.itemsPerElement, 'Items per element', 1, L.maxItems, errors, 'itemsPerElement');
    if (perElement !== undefined && errors.items === undefined && Math.ceil(items.length / perElement) > L.maxElements) {
      errors.itemsPerElement = `${items.length} items at ${perElement} per element make ${Math.ceil(items.length / perElement)} array elements; at most ${L.maxElements}`;
    }
    const throttle = f.throttle.trim() === '' ? 0 : whole(f.throttle, 'Throttle', 0, L.maxElements, errors, 'throttle');
    if (perElement !== undefined && throttle !== undefined) array = { items, itemsPerElement: perElement, throttle };
    if (errors.items === undefined && !command.some((a) => a.includes('${{ item }}'))) {
      errors.command ??= 'With items, put ${{ item }} where each item goes in the command';
    }
  }

  const total = command.reduce((n, a) => n + bytes(a), 0) + Object.entries(env).reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0) + items.reduce((n, a) => n + bytes(a), 0);
  if (total > L.maxTotalBytes) errors.total = `The command, environment and items together are ${total} bytes; at most ${L.maxTotalBytes} (128 KiB)`;

  if (Object.keys(errors).length > 0) return { errors };
  return { errors, spec: { name, image, command, env, ...(resources ? { resources } : {}), ...(array ? { array } : {}) } };
}
