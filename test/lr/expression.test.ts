// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: the table holds CPython's printed values as literals
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ExpressionError } from '../../src/errors.js';
import { compileExpression, compileLambda } from '../../src/lr/expression.js';

/** Runs `action`, asserts it threw an ExpressionError with the stable code, and returns that error. */
function expressionError(action: () => unknown): ExpressionError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe('ERR_EXPRESSION');
    return error as ExpressionError;
  }
  throw new Error('expected an ExpressionError, but nothing was thrown');
}

/**
 * Equal to within 2 units in the last place: V8's Math.* (fdlibm) and glibc's libm, which CPython uses,
 * may round a transcendental function differently in the last bit. Any parse or rule mistake is far larger.
 */
function expectPythonValue(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(expected));
}

describe('values match CPython', () => {
  // [source, x, value]: values from CPython 3.11 `eval(source)` after `from math import *` and `x = <x>`.
  const table: readonly (readonly [string, number, number])[] = [
    ['1 + 2 * 3', 0, 7.0],
    ['(1 + 2) * 3', 0, 9.0],
    ['10 - 4 - 3', 0, 3.0],
    ['2 / 4 / 2', 0, 0.25],
    ['100 // 7 // 2', 0, 7.0],
    ['2 * 3 % 4', 0, 2.0],
    ['7 % 4 * 3', 0, 9.0],
    ['1 + 2 ** 3 * 2', 0, 17.0],
    ['2 ** 3 ** 2', 0, 512.0],
    ['(2 ** 3) ** 2', 0, 64.0],
    ['-2 ** 2', 0, -4.0],
    ['(-2) ** 2', 0, 4.0],
    ['2 ** -1', 0, 0.5],
    ['-2 ** -2', 0, -0.25],
    ['2 ** -x', 3, 0.125],
    ['-x ** 2', 3, -9.0],
    ['- - 3', 0, 3.0],
    ['+-+3', 0, -3.0],
    ['2 * -3', 0, -6.0],
    ['1 - -1', 0, 2.0],
    ['0 ** 0', 0, 1.0],
    ['(-8) ** 3', 0, -512.0],
    ['4 ** 0.5', 0, 2.0],
    ['-7 % 3', 0, 2.0],
    ['7 % -3', 0, -2.0],
    ['-7 % -3', 0, -1.0],
    ['7.5 % 2', 0, 1.5],
    ['-7.5 % 2', 0, 0.5],
    ['1 % 0.1', 0, 0.09999999999999995],
    ['-7 // 2', 0, -4.0],
    ['7 // -2', 0, -4.0],
    ['-7.5 // 2', 0, -4.0],
    ['1 // 0.1', 0, 9.0],
    ['-1 // 3', 0, -1.0],
    ['12', 0, 12.0],
    ['1.5', 0, 1.5],
    ['.5', 0, 0.5],
    ['5.', 0, 5.0],
    ['1e-3', 0, 0.001],
    ['2.5E+4', 0, 25000.0],
    ['1.e2', 0, 100.0],
    ['00', 0, 0.0],
    [' \t1 +\n 2 ', 0, 3.0],
    ['pi', 0, 3.141592653589793],
    ['e', 0, 2.718281828459045],
    ['2 * pi * x', 0.25, 1.5707963267948966],
    ['cos(pi)', 0, -1.0],
    ['sin(pi / 6)', 0, 0.49999999999999994],
    ['tan(1)', 0, 1.5574077246549023],
    ['exp(1)', 0, 2.718281828459045],
    ['log(e)', 0, 1.0],
    ['log(8, 2)', 0, 3.0],
    ['log(1000, 10)', 0, 2.9999999999999996],
    ['floor(log(1000, 10))', 0, 2.0],
    ['log(0.5, 4)', 0, -0.5],
    ['sqrt(2)', 0, 1.4142135623730951],
    ['abs(-3.5)', 0, 3.5],
    ['floor(-2.5)', 0, -3.0],
    ['ceil(-2.5)', 0, -2.0],
    ['min(3, 1, 2)', 0, 1.0],
    ['max(-1, -5)', 0, -1.0],
    ['max(1, 2,)', 0, 2.0],
    ['pow(2, 10)', 0, 1024.0],
    ['pow(2, 0.5)', 0, 1.4142135623730951],
    ['pow(-8, 3)', 0, -512.0],
    ['sqrt(abs(min(-16, 4)))', 0, 4.0],
    ['exp(log(max(2, 3)))', 0, 3.0000000000000004],
    ['cos(sin(x) ** 2) + 1', 0.7, 1.915109696545256],
    ['0.95 ** x', 3, 0.8573749999999999],
    ['1 / (2.0 ** (x - 1))', 3, 0.25],
    ['0.5 * (1 + cos(pi * x / 10))', 4, 0.6545084971874737],
    ['1e308 * 0.5', 0, 5e307],
    ['10 ** -400', 0, 0.0],
  ];

  test.each(table)('%s with x = %d gives %d', (source, x, value) => {
    expectPythonValue(compileExpression(source, ['x']).evaluate({ x }), value);
  });

  // [source, epoch, value]: CPython 3.11 `eval(source)` with `from math import *` and `x = epoch = <epoch>`.
  const lambdas: readonly (readonly [string, number, number])[] = [
    ['0.95 ** epoch', 3, 0.8573749999999999],
    ['1 / (2.0 ** (epoch - 1))', 3, 0.25],
    ['epoch - x', 7, 0.0],
    ['0.5 ** (epoch // 2)', 5, 0.25],
  ];

  test.each(lambdas)('compileLambda(%s) at %d gives %d, with epoch an alias of x', (source, epoch, value) => {
    expectPythonValue(compileLambda(source)(epoch), value);
  });
});

