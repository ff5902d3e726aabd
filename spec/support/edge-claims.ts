/**
 * The claims of docs/conventions.md, as data: what every mode of the library
 * returns at the edges of the ops' domains, at their non-smooth points, on
 * overflow, and where a 0·∞ meets the chain rule (a structural zero wins; a
 * computed 0·∞ is NaN). The doc's
 * tables are rendered from this list (`claimTables`), and
 * spec/conventions-doc.spec.ts checks every claim in every mode (`readModes`).
 */
import {
  Dual, HyperDual, Taylor2, abs, add, atan2, cbrt, div, exp, grad, hessian, hessianDiagonal, hvp, hypot, jvp, laplacian, log, log1p, logsumexp, max,
  min, mul, neg, pow, prepare, relu, sigmoid, cos, slice, softplus, sqrt, sub, tanh, tensor, valueAndGrad, directional, hyperdual, asin, acos, acosh, atanh,
  expm1, sum, lgamma, digamma, log1mexp, logaddexp, xlogy, erfc, type Num, type Tensor,
} from '../../lib/index.js';

/** A quantity one mode computes: f, the first and second derivatives along the claim's direction d, ∇f, H·d, H, diag H, tr H. */
export type Quantity = 'value' | 'first' | 'second' | 'grad' | 'hvp' | 'hessian' | 'diag' | 'laplacian';

export type Expect = number | readonly number[] | readonly (readonly number[])[];

/** The modes, grouped as the doc names them. */
export const MODES = [
  'number', 'Dual', 'Taylor2', 'HyperDual', 'jvp', 'directional', 'hyperdual', 'jet', 'tape', 'tape (lanes 1)', 'prepared',
  'prepared, moved here', 'tensor',
] as const;
export type Mode = (typeof MODES)[number];

export interface Claim {
  /** anchor in docs/conventions.md */
  readonly id: string;
  /** section of the doc */
  readonly section: 'edge' | 'kink' | 'overflow' | 'chain';
  /** f as the doc prints it */
  readonly expr: string;
  readonly f: (x: Num[]) => Num;
  readonly x: readonly number[];
  /** the direction d of first/second/hvp (default all ones) */
  readonly d?: readonly number[];
  /** where 'prepared, moved here' records before .at(x) */
  readonly from: readonly number[];
  /** what every mode returns, unless `modes` says otherwise */
  readonly want: Partial<Record<Quantity, Expect>>;
  /** modes that return something else */
  readonly modes?: Partial<Record<Mode, Partial<Record<Quantity, Expect>>>>;
  /** the mathematical answer, where it differs from `want` (shown in the doc) */
  readonly math?: string;
  /** why: the convention, or where the 0·∞ happens */
  readonly why: string;
  /** a result that differs from the mathematical derivative (which is defined) because of how an internal 0·∞ is resolved */
  readonly internal?: boolean;
}

const N = NaN, I = Infinity;
const u = (g: (x: Num) => Num) => (x: Num[]) => g(x[0]!);

/** Claims for a one-variable op at an edge: value, f′, f″ (every quantity follows). */
function unary(id: string, section: Claim['section'], expr: string, g: (x: Num) => Num, x: number, from: number, v: number, d1: number, d2: number, why: string, extra: Partial<Claim> = {}): Claim {
  return {
    id, section, expr, f: u(g), x: [x], from: [from],
    want: { value: v, first: d1, second: d2, grad: [d1], hvp: [d2], hessian: [[d2]], diag: [d2], laplacian: d2 },
    why, ...extra,
  };
}

