"""Random draws from the model's own generator inside compiled code, exactly as numpy draws them.

Why: the compiled day (:mod:`simulation.kernels.day`) runs several rules in one call, and
some of them draw random numbers between the steps (the opinion round's matching, the
tie changes, the incidents). The numpy reference draws them with ``rng.random``,
``rng.integers`` and ``rng.choice``; to give bit-identical runs, the compiled code must take
the same numbers from the same generator in the same order. numba can take a
``np.random.Generator`` as an argument, but unboxing one costs some 40 µs a call, more than
a whole day of a small town. So this module calls the generator's own C functions
(``bit_generator.ctypes``: ``next_double``, ``next_uint32`` and the state's address, the
interface numpy provides for exactly this, see numpy's "Extending via Numba") and repeats
the few algorithms of numpy's ``Generator`` built on them:

* ``random(size)``: one ``next_double`` per value (numpy's ``random_standard_uniform_fill``);
* ``integers(0, high, size)`` for ``high ≤ 2³²``: Lemire's bounded draw on ``next_uint32``
  (numpy's ``random_bounded_uint64_fill`` → ``buffered_bounded_lemire_uint32``; Lemire 2019,
  "Fast random integer generation in an interval", ACM TOMACS 29(1));
* ``choice(pop, size, replace=False)``: Floyd's algorithm with numpy's hash set and the
  final shuffle, or a partial Fisher–Yates "tail shuffle" when ``pop > 10,000`` and
  ``size > pop // 50`` (numpy's ``Generator.choice``, same branch rule);
* ``binomial(n, p)``: numpy's ``random_binomial``, inversion for a mean up to 30, else
  Kachitvichyanukul & Schmeiser's BTPE (1988, "Binomial random variate generation",
  CACM 31(2)), both on ``next_double``.

The generator's state lives in its bit generator, so numpy calls and these calls can
alternate freely. ``tests/test_draws.py`` checks every function against numpy's, values and
the generator's state afterwards, over many seeds and sizes.
"""

from __future__ import annotations

import ctypes

import numpy as np

from .compiled import AVAILABLE

__all__ = ["handle", "random", "bounded", "integers", "randoms", "choice", "sorted_choice", "binomial"]

if AVAILABLE:
    from llvmlite import ir
    from numba import njit, types
    from numba.extending import intrinsic

    @intrinsic
    def _next_double(typingctx, fn, state):
        """Call the bit generator's ``double next_double(void *state)`` at address ``fn``."""
        sig = types.float64(types.intp, types.intp)

        def codegen(context, builder, signature, args):
            ptr = ir.IntType(8).as_pointer()
            f = builder.inttoptr(args[0], ir.FunctionType(ir.DoubleType(), [ptr]).as_pointer())
            return builder.call(f, [builder.inttoptr(args[1], ptr)])

        return sig, codegen

    @intrinsic
    def _next_uint32(typingctx, fn, state):
        """Call the bit generator's ``uint32_t next_uint32(void *state)`` at address ``fn``."""
        sig = types.uint32(types.intp, types.intp)

        def codegen(context, builder, signature, args):
            ptr = ir.IntType(8).as_pointer()
            f = builder.inttoptr(args[0], ir.FunctionType(ir.IntType(32), [ptr]).as_pointer())
            return builder.call(f, [builder.inttoptr(args[1], ptr)])

        return sig, codegen

    @intrinsic
    def _trailing_zeros(typingctx, word):
        """The number of zero bits below the lowest set bit of a nonzero ``uint64`` (one
        instruction, LLVM's ``cttz``)."""
        sig = types.int64(types.uint64)

        def codegen(context, builder, signature, args):
            i64 = ir.IntType(64)
            cttz = builder.module.declare_intrinsic("llvm.cttz", [i64], ir.FunctionType(i64, [i64, ir.IntType(1)]))
            return builder.call(cttz, [args[0], ir.Constant(ir.IntType(1), 1)])

        return sig, codegen

    _jit = njit(cache=True, nogil=True)
