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
  ``size > pop // 50`` (numpy's ``Generator.choice``, same branch rule).

The generator's state lives in its bit generator, so numpy calls and these calls can
alternate freely. ``tests/test_draws.py`` checks every function against numpy's, values and
the generator's state afterwards, over many seeds and sizes.
"""

from __future__ import annotations

import ctypes

import numpy as np

from .compiled import AVAILABLE

__all__ = ["handle", "random", "bounded", "integers", "randoms", "choice"]

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
def choice(h, pop, size):
    """``rng.choice(pop, size=size, replace=False)``: ``size`` distinct numbers below ``pop``."""
    if pop > 10000 and size > pop // 50:
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