export const CLAIMS: readonly Claim[] = [
  // ---- domain edges (the rules' one-sided limits)
  unary('sqrt-0', 'edge', 'sqrt(x) at x = 0', sqrt, 0, 1, 0, I, -I,
    "the rule's one-sided limits f′ = +∞, f″ = −∞, in every mode: the input's second coefficient ẍ is a structural zero (x + t·d is linear in t), so f′·ẍ = 0 and f″·ẋ² = −∞ shows. Two-sided, f′ and f″ do not exist at 0; the one-sided limits are the convention"),
  unary('sqrt-neg', 'edge', 'sqrt(x) at x = −1', sqrt, -1, 1, N, N, N, 'outside the domain: NaN value, every derivative NaN (the global rule of lib/rules/index.ts)'),
  unary('cbrt-0', 'edge', 'cbrt(x) at x = 0', cbrt, 0, 1, 0, I, -I, 'the limits from the right: f′ = +∞, f″ = −∞ (as for sqrt)'),
  unary('log-0', 'edge', 'log(x) at x = 0', log, 0, 1, -I, I, -I, 'log 0 = −∞, f′ = +∞, f″ = −∞ (limits from the right)'),
  unary('log-neg', 'edge', 'log(x) at x = −1', log, -1, 1, N, N, N, 'outside the domain'),
  unary('log1p-neg1', 'edge', 'log1p(x) at x = −1', log1p, -1, 1, -I, I, -I, 'as log at 0'),
  unary('asin-1', 'edge', 'asin(x) at x = 1', asin, 1, 0.5, Math.PI / 2, I, I, 'f′ = +∞ at ±1; f″ = x/(1 − x²)^{3/2} → +∞ (limits from inside the domain)'),
  unary('acos-1', 'edge', 'acos(x) at x = 1', acos, 1, 0.5, 0, -I, -I, 'f′ = −∞ at ±1, f″ → −∞ (−asin)'),
  unary('asin-out', 'edge', 'asin(x) at x = 1.5', asin, 1.5, 0.5, N, N, N, 'outside the domain'),
  unary('acosh-1', 'edge', 'acosh(x) at x = 1', acosh, 1, 2, 0, I, -I, 'f′ = +∞ and f″ → −∞ at 1 (limits from the right)'),
  unary('atanh-1', 'edge', 'atanh(x) at x = 1', atanh, 1, 0.5, I, I, I, 'atanh(±1) = ±∞, f′ = +∞, f″ = 2x/(1 − x²)² → +∞'),
  unary('powc-half-neg', 'edge', 'pow(x, 0.5) at x = −2', (x) => pow(x, 0.5), -2, 1, N, N, N, 'a negative base with a non-integer exponent: NaN, every derivative NaN'),
  unary('powc-int-neg', 'edge', 'pow(x, 3) at x = −2', (x) => pow(x, 3), -2, 1, -8, 12, -12, 'an integer exponent is smooth at a negative base'),
  unary('powc-2-0', 'edge', 'pow(x, 2) at x = 0', (x) => pow(x, 2), 0, 1, 0, 0, 2, 'a zero coefficient gives an exact 0 (x² has f‴ = 0 at 0, not 0·∞)'),
  unary('powc-neg1-0', 'edge', 'pow(x, −1) at x = 0', (x) => pow(x, -1), 0, 1, I, -I, I, '1/0 = +∞, f′ = −∞, f″ = 2/x³ → +∞ (IEEE: the limits from the right, as 1/+0)'),
  unary('powc-1.5-0', 'edge', 'pow(x, 1.5) at x = 0', (x) => pow(x, 1.5), 0, 1, 0, 0, I,
    'f′(0) = 0 and f″ = +∞ (the limit from the right); in jets (nested transforms) the ε coefficient of δ² is a structural zero, so f″·δ² adds nothing to the first derivative: 0'),
  unary('powc-2.5-0', 'edge', 'pow(x, 2.5) at x = 0', (x) => pow(x, 2.5), 0, 1, 0, 0, 0,
    'f′(0) = f″(0) = 0; only f‴ = +∞, and it meets only structural zeros (the coefficients of δ³ below third order, jets included): exact zeros'),
  {
    id: 'pow-negbase', section: 'edge', expr: 'pow(a, b) at (a, b) = (−2, 2), both traced', f: (x) => pow(x[0]!, x[1]!), x: [-2, 2], d: [1, 0], from: [-1.5, 2],
    want: { value: 4, first: -4, second: 2, grad: [-4, N], hvp: [2, N], hessian: [[2, N], [N, N]], diag: [2, N], laplacian: N },
    why: "∂f/∂a = −4 and ∂²f/∂a² = 2 are defined; ∂f/∂b = a^b ln a is not (ln of a negative base), so every entry that involves b is NaN, and tr H with it. Along d = (1, 0) the unseeded b is a structural zero and contributes 0, also against the NaN partial: first −4, second 2",
  },
  {
    id: 'pow-zerobase', section: 'edge', expr: 'pow(a, b) at (0, 2), both traced', f: (x) => pow(x[0]!, x[1]!), x: [0, 2], from: [0.5, 2],
    want: { value: 0, first: 0, second: 2, grad: [0, 0], hvp: [2, 0], hessian: [[2, 0], [0, 0]], diag: [2, 0], laplacian: 2 },
    why: 'the ln a terms are taken at their limit 0 when a = 0 (a^b ln a → 0 for b > 0)',
  },
  {
    id: 'div-0', section: 'edge', expr: 'div(a, b) at (1, 0)', f: (x) => div(x[0]!, x[1]!), x: [1, 0], d: [1, 0], from: [1, 1],
    want: { value: I, first: I, second: 0, grad: [I, -I], hvp: [0, -I], hessian: [[0, -I], [-I, I]], diag: [0, I], laplacian: I },
    why: 'IEEE: 1/0 = +∞, and the partials are the limits as b → +0: ∂/∂a = 1/b = +∞, ∂/∂b = −a/b² = −∞, ∂²/∂a² = 0 (a/b is linear in a), ∂²/∂a∂b = −1/b² = −∞, ∂²/∂b² = 2a/b³ = +∞. Along d = (1, 0) the unseeded b is a structural zero and contributes 0',
  },
  {
    id: 'div-00', section: 'edge', expr: 'div(a, b) at (0, 0)', f: (x) => div(x[0]!, x[1]!), x: [0, 0], from: [1, 1],
    want: { value: N, first: N, second: N, grad: [N, N], hvp: [N, N], hessian: [[N, N], [N, N]], diag: [N, N], laplacian: N },
    why: '0/0 = NaN: NaN value, every derivative NaN',
  },
  {
    id: 'atan2-origin', section: 'edge', expr: 'atan2(a, b) at (0, 0)', f: (x) => atan2(x[0]!, x[1]!), x: [0, 0], from: [1, 1],
    want: { value: 0, first: N, second: N, grad: [N, N], hvp: [N, N], hessian: [[N, N], [N, N]], diag: [N, N], laplacian: N },
    why: 'the angle has no limit at the origin: value 0 (Math.atan2), every derivative NaN',
  },
  {
    id: 'hypot-origin', section: 'edge', expr: 'hypot(a, b) at (0, 0)', f: (x) => hypot(x[0]!, x[1]!), x: [0, 0], from: [1, 1],
    want: { value: 0, first: 0, second: 0, grad: [0, 0], hvp: [0, 0], hessian: [[0, 0], [0, 0]], diag: [0, 0], laplacian: 0 },
    why: 'every derivative 0 at the origin, as abs′(0) = 0 (hypot(x, 0) = |x|)',
  },
  unary('lgamma-pole', 'edge', 'lgamma(x) at x = 0', lgamma, 0, 0.5, I, N, N,
    'a pole of Γ: lgamma = +∞ (as PyTorch), and NaN derivatives: ψ = lgamma′ tends to −∞ from the right and +∞ from the left'),
  unary('digamma-pole', 'edge', 'digamma(x) at x = −1', digamma, -1, -0.5, N, N, N, 'a pole: ψ tends to ±∞ from the two sides, so NaN and NaN derivatives'),
  unary('log1mexp-0', 'edge', 'log1mexp(x) at x = 0', log1mexp, 0, -1, -I, -I, -I,
    'log(1 − e⁰) = −∞; f′ = −1/(e^−x − 1) and f″ = −q(1 + q) (q = 1/(e^−x − 1)) tend to −∞ from the left'),
  {
    id: 'xlogy-00', section: 'edge', expr: 'xlogy(a, b) at (0, 0)', f: (x) => xlogy(x[0]!, x[1]!), x: [0, 0], from: [1, 1],
    want: { value: 0, first: -I, second: I, grad: [-I, 0], hvp: [I, I], hessian: [[0, I], [I, 0]], diag: [0, 0], laplacian: 0 },
    why: 'xlogy(0, b) = 0 for every b, so ∂/∂b = a/b and ∂²/∂b² are exactly 0 at a = 0 (no 0/0); ∂/∂a = log b = −∞ and ∂²/∂a∂b = 1/b = +∞ at b = 0, the limits from the right (PyTorch sets ∂/∂a to 0 there)',
  },

  // ---- kinks
  unary('abs-0', 'kink', 'abs(x) at x = 0', abs, 0, 1, 0, 0, 0, "abs′(0) = 0 (the subgradient's midpoint, as in JAX and PyTorch); abs″ = 0"),
  unary('abs-neg0', 'kink', 'abs(x) at x = −0', abs, -0, 1, 0, 0, 0, 'as at +0'),
  unary('relu-0', 'kink', 'relu(x) at x = 0', relu, 0, 1, 0, 0, 0, 'relu′(0) = 0; relu″ = 0'),
  {
    id: 'max-tie', section: 'kink', expr: 'max(a, b) at a = b = 1', f: (x) => max(x[0]!, x[1]!), x: [1, 1], from: [2, 1],
    want: { value: 1, first: 1, second: 0, grad: [1, 0], hvp: [0, 0], hessian: [[0, 0], [0, 0]], diag: [0, 0], laplacian: 0 },
    why: 'a tie sends the derivative to the first argument',
  },
  {
    id: 'min-tie', section: 'kink', expr: 'min(b, a) at a = b = 1', f: (x) => min(x[1]!, x[0]!), x: [1, 1], from: [1, 2],
    want: { value: 1, first: 1, second: 0, grad: [0, 1], hvp: [0, 0], hessian: [[0, 0], [0, 0]], diag: [0, 0], laplacian: 0 },
    why: 'a tie sends the derivative to the first argument (here b = x₁)',
  },
  unary('relu-nan', 'kink', 'relu(log(x)) at x = −1', (x) => relu(log(x)), -1, 1, N, N, N, 'NaN in gives NaN out (relu, max and min do not turn NaN into 0)'),
  {
    id: 'max-nan', section: 'kink', expr: 'max(log(a), b) at (−1, 1)', f: (x) => max(log(x[0]!), x[1]!), x: [-1, 1], from: [1, 1],
    want: { value: N, first: N, second: N, grad: [N, N], hvp: [N, N], hessian: [[N, N], [N, N]], diag: [N, N], laplacian: N },
    why: 'NaN in either argument: NaN value, every derivative NaN',
  },

  // ---- overflow and underflow
  unary('exp-overflow', 'overflow', 'exp(x) at x = 800', exp, 800, 1, I, I, I, 'exp overflows past x ≈ 709.78: value, f′ and f″ = +∞'),
  unary('exp-underflow', 'overflow', 'exp(x) at x = −800', exp, -800, 1, 0, 0, 0, 'underflows to exact zeros'),
  unary('expm1-overflow', 'overflow', 'expm1(x) at x = 800', expm1, 800, 1, I, I, I, 'as exp'),
  unary('logexp-overflow', 'overflow', 'log(exp(x)) at x = 800', (x) => log(exp(x)), 800, 1, I, N, N,
    "exp overflows to ∞, and an op at an infinite argument has no derivative to trust: log′(∞) is NaN, not the limit 0, so f′ is NaN rather than a silently wrong 0. Write such compositions with softplus, sigmoid, logsumexp, logSoftmax",
    { math: 'value 800, f′ = 1, f″ = 0', internal: true }),
  unary('logexp-underflow', 'overflow', 'log(exp(x)) at x = −800', (x) => log(exp(x)), -800, 1, -I, N, N,
    'exp underflows to 0 with exp′ = 0, a computed zero (exp(x) depends on x), and it meets log′(0) = +∞: 0·∞ = NaN, as in PyTorch. Not a silently wrong 0; use the stable forms (softplus, logsumexp, logSoftmax)',
    { math: 'value −800, f′ = 1, f″ = 0', internal: true }),
  {
    id: 'ackley-underflow', section: 'overflow', expr: 'ackley(x) = −20·exp(−0.2·√(mean xᵢ²)) − exp(mean cos 2πxᵢ) + 20 + e at (10⁻¹⁷⁰, 10⁻¹⁷⁰)',
    f: (x) => {
      const n = x.length, s2 = div(sum(x.map((v) => mul(v, v))), n), sc = div(sum(x.map((v) => cos(mul(2 * Math.PI, v)))), n);
      return add(add(mul(-20, exp(mul(-0.2, sqrt(s2)))), neg(exp(sc))), 20 + Math.E);
    },
    x: [1e-170, 1e-170], from: [0.5, 0.5],
    want: { value: 0, first: I, second: N, grad: [I, I], hvp: [N, N], hessian: [[N, -I], [-I, N]], diag: [N, N], laplacian: N },
    math: '∇f = (2√2, 2√2)·(1 − O(10⁻¹⁷⁰)) (the cone √(mean x²) at its tip), H entries of order 10¹⁷⁰', internal: true,
    why: "xᵢ² underflows to 0, so sqrt sees mean xᵢ² = 0, where sqrt′ = +∞, against the tiny but non-zero (xᵢ²)′: ∇f = +∞. The square of that tangent underflows as well, a computed 0 against sqrt″(0) = −∞: NaN on the diagonal in every method (the 'hyperdual' diagonal gave +∞ and the 'hvp' one NaN while a zero factor won). Off the diagonal the reverse sweep multiplies the tiny factors one at a time and gets −∞, where hyperdual(f, x, e₀, e₁) forms their underflowed product and gets NaN",
  },
  unary('sigmoid-800', 'overflow', 'sigmoid(x) + sigmoid(−x) at x = 800', (x) => add(sigmoid(x), sigmoid(neg(x))), 800, 1, 1, 0, 0, 'stable for any x: σ(800) = 1 and σ(−800) = 0 exactly, derivatives 0 (no overflow)'),
  unary('softplus-800', 'overflow', 'softplus(x) at x = 800', softplus, 800, 1, 800, 1, 0, 'stable: softplus(800) = 800, derivatives σ(800) = 1 and 0'),
  unary('softplus-m800', 'overflow', 'softplus(x) at x = −800', softplus, -800, 1, 0, 0, 0, 'softplus(−800) = 0, derivatives 0'),
  unary('tanh-800', 'overflow', 'tanh(x) at x = 800', tanh, 800, 1, 1, 0, 0, 'saturates to ±1 with exact zero derivatives'),
  unary('log1mexp-m800', 'overflow', 'log1mexp(x) at x = −800', log1mexp, -800, -1, 0, 0, 0, 'log1p(−e^−800) = 0, derivatives −1/(e^800 − 1) = 0 (no overflow to NaN)'),
  unary('erfc-10', 'overflow', 'erfc(x) at x = 10', erfc, 10, 1, 2.088487583762545e-45, -1.1283791670955126 * Math.exp(-100), 20 * 1.1283791670955126 * Math.exp(-100),
    'erfc keeps its relative accuracy in the tail (erfc(10) ≈ 2.09e-45, not 1 − erf(10) = 0); f′ = −(2/√π)e^(−x²), f″ = 2x(2/√π)e^(−x²)'),
  {
    id: 'logaddexp-800', section: 'overflow', expr: 'logaddexp(a, b) at (800, 800)', f: (x) => logaddexp(x[0]!, x[1]!), x: [800, 800], from: [800.5, 799.5],
    want: { value: 800 + Math.LN2, first: 1, second: 0, grad: [0.5, 0.5], hvp: [0, 0], hessian: [[0.25, -0.25], [-0.25, 0.25]], diag: [0.25, 0.25], laplacian: 0.5 },
    why: 'stable for any a, b: max(a, b) + log1p(e^−|a−b|); the partials σ(a − b), σ(b − a) and ±σ(a − b)σ(b − a)',
  },
  {
    id: 'lse-800', section: 'overflow', expr: 'logsumexp([a, b]) at (800, 800)', f: (x) => logsumexp([x[0]!, x[1]!]), x: [800, 800], from: [800.5, 799.5],
    want: { value: 800 + Math.LN2, first: 1, second: 0, grad: [0.5, 0.5], hvp: [0, 0], hessian: [[0.25, -0.25], [-0.25, 0.25]], diag: [0.25, 0.25], laplacian: 0.5 },
    why: 'stable for any inputs: m + log Σ exp(xᵢ − m) with m the largest entry',
  },
  {
    id: 'lse-empty', section: 'overflow', expr: 'logsumexp([]) (no entries), and sum([])', f: () => add(logsumexp([]), sum([])), x: [1], from: [2],
    want: { value: -I, first: 0, second: 0, grad: [0], hvp: [0], hessian: [[0]], diag: [0], laplacian: 0 },
    why: 'log 0 = −∞ and the empty sum 0: constants of x',
  },

  // ---- the chain rule: 0·∞ inside a composition
  unary('max-sqrt', 'chain', 'max(sqrt(x), 1) at x = 0', (x) => max(sqrt(x), 1), 0, 1, 1, N, N,
    "max's zero partial toward sqrt(x) is computed (max(u, 1) does depend on u), and it meets sqrt′(0) = +∞: 0·∞ = NaN, as in PyTorch and JAX. Keep an infinite derivative out of a branch that is not taken: max(sqrt(max(x, ε)), 1)",
    { math: 'f′ = f″ = 0 (f ≡ 1 near 0)', internal: true }),
  unary('relu-sqrt', 'chain', 'relu(sqrt(x) − 1) at x = 0', (x) => relu(sub(sqrt(x), 1)), 0, 1, 0, N, N,
    "relu′ = 0 on the negative side is a computed zero, and it meets sqrt′(0) = ∞: NaN (as max-sqrt)",
    { math: 'f′ = f″ = 0 (f ≡ 0 near 0)', internal: true }),
  unary('zero-times-sqrt', 'chain', 'mul(0, sqrt(x)) at x = 0', (x) => mul(0, sqrt(x)), 0, 1, 0, 0, 0,
    'a structural zero: 0·u with the number 0 does not depend on u (its ∂/∂u vanishes identically), so it wins against sqrt′(0) = +∞ and sqrt″(0) = −∞'),
  unary('sqrt-square', 'chain', 'sqrt(mul(x, x)) at x = 0', (x) => sqrt(mul(x, x)), 0, 1, 0, N, N,
    "f = |x|, which has no derivative at 0. (x²)′ = 2x = 0 is a computed zero and meets sqrt′(0) = +∞: 0·∞ = NaN, and f″ = sqrt′(0)·2 + sqrt″(0)·0 is NaN too (PyTorch agrees). Use abs or hypot for a stated convention",
    { math: 'undefined (|x|)' }),
  {
    id: 'sqrt-norm4', section: 'chain', expr: 'sqrt(Σᵢⱼ (xᵢxⱼ)²) at (0, 0)',
    f: (x) => sqrt(sum(x.flatMap((a) => x.map((b) => { const p = mul(a, b); return mul(p, p); })))), x: [0, 0], from: [1, 2],
    want: { value: 0, first: N, second: N, grad: [N, N], hvp: [N, N], hessian: [[N, N], [N, N]], diag: [N, N], laplacian: N },
    math: 'f = |x|², ∇f = 0, H = 2I', internal: true,
    why: "the inner sum's derivatives of first and second order are computed zeros at 0 (it is quartic there) and meet sqrt′(0) = +∞ and sqrt″(0) = −∞: NaN everywhere, as in PyTorch. A zero factor winning here gave H = 0 (issue 17), a finite wrong number",
  },
  unary('sqrt-cube', 'chain', 'sqrt(x·x·x) at x = 0', (x) => sqrt(mul(x, mul(x, x))), 0, 1, 0, N, N,
    "(x³)′ = (x³)″ = 0 at 0 are computed zeros and meet sqrt′(0) = +∞: NaN, as in PyTorch. A zero factor winning here gave f″ = 0 where the truth is +∞ (issue 17). pow(x, 1.5) states the convention: f′ = 0, f″ = +∞",
    { math: 'f = x^{3/2}: f′ = 0, f″ = +∞', internal: true }),
  {
    id: 'separable-sqrt', section: 'chain', expr: 'add(sqrt(x₀), mul(x₁, x₁)) at (0, 1)', f: (x) => add(sqrt(x[0]!), mul(x[1]!, x[1]!)), x: [0, 1], d: [0, 1], from: [1, 1],
    want: { value: 1, first: 2, second: 2, grad: [I, 2], hvp: [0, 2], hessian: [[-I, 0], [0, 2]], diag: [-I, 2], laplacian: -I },
    why: 'one infinite partial stays in its own entries: lanes seeded with e₁ carry sqrt′(0)·0 = 0, so ∂f/∂x₁ = 2, H₀₁ = 0 and H₁₁ = 2 are exact, and H₀₀ = sqrt″(0) = −∞ (the limit from the right), so tr H = −∞. The compacted recording of a prepared recording (lib/tape/compact.ts) agrees',
  },
];


