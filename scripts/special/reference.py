"""
Reference values for spec/special.spec.ts: each function at seeded points
over its range, evaluated with mpmath at 40 digits and rounded to the
nearest double. Run `python3 scripts/special/reference.py > spec/fixtures/special-reference.json`.
"""
import json, random
from mpmath import mp, mpf

mp.dps = 40
rand = random.Random(17)

def uniform(lo, hi, n):
    return [lo + (hi - lo) * rand.random() for _ in range(n)]

def logspace(lo, hi, n):
    return [float(mpf(lo) * (mpf(hi) / lo) ** rand.random()) for _ in range(n)]

def negative(lo, n):
    return [x for x in uniform(lo, 0, n) if x != round(x)]

def table(f, xs):
    return [[x, float(f(mpf(x)))] for x in xs]

lgamma_neg = lambda x: mp.log(abs(mp.gamma(x)))
out = {
    'erf': table(mp.erf, uniform(-6, 6, 120) + logspace(1e-300, 1, 30)),
    'erfc': table(mp.erfc, uniform(-6, 27, 120) + logspace(1e-10, 0.5, 30)),
    'lgamma': table(mp.loggamma, uniform(0.01, 20, 100) + logspace(1e-300, 1e300, 50)),
    'lgamma_negative': table(lgamma_neg, negative(-20, 60)),
    'digamma': table(mp.digamma, uniform(0.01, 20, 100) + logspace(1e-300, 1e300, 50) + negative(-20, 60)),
    'trigamma': table(lambda x: mp.polygamma(1, x), uniform(0.01, 50, 100) + logspace(1e-5, 1e6, 30) + negative(-20, 30)),
    'tetragamma': table(lambda x: mp.polygamma(2, x), uniform(0.01, 50, 100) + logspace(1e-5, 1e6, 30) + negative(-20, 30)),
    'pentagamma': table(lambda x: mp.polygamma(3, x), uniform(0.01, 50, 100) + logspace(1e-5, 1e6, 30) + negative(-20, 30)),
}
print(json.dumps(out, separators=(',', ':')))