else:  # pragma: no cover - the compiled day is not used without numba

    def _jit(f):
        return f


#: Recent bit generators and their handles. The cache holds each bit generator itself, so
#: its ``id`` cannot be reused while it is here; a copied or unpickled model has a new one.
_HANDLES: dict[int, tuple[object, np.ndarray]] = {}


def handle(rng: np.random.Generator) -> np.ndarray:
    """The addresses compiled code needs to draw from ``rng``: ``next_double``,
    ``next_uint32`` and the state (valid while ``rng``'s bit generator lives)."""
    bits = rng.bit_generator
    hit = _HANDLES.get(id(bits))
    if hit is not None and hit[0] is bits:
        return hit[1]
    c = bits.ctypes
    h = np.array(
        [ctypes.cast(c.next_double, ctypes.c_void_p).value, ctypes.cast(c.next_uint32, ctypes.c_void_p).value,
         c.state_address],
        dtype=np.intp,
    )  # fmt: skip
    if len(_HANDLES) >= 16:  # a sweep worker makes one model after another
        _HANDLES.clear()
    _HANDLES[id(bits)] = (bits, h)
    return h


@_jit
def random(h):
    """One ``rng.random()``."""
    return _next_double(h[0], h[2])


@_jit
def randoms(h, size):
    """``rng.random(size)``."""
    out = np.empty(size)
    for i in range(size):
        out[i] = _next_double(h[0], h[2])
    return out


@_jit
def bounded(h, high):
    """A whole number in ``[0, high]`` for ``high < 2³² − 1``: numpy's
    ``random_bounded_uint64(state, 0, high, 0, false)`` (Lemire's method; none drawn for 0)."""
    if high == 0:
        return 0
    excl = np.uint64(high) + np.uint64(1)
    m = np.uint64(_next_uint32(h[1], h[2])) * excl
    leftover = m & np.uint64(0xFFFFFFFF)
    if leftover < excl:
        threshold = (np.uint64(0xFFFFFFFF) - np.uint64(high)) % excl
        while leftover < threshold:
            m = np.uint64(_next_uint32(h[1], h[2])) * excl
            leftover = m & np.uint64(0xFFFFFFFF)
    return np.int64(m >> np.uint64(32))


@_jit
def integers(h, high, size):
    """``rng.integers(0, high, size=size)`` (int64) for ``1 ≤ high ≤ 2³²``."""
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = bounded(h, high - 1)
    return out


@_jit
def _shuffle_tail(h, n, first, data):
    """numpy's ``_shuffle_int``: swap positions ``n−1, n−2, …, first`` with an earlier one."""
    for i in range(n - 1, first - 1, -1):
        j = bounded(h, i)
        t = data[j]
        data[j] = data[i]
        data[i] = t


@_jit
def _mask(value):
    """The smallest ``2^k − 1`` at least ``value`` (numpy's ``_gen_mask``)."""
    mask = np.uint64(value)
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> np.uint64(shift)
    return mask


@_jit
def _shuffles_all(pop, size):
    """Whether numpy's ``choice`` shuffles all ``pop`` numbers (else Floyd's algorithm)."""
    return pop > 10000 and size > pop // 50


@_jit
def choice(h, pop, size):
    """``rng.choice(pop, size=size, replace=False)``: ``size`` distinct numbers below ``pop``."""
    if _shuffles_all(pop, size):
        idx = np.arange(pop, dtype=np.int64)
        _shuffle_tail(h, pop, max(pop - size, 1), idx)
        return idx[pop - size :].copy()
    idx = np.empty(size, dtype=np.int64)
    mask = _mask(int(1.2 * size))
    empty = np.uint64(0xFFFFFFFFFFFFFFFF)
    seen = np.full(int(mask) + 1, empty, dtype=np.uint64)
    for j in range(pop - size, pop):
        val = np.uint64(bounded(h, j))
        loc = val & mask
        while seen[loc] != empty and seen[loc] != val:
            loc = (loc + np.uint64(1)) & mask
        if seen[loc] == empty:  # a new number: keep it
            seen[loc] = val
            idx[j - pop + size] = np.int64(val)
        else:  # drawn before: take j itself, which no earlier step could draw
            loc = np.uint64(j) & mask
            while seen[loc] != empty:
                loc = (loc + np.uint64(1)) & mask
            seen[loc] = np.uint64(j)
            idx[j - pop + size] = j
    _shuffle_tail(h, size, 1, idx)
    return idx