// ---------------------------------------------------------------- reading every mode

/** What one mode says. */
export type Reading = Partial<Record<Quantity, number | number[] | number[][]>>;

const arr = (x: ArrayLike<number>): number[] => Array.from(x);
const coeffs = (y: Num): Record<string, number> => (typeof y === 'number' ? { v: y } : (y as unknown as Record<string, number>));

/** Every mode's readings of claim c (keyed by mode). */
export function readModes(c: Claim): Record<Mode, Reading> {
  const { f } = c, x = [...c.x], n = x.length, d = c.d ? [...c.d] : x.map(() => 1);
  const r = {} as Record<Mode, Reading>;
  r.number = { value: f(x) as number };
  const dual = coeffs(f(x.map((xi, i) => new Dual(xi, d[i]!))));
  r.Dual = { value: dual.v!, first: dual.d ?? 0 };
  const t2 = coeffs(f(x.map((xi, i) => new Taylor2(xi, d[i]!, 0))));
  r.Taylor2 = { value: t2.v!, first: t2.d1 ?? 0, second: t2.d2 ?? 0 };
  const hd = coeffs(f(x.map((xi, i) => new HyperDual(xi, d[i]!, d[i]!, 0))));
  r.HyperDual = { value: hd.v!, first: hd.d1 ?? 0, second: hd.d12 ?? 0 };
  const jv = jvp(f, x, d), dir = directional(f, x, d), hy = hyperdual(f, x, d, d);
  r.jvp = { value: jv.value, first: jv.tangent };
  r.directional = { value: dir.value, first: dir.first, second: dir.second };
  r.hyperdual = { value: hy.value, first: hy.da, second: hy.dab };
  // jets: an outer grad over an unrelated variable z puts the inner transforms in nested mode
  const outer = (inner: () => Num): number => grad((z) => mul(z[0]!, inner()), [1])[0]!;
  r.jet = {
    first: outer(() => jvp(f, x, d).tangent as Num),
    second: outer(() => directional(f, x, d).second as Num),
    grad: x.map((_, i) => outer(() => (grad(f, x) as unknown as Num[])[i]!)),
  };
  const tape = (lanes?: number): Reading => {
    const vg = valueAndGrad(f, x), o = lanes ? { lanes } : {};
    return {
      value: vg.value, grad: arr(vg.grad), hvp: arr(hvp(f, x, d)), hessian: hessian(f, x, o).map(arr),
      diag: arr(hessianDiagonal(f, x, { method: 'hyperdual', ...o })), laplacian: laplacian(f, x, o),
    };
  };
  r.tape = tape();
  r['tape (lanes 1)'] = tape(1);
  const prepared = (P: ReturnType<typeof prepare<number[]>>): Reading => ({
    value: P.value as number, first: P.jvp(d).tangent, second: P.directional(d).second, grad: arr(P.grad()), hvp: arr(P.hvp(d)),
    hessian: P.hessian().map(arr), diag: arr(P.hessianDiagonal()), laplacian: P.laplacian().laplacian,
  });
  r.prepared = prepared(prepare(f, x));
  r['prepared, moved here'] = prepared(prepare(f, [...c.from]).at(x));
  // the same arithmetic through elementwise tensor blocks: input i is slice(t, [i]), a rank-0 tensor
  const ft = (t: Tensor): Num => f(Array.from({ length: n }, (_, i) => slice(t, [i])));
  const X = tensor(x), D = tensor(d), vt = valueAndGrad(ft, X);
  r.tensor = {
    value: vt.value, first: jvp(ft, X, D).tangent, second: directional(ft, X, D).second, grad: arr(vt.grad.data), hvp: arr(hvp(ft, X, D).data),
    hessian: hessian(ft, X).map(arr), diag: arr(hessianDiagonal(ft, X, { method: 'hvp' }).data), laplacian: laplacian(ft, X),
  };
  return r;
}