describe('compiled expressions', () => {
  test('keep their source and allowed variables, and evaluate again with new values', () => {
    const compiled = compileExpression('total_steps - 100', ['steps_per_epoch', 'total_steps', 'epochs']);
    expect(compiled.source).toBe('total_steps - 100');
    expect(compiled.variables).toEqual(['steps_per_epoch', 'total_steps', 'epochs']);
    expect(compiled.evaluate({ total_steps: 1000 })).toBe(900);
    expect(compiled.evaluate({ total_steps: 250, epochs: 3 })).toBe(150);
  });

  test('a lambda is a plain function of one number', () => {
    const scale = compileLambda('1 / (2.0 ** (x - 1))');
    expect([1, 2, 3, 4].map(scale)).toEqual([1, 0.5, 0.25, 0.125]);
  });

  test('a chain of 500 additions (at the length limit) evaluates without a stack overflow', () => {
    const source = `${'1+'.repeat(499)}1 `;
    expect(source.length).toBe(1000);
    expect(compileExpression(source, []).evaluate({})).toBe(500);
  });

  test('nesting of exactly 64 levels is accepted', () => {
    expect(compileExpression(`${'('.repeat(64)}1${')'.repeat(64)}`, []).evaluate({})).toBe(1);
    expect(compileExpression(`${'-'.repeat(64)}1`, []).evaluate({})).toBe(1);
  });
});