@_jit
def sorted_choice(h, pop, size):
    """``np.sort(rng.choice(pop, size=size, replace=False))``: the draws of :func:`choice`, in
    increasing order.

    The numbers drawn are distinct and below ``pop``, so a bitmap of ``pop`` bits holds them
    and reads them off in order (a hundred below 10,000 in a few hundred ns; ``np.sort``
    took some 2 us). In Floyd's branch of :func:`choice` the bitmap is the set of numbers
    drawn so far, the same set as the hash table's, and the final shuffle runs on a scratch
    array: its draws are taken, its order is sorted away. Where the bitmap would be far longer than the
    numbers, :func:`choice`'s numbers are sorted."""
    if pop > 1024 * size:
        return np.sort(choice(h, pop, size))
    marks = np.zeros((pop + 63) // 64, dtype=np.uint64)
    if _shuffles_all(pop, size):
        for x in choice(h, pop, size):
            marks[x >> 6] |= np.uint64(1) << np.uint64(x & 63)
    else:
        for j in range(pop - size, pop):
            x = bounded(h, j)
            if marks[x >> 6] & (np.uint64(1) << np.uint64(x & 63)):  # drawn before: j itself
                x = j
            marks[x >> 6] |= np.uint64(1) << np.uint64(x & 63)
        _shuffle_tail(h, size, 1, np.empty(size, dtype=np.int64))  # its draws; the order is sorted away
    out = np.empty(size, dtype=np.int64)
    count = 0
    for w in range(marks.size):
        word = marks[w]
        while word:
            out[count] = 64 * w + _trailing_zeros(word)
            count += 1
            word &= word - np.uint64(1)
    return out


@_jit
def binomial(h, n, p):
    """``rng.binomial(n, p)`` for a whole ``n ≥ 0`` and ``0 ≤ p ≤ 1``: numpy's
    ``random_binomial`` (numpy/random/src/distributions/distributions.c)."""
    if n == 0 or p == 0.0:
        return 0
    if p <= 0.5:
        if p * n <= 30.0:
            return _binomial_inversion(h, n, p)
        return _binomial_btpe(h, n, p)
    q = 1.0 - p
    if q * n <= 30.0:
        return n - _binomial_inversion(h, n, q)
    return n - _binomial_btpe(h, n, q)


@_jit
def _binomial_inversion(h, n, p):
    """numpy's ``random_binomial_inversion``: walk up the distribution function."""
    q = 1.0 - p
    qn = np.exp(n * np.log(q))
    mean = n * p
    bound = min(n, mean + 10.0 * np.sqrt(mean * q + 1))
    x = 0
    px = qn
    u = random(h)
    while u > px:
        x += 1
        if x > bound:
            x = 0
            px = qn
            u = random(h)
        else:
            u -= px
            px = ((n - x + 1) * p * px) / (x * q)
    return x


#: numpy 2.5 corrected the Stirling series of BTPE's last acceptance test (numpy#31238);
#: the compiled draw follows the numpy it runs with (a 2.5 development build counts as
#: older: whether it has the fix depends on its date; ``tests/test_draws.py`` would tell).
_STIRLING_FIXED = np.lib.NumpyVersion(np.__version__) >= "2.5.0"


@_jit
def _binomial_btpe(h, n, p):
    """numpy's ``random_binomial_btpe`` for ``p ≤ 0.5``: a triangle, two parallelograms and
    two exponential tails over the distribution, and its steps 10 to 60 as numbered there."""
    r = min(p, 1.0 - p)
    q = 1.0 - r
    fm = n * r + r
    m = np.int64(np.floor(fm))
    p1 = np.floor(2.195 * np.sqrt(n * r * q) - 4.6 * q) + 0.5
    xm = m + 0.5
    xl = xm - p1
    xr = xm + p1
    c = 0.134 + 20.5 / (15.3 + m)
    a = (fm - xl) / (fm - xl * r)
    laml = a * (1.0 + a / 2.0)
    a = (xr - fm) / (xr * q)
    lamr = a * (1.0 + a / 2.0)
    p2 = p1 * (1.0 + 2.0 * c)
    p3 = p2 + c / laml
    p4 = p3 + c / lamr
    nrq = n * r * q
    while True:
        # step 10: a point under the envelope
        u = random(h) * p4
        v = random(h)
        if u <= p1:  # the triangle: accepted at once
            return np.int64(np.floor(xm - p1 * v + u))
        if u <= p2:  # step 20: the parallelograms
            x = xl + (u - p1) / c
            v = v * c + 1.0 - np.abs(m - x + 0.5) / p1
            if v > 1.0:
                continue
            y = np.int64(np.floor(x))
        elif u <= p3:  # step 30: the left tail
            y = np.int64(np.floor(xl + np.log(v) / laml))
            if y < 0 or v == 0.0:
                continue
            v = v * (u - p2) * laml
        else:  # step 40: the right tail
            y = np.int64(np.floor(xr - np.log(v) / lamr))
            if y > n or v == 0.0:
                continue
            v = v * (u - p3) * lamr
        # step 50: accept or reject y
        k = abs(y - m)
        if not (k > 20 and k < nrq / 2.0 - 1):  # near the mode: the exact ratio
            s = r / q
            a = s * (n + 1)
            f = 1.0
            if m < y:
                for i in range(m + 1, y + 1):
                    f = f * (a / i - s)
            elif m > y:
                for i in range(y + 1, m + 1):
                    f = f / (a / i - s)
            if v > f:
                continue
            return y
        # step 52: far from the mode, squeezed between bounds of the log ratio
        rho = (k / nrq) * ((k * (k / 3.0 + 0.625) + 0.16666666666666666) / nrq + 0.5)
        t = -k * k / (2 * nrq)
        big_a = np.log(v)
        if big_a < t - rho:
            return y
        if big_a > t + rho:
            continue
        if big_a > _stirling_bound(xm, m, n, y, r, q):
            continue
        return y


@_jit
def _stirling_bound(xm, m, n, y, r, q):
    """The log ratio's bound of BTPE's step 52 by Stirling's series, as the numpy in use
    computes it (:data:`_STIRLING_FIXED`)."""
    x1 = y + 1
    f1 = m + 1
    z = n + 1 - m
    w = n - y + 1
    x2, f2, z2, w2 = x1 * x1, f1 * f1, z * z, w * w
    base = xm * np.log(f1 / x1) + (n - m + 0.5) * np.log(z / w) + (y - m) * np.log(w * r / (x1 * q))
    # The fix: 13860 for 13680, and the last two terms taken away (adding a term times -1.0
    # is taking it away, to the bit).
    c, sign = (13860.0, -1.0) if _STIRLING_FIXED else (13680.0, 1.0)
    return (base + _stirling_term(c, f1, f2) + _stirling_term(c, z, z2) + sign * _stirling_term(c, x1, x2)
            + sign * _stirling_term(c, w, w2))  # fmt: skip


@_jit
def _stirling_term(c, a, a2):
    """One term of the series in :func:`_stirling_bound`, for ``a`` and ``a2 = a * a``."""
    return (c - (462.0 - (132.0 - (99.0 - 140.0 / a2) / a2) / a2) / a2) / a / 166320.0