/** What claim c states for mode m, quantity q (undefined: the mode does not compute it). */
export function expected(c: Claim, m: Mode, q: Quantity): Expect | undefined {
  return c.modes?.[m]?.[q] ?? c.want[q];
}

// ---------------------------------------------------------------- the doc's tables

const num = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+∞' : v === -Infinity ? '−∞' : Object.is(v, -0) ? '−0' : String(Number(v.toPrecision(6))).replace(/-/g, '−'));
export const show = (e: Expect | undefined): string =>
  e === undefined ? '' : typeof e === 'number' ? num(e) : `(${(e as readonly (number | readonly number[])[]).map((v) => (typeof v === 'number' ? num(v) : `(${v.map(num).join(', ')})`)).join(', ')})`;

/** The doc's table for one section, one row per claim (Markdown). */
export function claimTable(section: Claim['section']): string {
  const lines = [
    '| id | f | value | ∇f (f′) | H (f″) | modes that differ | why |',
    '|---|---|---|---|---|---|---|',
  ];
  // a one-variable claim shows f′ and f″ as numbers
  const one = (e: Expect | undefined): string => (Array.isArray(e) && e.length === 1 ? one(e[0] as Expect) : show(e));
  for (const c of CLAIMS.filter((k) => k.section === section)) {
    const differ = Object.entries(c.modes ?? {}).map(([m, qs]) => `${m}: ${Object.entries(qs!).map(([q, v]) => `${q} ${one(v as Expect)}`).join(', ')}`).join('; ');
    const first = c.d ? ` (along d = ${show(c.d)}: ${show(c.want.first)})` : '';
    const cell = (t: string) => t.replace(/\|/g, '\\|'); // a pipe inside a cell would end it
    lines.push(`| <a id="${c.id}"></a>\`${c.id}\` | ${cell(c.expr)} | ${show(c.want.value)} | ${one(c.want.grad)}${first} | ${one(c.want.hessian)} | ${differ || '—'} | ${cell(c.why)}${c.math ? ` **Mathematically:** ${cell(c.math)}.` : ''}${c.internal ? ' **[internal 0·∞]**' : ''} |`);
  }
  return lines.join('\n');
}