describe('refused sources', () => {
  // [source, position of the fault]
  const syntax: readonly (readonly [string, number])[] = [
    ['foo + 1', 0],
    ['x + y', 4],
    ['__proto__', 0],
    ['constructor', 0],
    ['toString()', 0],
    ['hasOwnProperty', 0],
    ['process', 0],
    ['eval(1)', 0],
    ['lambda', 0],
    ['1; 2', 1],
    ['1, 2', 1],
    ['[1]', 0],
    ["'1'", 0],
    ['"1"', 0],
    ['x = 1', 2],
    ['1 == 1', 2],
    ['2 ^ 3', 2],
    ['1 $ 2', 2],
    ['.', 0],
    ['1 + .', 4],
    ['x.real', 1],
    ['1_000', 1],
    ['1 2', 2],
    ['(1))', 3],
    ['', 0],
    ['   ', 3],
    ['(1 + 2', 6],
    ['1 +', 3],
    ['()', 1],
    ['** 2', 0],
    ['2 ** ** 2', 5],
    ['2 +* 3', 3],
    ['cos', 0],
    ['cos + 1', 0],
    ['x(2)', 1],
    ['pi(2)', 2],
    ['max(,)', 4],
    ['max(1,,2)', 6],
    ['max(1 2)', 6],
    ['log(1, 2, 3)', 0],
    ['2 * min(1)', 4],
    ['max()', 0],
    ['pow(2)', 0],
    ['sqrt()', 0],
    ['cos(1, 2)', 0],
    ['007', 0],
    ['1e999', 0],
    ['é', 0],
    ['1 + 2\u00a0', 5],
    [`${'('.repeat(65)}1${')'.repeat(65)}`, 64],
    [`${'-'.repeat(65)}1`, 64],
    [`${'2**'.repeat(65)}2`, 3 * 64 + 1],
    [`${'abs('.repeat(65)}1${')'.repeat(65)}`, 4 * 64],
  ];

  test.each(syntax)('%j is refused at compile time, at position %d', (source, position) => {
    expect(expressionError(() => compileExpression(source, ['x'])).position).toBe(position);
  });

  test('a source over 1,000 characters is refused without a position', () => {
    expect(expressionError(() => compileExpression(`${'1+'.repeat(500)}1`, [])).position).toBe(-1);
    expect(expressionError(() => compileExpression('('.repeat(100_000), [])).position).toBe(-1);
  });

  test('an unknown name lists the allowed names', () => {
    const error = expressionError(() =>
      compileExpression('totl_steps - 1', ['steps_per_epoch', 'total_steps']),
    );
    expect(error.position).toBe(0);
    expect(error.message).toContain('totl_steps');
    for (const name of ['steps_per_epoch', 'total_steps', 'pi', 'e', 'log', 'sqrt'])
      expect(error.message).toContain(name);
  });

  test('a wrong argument count names the function and the count expected', () => {
    expect(expressionError(() => compileExpression('log(1, 2, 3)', [])).message).toMatch(/log\(\).*1 or 2/);
    expect(expressionError(() => compileExpression('pow(2)', [])).message).toMatch(/pow\(\).*2/);
  });

  test('a variables argument that is not an array is refused', () => {
    expect(expressionError(() => compileExpression('1', undefined as unknown as string[])).position).toBe(-1);
  });

  test.each([['pi'], ['cos'], ['a b'], ['1x'], [''], ['__proto__ ']])(
    'variable name %j is refused, since it is not a free identifier',
    (name) => {
      expect(expressionError(() => compileExpression('1', [name])).position).toBe(-1);
    },
  );
});

describe('math faults at evaluate time', () => {
  // [source, x, position of the operator or function at fault]
  const faults: readonly (readonly [string, number, number])[] = [
    ['1 / 0', 0, 2],
    ['1 / (x - x)', 5, 2],
    ['1 // 0', 0, 2],
    ['5 % 0', 0, 2],
    ['5.5 % (x - 1)', 1, 4],
    ['1 + 1 / 0', 0, 6],
    ['sqrt(-1)', 0, 0],
    ['sqrt(x)', -4, 0],
    ['log(0)', 0, 0],
    ['log(-2)', 0, 0],
    ['log(8, 1)', 0, 0],
    ['log(8, 0)', 0, 0],
    ['log(8, -2)', 0, 0],
    ['(-8) ** (1/3)', 0, 5],
    ['(-x) ** 0.5', 2, 5],
    ['pow(-8, 1/3)', 0, 0],
    ['0 ** -1', 0, 2],
    ['pow(0, -1)', 0, 0],
    ['exp(1000)', 0, 0],
    ['2 * exp(x)', 800, 4],
    ['10.0 ** 400', 0, 5],
    ['1e308 * 10', 0, 6],
  ];

  test.each(faults)('%s with x = %d is refused at position %d', (source, x, position) => {
    const compiled = compileExpression(source, ['x']);
    expect(expressionError(() => compiled.evaluate({ x })).position).toBe(position);
  });

  test('a missing, non-finite, non-number or inherited variable value is refused, naming the variable', () => {
    const compiled = compileExpression('100 - total_steps', ['total_steps', 'epochs']);
    const refused: unknown[] = [
      { epochs: 3 },
      { total_steps: Number.NaN },
      { total_steps: Number.POSITIVE_INFINITY },
      { total_steps: '5' },
      Object.create({ total_steps: 5 }),
    ];
    for (const values of refused as Record<string, number>[]) {
      const error = expressionError(() => compiled.evaluate(values));
      expect(error.position).toBe(6);
      expect(error.message).toContain('total_steps');
    }
  });

  test('a lambda called with NaN is refused', () => {
    expect(expressionError(() => compileLambda('0.95 ** epoch')(Number.NaN)).position).toBe(8);
  });
});

