/**
 * A small arithmetic language with Python's rules, for scheduler callables written in configs
 * (`lr_lambda: "0.95 ** x"`) and numeric values over run variables (`T_max: "total_steps - 100"`).
 * The source is parsed once into a tree of closures; nothing is ever handed to `eval` or `Function`.
 *
 * Grammar, loosest binding first (Python's precedence; `**` is right-associative and its right operand may be signed):
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '//' | '%') unary)*
 *   unary   := ('+' | '-') unary | power
 *   power   := atom ('**' unary)?
 *   atom    := number | name | function '(' arguments ')' | '(' sum ')'
 *
 * @example
 * compileExpression('total_steps - 100', ['total_steps']).evaluate({ total_steps: 1000 }); // 900
 */
import { ExpressionError, type PythonErrorClass } from '../errors.js';
import { describe } from './checks.js';
import { pyFloorDiv, pyLog, pyMod } from './python-math.js';

export interface CompiledExpression {
  readonly source: string;
  /** The free names the expression was allowed to use (as given to `compileExpression`). */
  readonly variables: readonly string[];
  /** Evaluates with the given variable values; throws ExpressionError on a math fault. */
  evaluate(values: Readonly<Record<string, number>>): number;
}

type Values = Readonly<Record<string, number>>;
type Node = (values: Values) => number;

/** An operator or function: `fault` names the Python error for arguments outside the domain. */
interface Operation {
  readonly min: number;
  readonly max: number;
  readonly apply: (...args: number[]) => number;
  readonly fault?: (...args: number[]) => string | undefined;
}

interface Token {
  readonly kind: 'number' | 'name' | 'operator' | 'end';
  readonly text: string;
  readonly position: number;
}

const MAX_LENGTH = 1000;
const MAX_DEPTH = 64;
const LAMBDA_VARIABLES = Object.freeze(['x', 'epoch']);

const SPACE = /[ \t\r\n\f]+/y;
const PATTERNS: readonly (readonly [Token['kind'], RegExp])[] = [
  ['number', /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y],
  ['name', /[A-Za-z_][A-Za-z0-9_]*/y],
  ['operator', /\*\*|\/\/|[-+*/%(),]/y],
];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function op(min: number, max: number, apply: Operation['apply'], fault?: Operation['fault']): Operation {
  return { min, max, apply, fault };
}

const divisor = (_: number, b: number) => (b === 0 ? 'division by zero' : undefined);

function powerFault(a: number, b: number): string | undefined {
  if (a === 0 && b < 0) return 'division by zero (0 to a negative power)';
  if (a < 0 && !Number.isInteger(b)) return 'a negative number to a fractional power is a complex number';
  return undefined;
}

// Python's math.log(x, base) is log(x) / log(base), so a base of 1 divides by zero.
function logFault(x: number, base?: number): string | undefined {
  if (x <= 0 || (base !== undefined && base <= 0)) return 'math domain error (log needs positive arguments)';
  return base === 1 ? 'division by zero (log base 1)' : undefined;
}

const BINARY = new Map<string, Operation>([
  ['+', op(2, 2, (a, b) => a + b)],
  ['-', op(2, 2, (a, b) => a - b)],
  ['*', op(2, 2, (a, b) => a * b)],
  ['/', op(2, 2, (a, b) => a / b, divisor)],
  ['//', op(2, 2, pyFloorDiv, divisor)],
  ['%', op(2, 2, pyMod, divisor)],
  ['**', op(2, 2, (a, b) => a ** b, powerFault)],
]);

const FUNCTIONS = new Map<string, Operation>([
  ['cos', op(1, 1, Math.cos)],
  ['sin', op(1, 1, Math.sin)],
  ['tan', op(1, 1, Math.tan)],
  ['exp', op(1, 1, Math.exp)],
  ['log', op(1, 2, pyLog, logFault)],
  ['sqrt', op(1, 1, Math.sqrt, (x) => (x < 0 ? 'math domain error (sqrt needs a number >= 0)' : undefined))],
  ['abs', op(1, 1, Math.abs)],
  ['floor', op(1, 1, Math.floor)],
  ['ceil', op(1, 1, Math.ceil)],
  ['min', op(2, Number.POSITIVE_INFINITY, Math.min)],
  ['max', op(2, Number.POSITIVE_INFINITY, Math.max)],
  // math.pow refuses what ** refuses, as a domain error.
  ['pow', op(2, 2, Math.pow, (a, b) => powerFault(a, b) && 'math domain error')],
]);

