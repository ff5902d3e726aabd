// The README's second example as plain JavaScript (no types): `node examples/mlp.mjs`
import { hessianDiagonal, crossEntropy, linear, tanh, randn } from 'hyperad';

const X = randn([32, 5], 1), y = Array.from({ length: 32 }, (_, i) => i % 10);
const loss = (p) => crossEntropy(linear(tanh(linear(X, p.W1, p.b1)), p.W2, p.b2), y);
const params = { W1: randn([100, 5], 2), b1: randn([100], 3), W2: randn([10, 100], 4), b2: randn([10], 5) };
const diag = hessianDiagonal(loss, params); // { W1: Tensor, b1: Tensor, … }: the diagonal Laplace approximation
for (const [name, t] of Object.entries(diag)) console.log(name, t.shape, t.data.slice(0, 3));
console.log('method', diag.method, 'directions', diag.directions); // 'structured', 110 lanes instead of 1610
console.log('parameters', JSON.stringify(diag.parameters));