type Ast =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'group' | 'negate'; readonly operand: Ast }
  | { readonly kind: '+' | '-' | '*' | '**'; readonly left: Ast; readonly right: Ast };

const PRECEDENCE = { '+': 1, '-': 1, '*': 2, negate: 3, '**': 4, number: 5, group: 5 } as const;

/** Prints with only the parentheses Python's precedence needs (plus the explicit `group` nodes). */
function print(ast: Ast): string {
  const wrap = (node: Ast, least: number) =>
    PRECEDENCE[node.kind] >= least ? print(node) : `(${print(node)})`;
  switch (ast.kind) {
    case 'number':
      return String(ast.value);
    case 'group':
      return `(${print(ast.operand)})`;
    case 'negate':
      return `-${wrap(ast.operand, PRECEDENCE.negate)}`;
    case '**':
      return `${wrap(ast.left, PRECEDENCE.number)} ** ${wrap(ast.right, PRECEDENCE.negate)}`;
    default:
      return `${wrap(ast.left, PRECEDENCE[ast.kind])} ${ast.kind} ${wrap(ast.right, PRECEDENCE[ast.kind] + 1)}`;
  }
}

/** The value Python gives, or undefined where Python raises (0 to a negative power, complex result, overflow). */
function reference(ast: Ast): number | undefined {
  if (ast.kind === 'number') return ast.value;
  if ('operand' in ast) {
    const value = reference(ast.operand);
    return value === undefined || ast.kind === 'group' ? value : -value;
  }
  const left = reference(ast.left);
  const right = reference(ast.right);
  if (left === undefined || right === undefined) return undefined;
  if (ast.kind === '**' && ((left === 0 && right < 0) || (left < 0 && !Number.isInteger(right))))
    return undefined;
  const value = { '+': left + right, '-': left - right, '*': left * right, '**': left ** right }[ast.kind];
  return Number.isFinite(value) ? value : undefined;
}

const numberAst = (max: number) =>
  fc.integer({ min: 0, max }).map((value): Ast => ({ kind: 'number', value }));

const astArbitrary = fc.letrec<{ ast: Ast; power: Ast }>((tie) => ({
  // Powers stay over small operands so most cases stay finite; overflow is still reached and must be refused.
  power: fc.oneof(
    { maxDepth: 2 },
    numberAst(3),
    fc.record({ kind: fc.constant('negate' as const), operand: tie('power') }),
    fc.record({ kind: fc.constant('**' as const), left: tie('power'), right: tie('power') }),
  ),
  ast: fc.oneof(
    { maxDepth: 6, depthSize: 'medium' },
    numberAst(9),
    tie('power'),
    fc.record({ kind: fc.constantFrom('group' as const, 'negate' as const), operand: tie('ast') }),
    fc.record({
      kind: fc.constantFrom('+' as const, '-' as const, '*' as const),
      left: tie('ast'),
      right: tie('ast'),
    }),
  ),
})).ast;

describe('properties', () => {
  test('a printed random expression parses back to the value of its tree', () => {
    fc.assert(
      fc.property(astArbitrary, (ast) => {
        const source = print(ast);
        fc.pre(source.length <= 1000);
        const expected = reference(ast);
        const compiled = compileExpression(source, []);
        if (expected === undefined) expressionError(() => compiled.evaluate({}));
        else expect(compiled.evaluate({})).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  const fragments = [
    ...'0123456789.eE+-*/%(),x _;[]\'"=$\t',
    '**',
    '//',
    'pi',
    'cos(',
    'log(',
    'max(',
    'epoch',
  ];
  const sources = fc.oneof(
    fc.string({ unit: fc.constantFrom(...fragments), maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );

  test('any string either evaluates to a finite number or throws ExpressionError', () => {
    fc.assert(
      fc.property(sources, (source) => {
        try {
          expect(Number.isFinite(compileLambda(source)(1.5))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