const CONSTANTS = new Map<string, number>([
  ['pi', Math.PI],
  ['e', Math.E],
]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = matchAt(SPACE, source, 0).length;
  while (position < source.length) {
    const token = readToken(source, position);
    tokens.push(token);
    position += token.text.length;
    position += matchAt(SPACE, source, position).length;
  }
  tokens.push({ kind: 'end', text: '', position });
  return tokens;
}

function readToken(source: string, position: number): Token {
  for (const [kind, pattern] of PATTERNS) {
    const text = matchAt(pattern, source, position);
    if (text !== '') return { kind, text, position };
  }
  throw fault(`unexpected character ${JSON.stringify(source[position])}`, source, position);
}

/** The text `pattern` (a sticky regex) matches at `position`, or '' when it does not. */
function matchAt(pattern: RegExp, source: string, position: number): string {
  pattern.lastIndex = position;
  return pattern.exec(source)?.[0] ?? '';
}

function fault(
  message: string,
  source: string,
  position: number,
  pythonClass?: PythonErrorClass,
): ExpressionError {
  return new ExpressionError(message, source, position, pythonClass);
}

/** The closure for an operator or call: Python's domain rules first, then a finite result. */
function operate(
  label: string,
  operation: Operation,
  operands: readonly Node[],
  at: Token,
  source: string,
): Node {
  const infix = BINARY.has(label);
  const show = (args: readonly number[]) =>
    infix ? args.map((a) => (a < 0 ? `(${a})` : `${a}`)).join(` ${label} `) : `${label}(${args.join(', ')})`;
  return (values) => {
    const args = operands.map((operand) => operand(values));
    const refusal = operation.fault?.(...args);
    if (refusal !== undefined) {
      const pythonClass = refusal.startsWith('division by zero') ? 'ZeroDivisionError' : 'ValueError';
      throw fault(`${refusal} in ${show(args)}`, source, at.position, pythonClass);
    }
    const result = operation.apply(...args);
    if (Number.isFinite(result)) return result;
    throw fault(`${show(args)} is not a finite number (overflow)`, source, at.position, 'OverflowError');
  };
}

function variable(name: string, at: Token, source: string): Node {
  return (values) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    throw fault(`variable ${name} needs a finite number, received ${describe(value)}`, source, at.position);
  };
}

