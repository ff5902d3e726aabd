"""
Exact references for spec/linalg.spec.ts: matrix functions of small matrices
with rational entries, and their gradients and Hessians, computed by sympy
symbolically (exact, then rounded to the nearest double). The functions are
f(X) = Σ W ⊙ op(X) with a rational weight W (or op(X) itself when scalar).
Run `python3 scripts/linalg/reference.py > spec/fixtures/linalg-reference.json`.
"""
import json
import sympy as sp

R = sp.Rational
A = sp.Matrix([[R(5, 2), R(1, 3), R(-1, 2)], [R(1, 4), R(-2), R(1, 5)], [R(-1, 3), R(3, 4), R(3)]])  # det < 0
B = sp.Matrix([[R(1), R(-1, 2)], [R(2, 3), R(1, 4)], [R(-1, 5), R(3, 2)]])
S = sp.Matrix([[R(4), R(1), R(1, 2)], [R(1), R(3), R(-1, 3)], [R(1, 2), R(-1, 3), R(2)]])  # symmetric positive definite
W3 = sp.Matrix([[R(1, 2), R(-1), R(1, 3)], [R(2, 3), R(1, 4), R(-1, 2)], [R(1), R(-1, 5), R(3, 4)]])
W32 = sp.Matrix([[R(1, 3), R(-1, 2)], [R(1), R(1, 4)], [R(-2, 3), R(1, 5)]])

def symbols(name, r, c):
    return sp.Matrix(r, c, lambda i, j: sp.Symbol(f'{name}{i}{j}'))

def flat(M):
    return [M[i, j] for i in range(M.rows) for j in range(M.cols)]

def num(x):
    return float(sp.N(x, 40))

def derivatives(f, syms, point):
    """value, gradient and Hessian of the scalar f in syms, at point (exact)"""
    sub = dict(zip(syms, point))
    g = [sp.diff(f, s) for s in syms]
    H = [[sp.diff(gi, s) for s in syms] for gi in g]
    return {
        'value': num(f.subs(sub)),
        'grad': [num(gi.subs(sub)) for gi in g],
        'hessian': [[num(h.subs(sub)) for h in row] for row in H],
    }

def weighted(Y, W):
    return sum(w * y for w, y in zip(flat(W), flat(Y)))

X = symbols('a', 3, 3)
Y = symbols('b', 3, 2)
xs, ys = flat(X), flat(Y)
out = {'A': [[num(v) for v in row] for row in A.tolist()], 'B': [[num(v) for v in row] for row in B.tolist()],
       'S': [[num(v) for v in row] for row in S.tolist()], 'W3': [[num(v) for v in row] for row in W3.tolist()],
       'W32': [[num(v) for v in row] for row in W32.tolist()]}

detX = X.det()
out['det'] = derivatives(detX, xs, flat(A))
out['logabsdet'] = derivatives(sp.log(-detX), xs, flat(A))  # det A < 0
out['inv'] = {'values': [num(v) for v in flat(A.inv())], **derivatives(weighted(X.adjugate() / detX, W3), xs, flat(A))}
sol = (X.adjugate() / detX) * Y
out['solve'] = {'values': [num(v) for v in flat(A.inv() * B)], **derivatives(weighted(sol, W32), xs + ys, flat(A) + flat(B))}

def chol(M):
    n = M.rows
    L = sp.zeros(n, n)
    for j in range(n):
        L[j, j] = sp.sqrt(M[j, j] - sum(L[j, k] ** 2 for k in range(j)))
        for i in range(j + 1, n):
            L[i, j] = (M[i, j] - sum(L[i, k] * L[j, k] for k in range(j))) / L[j, j]
    return L

Lx = chol((X + X.T) / 2)
out['cholesky'] = {'values': [num(v) for v in flat(chol(S))], **derivatives(weighted(Lx, W3), xs, flat(S))}
Tl = sp.Matrix(3, 3, lambda i, j: X[i, j] if j <= i else 0)
out['triangularSolve'] = {'values': [num(v) for v in flat(Tl.subs(dict(zip(xs, flat(A)))).inv() * B)],
                          **derivatives(weighted(Tl.inv() * Y, W32), xs + ys, flat(A) + flat(B))}
print(json.dumps(out, indent=1))
