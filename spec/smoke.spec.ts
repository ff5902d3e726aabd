import { expect } from 'chai';
import { grad, mul, sin } from '../lib/index.js';

describe('smoke', () => {
  it('differentiates x·sin(y)', () => {
    const g = grad((x) => mul(x[0]!, sin(x[1]!)), [2, 0.5]);
    expect(g[0]).to.be.closeTo(Math.sin(0.5), 1e-15);
    expect(g[1]).to.be.closeTo(2 * Math.cos(0.5), 1e-15);
  });
});