/** Recursive descent over the grammar above; `depth` bounds recursion so hostile input cannot exhaust the stack. */
class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly variables: ReadonlySet<string>,
  ) {}

  parse(): Node {
    const node = this.sum();
    if (this.peek().kind !== 'end') throw this.unexpected(this.peek(), 'an operator or the end');
    return node;
  }

  private sum(): Node {
    return this.chain(['+', '-'], () => this.product());
  }

  private product(): Node {
    return this.chain(['*', '/', '//', '%'], () => this.unary());
  }

  /** A left-associative run of operands; a loop, so a long chain adds no nesting. */
  private chain(operators: readonly string[], operand: () => Node): Node {
    let node = operand();
    for (let token = this.accept(operators); token; token = this.accept(operators)) {
      node = operate(token.text, BINARY.get(token.text)!, [node, operand()], token, this.source);
    }
    return node;
  }

  private unary(): Node {
    const token = this.accept(['+', '-']);
    if (!token) return this.power();
    const operand = this.nested(token, () => this.unary());
    return token.text === '-' ? (values) => -operand(values) : operand;
  }

  private power(): Node {
    const base = this.atom();
    const token = this.accept(['**']);
    if (!token) return base;
    const exponent = this.nested(token, () => this.unary());
    return operate('**', BINARY.get('**')!, [base, exponent], token, this.source);
  }

  private atom(): Node {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    if (token.kind === 'number') return this.number(token);
    if (token.kind === 'name') return this.name(token);
    if (token.text !== '(') throw this.unexpected(token, "a number, a name or '('");
    return this.nested(token, () => this.closed(this.sum()));
  }

  private number(token: Token): Node {
    const value = Number(token.text);
    if (/^0+[1-9]\d*$/.test(token.text)) {
      throw this.fail(`leading zeros are not allowed in integer ${token.text} (Python refuses them)`, token);
    }
    if (!Number.isFinite(value)) throw this.fail(`number ${token.text} is too large for a float`, token);
    return () => value;
  }

  private name(token: Token): Node {
    const name = token.text;
    const operation = FUNCTIONS.get(name);
    if (operation && this.accept(['('])) return this.nested(token, () => this.call(token, operation));
    if (this.variables.has(name)) return variable(name, token, this.source);
    const constant = CONSTANTS.get(name);
    if (constant !== undefined) return () => constant;
    if (operation) throw this.fail(`${name} is a function: call it as ${name}(...)`, token);
    const allowed = [...this.variables, ...CONSTANTS.keys(), ...[...FUNCTIONS.keys()].map((f) => `${f}()`)];
    throw this.fail(`unknown name ${JSON.stringify(name)}; allowed names: ${allowed.join(', ')}`, token);
  }

  private call(token: Token, operation: Operation): Node {
    const args: Node[] = [];
    // Python allows a trailing comma in a call: max(1, 2,)
    while (this.peek().text !== ')') {
      args.push(this.sum());
      if (!this.accept([','])) break;
    }
    this.closed(undefined);
    const { min, max } = operation;
    if (args.length < min || args.length > max) {
      const count =
        min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} or ${max}`;
      throw this.fail(`${token.text}() takes ${count} argument(s), received ${args.length}`, token);
    }
    return operate(token.text, operation, args, token, this.source);
  }

  /** Consumes the closing ')' and passes `node` through. */
  private closed<T>(node: T): T {
    if (!this.accept([')'])) throw this.unexpected(this.peek(), "')'");
    return node;
  }

  private nested<T>(token: Token, parse: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      throw this.fail(`nesting is deeper than ${MAX_DEPTH} (parentheses, calls, signs, exponents)`, token);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  /** Consumes and returns the next token when it is one of the operators `texts`. */
  private accept(texts: readonly string[]): Token | undefined {
    const token = this.peek();
    if (token.kind !== 'operator' || !texts.includes(token.text)) return undefined;
    this.index++;
    return token;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private unexpected(token: Token, expected: string): ExpressionError {
    return this.fail(
      `unexpected ${token.kind === 'end' ? 'end of input' : `'${token.text}'`}, expected ${expected}`,
      token,
    );
  }

  private fail(message: string, token: Token): ExpressionError {
    return fault(message, this.source, token.position);
  }
}

function isFreeName(name: unknown): boolean {
  return typeof name === 'string' && IDENTIFIER.test(name) && !FUNCTIONS.has(name) && !CONSTANTS.has(name);
}

/**
 * Parses once, returns a closure tree; `variables` are the allowed free names.
 *
 * @example
 * compileExpression('total_steps - 100', ['total_steps', 'epochs']).evaluate({ total_steps: 500, epochs: 5 }); // 400
 */
export function compileExpression(source: string, variables: readonly string[]): CompiledExpression {
  if (typeof source !== 'string') {
    throw fault(`an expression must be a string, received ${describe(source)}`, '', -1);
  }
  if (source.length > MAX_LENGTH) {
    // Only the head of an over-long source is echoed, so the message stays readable.
    const message = `expression is ${source.length} characters long, the limit is ${MAX_LENGTH}`;
    throw fault(message, `${source.slice(0, 40)}…`, -1);
  }
  const bad = Array.isArray(variables) ? variables.find((name) => !isFreeName(name)) : variables;
  if (!Array.isArray(variables) || bad !== undefined) {
    const rule = 'identifiers other than function and constant names';
    throw fault(`variable names must be ${rule}, received ${describe(bad)}`, source, -1);
  }
  const root = new Parser(source, tokenize(source), new Set(variables)).parse();
  return Object.freeze({
    source,
    variables: Object.freeze([...variables]),
    evaluate(values: Values): number {
      if (typeof values === 'object' && values !== null) return root(values);
      throw fault(`evaluate() needs an object of variable values, received ${describe(values)}`, source, -1);
    },
  });
}

/**
 * A callable of one argument for lr_lambda / scale_fn: variables `x` and its alias `epoch`.
 *
 * @example
 * compileLambda('0.95 ** epoch')(2); // 0.9025
 */
export function compileLambda(source: string): (x: number) => number {
  const compiled = compileExpression(source, LAMBDA_VARIABLES);
  return (x) => compiled.evaluate({ x, epoch: x });
}
