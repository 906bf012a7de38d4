import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pyFloorDiv, pyLog, pyMod } from '../../src/lr/python-math.js';

describe('Python arithmetic', () => {
  it('% takes the sign of the divisor', () => {
    expect([pyMod(-7, 3), pyMod(7, -3), pyMod(7, 3), pyMod(-7, -3), pyMod(-0.5, 2)]).toEqual([
      2, -2, 1, -1, 1.5,
    ]);
  });

  it('// floors toward minus infinity', () => {
    expect([pyFloorDiv(-7, 2), pyFloorDiv(7, 2), pyFloorDiv(7.5, 2.5), pyFloorDiv(-1, 3)]).toEqual([
      -4, 3, 3, -1,
    ]);
  });

  it('a // b * b + a % b == a for integers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.boolean(),
        (a, b, neg) => {
          const d = neg ? -b : b;
          expect(pyFloorDiv(a, d) * d + pyMod(a, d)).toBe(a);
        },
      ),
    );
  });

  // Values printed by CPython 3.11 (glibc 2.36): math.log(x) and math.log(x, base).
  it('log matches CPython where V8 is one ulp off', () => {
    expect(pyLog(3)).toBe(1.0986122886681098);
    expect(pyLog(243)).toBe(5.493061443340548);
    expect(pyLog(243, 3)).toBe(4.999999999999999);
    expect(pyLog(8, 2)).toBe(3.0);
    expect(pyLog(1000, 10)).toBe(2.9999999999999996);
    expect(pyLog(763774.6192128394)).toBe(13.54602802359698);
    expect(pyLog(885060.070494601)).toBe(13.693410797951662);
  });
});
