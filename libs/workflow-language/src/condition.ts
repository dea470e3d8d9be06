/**
 * Loop conditions over a metrics JSON object, e.g. `val_loss < 0.05 or epoch >= 20`.
 * A small parser (comparisons, and/or/not, parentheses, numbers, dotted names); nothing is
 * evaluated as code.
 */
export type Condition =
  | { op: 'and' | 'or'; left: Condition; right: Condition }
  | { op: 'not'; operand: Condition }
  | { op: '<' | '<=' | '>' | '>=' | '==' | '!='; left: Operand; right: Operand };

export type Operand = { kind: 'number'; value: number } | { kind: 'metric'; name: string };

export class ConditionError extends Error {
  override readonly name = 'ConditionError';
}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(<=|>=|==|!=|<|>|\(|\)))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw new ConditionError(`unexpected "${text.slice(at).trim().slice(0, 20)}" at position ${at + 1}`);
    tokens.push(match[1] ?? match[2] ?? match[3] ?? '');
    at = TOKEN.lastIndex;
  }
  return tokens;
}

export function parseCondition(text: string): Condition {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  const operand = (): Operand => {
    const token = next();
    if (token === undefined) throw new ConditionError('the condition ends too early');
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (/^[A-Za-z_]/.test(token) && !['and', 'or', 'not'].includes(token)) return { kind: 'metric', name: token };
    throw new ConditionError(`expected a number or a metric name, found "${token}"`);
  };
  const comparison = (): Condition => {
    if (peek() === 'not') {
      next();
      return { op: 'not', operand: comparison() };
    }
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new ConditionError('a "(" is not closed');
      return inner;
    }
    const left = operand();
    const op = next();
    if (op !== '<' && op !== '<=' && op !== '>' && op !== '>=' && op !== '==' && op !== '!=') {
      throw new ConditionError(`expected a comparison (<, <=, >, >=, ==, !=) after "${left.kind === 'metric' ? left.name : left.value}"`);
    }
    return { op, left, right: operand() };
  };
  const and = (): Condition => {
    let left = comparison();
    while (peek() === 'and') {
      next();
      left = { op: 'and', left, right: comparison() };
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (peek() === 'or') {
      next();
      left = { op: 'or', left, right: and() };
    }
    return left;
  };
  const condition = or();
  if (pos < tokens.length) throw new ConditionError(`unexpected "${tokens[pos]}"`);
  return condition;
}

/** Evaluates against a metrics object; a metric that is missing or not a number is an error. */
export function evaluateCondition(condition: Condition, metrics: Record<string, unknown>): boolean {
  const value = (operand: Operand): number => {
    if (operand.kind === 'number') return operand.value;
    // Only the object's own members: "constructor" is a metric name like any other.
    const found = operand.name.split('.').reduce<unknown>((obj, key) => (obj && typeof obj === 'object' && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined), metrics);
    if (typeof found !== 'number' || Number.isNaN(found)) throw new ConditionError(`metric "${operand.name}" is ${found === undefined ? 'missing' : `not a number (${shown(found)})`}`);
    return found;
  };
  switch (condition.op) {
    case 'and':
      return evaluateCondition(condition.left, metrics) && evaluateCondition(condition.right, metrics);
    case 'or':
      return evaluateCondition(condition.left, metrics) || evaluateCondition(condition.right, metrics);
    case 'not':
      return !evaluateCondition(condition.operand, metrics);
    case '<':
      return value(condition.left) < value(condition.right);
    case '<=':
      return value(condition.left) <= value(condition.right);
    case '>':
      return value(condition.left) > value(condition.right);
    case '>=':
      return value(condition.left) >= value(condition.right);
    case '==':
      return value(condition.left) === value(condition.right);
    case '!=':
      return value(condition.left) !== value(condition.right);
  }
}

/** A metric's value as JSON, at most 64 characters of it (a job wrote it: it may be huge). */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 64 ? `${json.slice(0, 64)}…` : json;
}
