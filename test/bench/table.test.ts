import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/bench/table.js';

describe('formatTable', () => {
  it('pads every column to its widest cell, aligns as asked and rules off the header', () => {
    const lines = formatTable(
      ['case', 'ms'],
      [
        ['N=2 P=1e3', '0.41'],
        ['N=8 P=1e7', '1432.3'],
      ],
      ['left', 'right'],
    );
    expect(lines).toEqual([
      'case           ms',
      '---------  ------',
      'N=2 P=1e3    0.41',
      'N=8 P=1e7  1432.3',
    ]);
  });
});
