"""Random numbers: one counter-based generator (Philox4x32-10) shared by every backend.

The generator state is just ``(seed, offset)``. A random op asks the backend to fill ``n``
numbers from counters ``offset .. offset + n - 1`` and then advances ``offset`` by ``n``:
kernels need no state, any element can be computed independently (ideal for a GPU), and the
same seed gives the same numbers on every backend that implements the spec.
"""

from __future__ import annotations

import numpy as np

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MASK = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)


def philox4x32(counter_lo: np.ndarray, counter_hi: np.ndarray, key_lo: int, key_hi: int,
               rounds: int = 10) -> tuple[np.ndarray, ...]:
    """Reference Philox4x32 (Salmon et al., SC'11) on uint32 arrays, counter words 2 and 3
    zero. Returns the four output words.

    >>> [hex(int(w[0])) for w in philox4x32(np.zeros(1, np.uint32), np.zeros(1, np.uint32), 0, 0)]
    ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    c0 = np.asarray(counter_lo, np.uint32).astype(np.uint64)
    c1 = np.asarray(counter_hi, np.uint32).astype(np.uint64)
    words = _philox_rounds(c0, c1, int(key_lo) & 0xFFFFFFFF, int(key_hi) & 0xFFFFFFFF, rounds)
    return tuple(w.astype(np.uint32) for w in words)


def _philox_rounds(c0: np.ndarray, c1: np.ndarray, k0: int, k1: int,
                   rounds: int) -> tuple[np.ndarray, ...]:
    """The Philox rounds on 32-bit words held in uint64 arrays (words 2 and 3 start at zero).

    Each round multiplies words 0 and 2 by a constant into 64-bit products; the next words 0
    and 2 are the high halves of the products (crossed) xor words 1 and 3 and the key, and
    the next words 1 and 3 their low halves. In uint64 a product is one multiply and its
    halves one shift and one mask. Every step writes into arrays made once (``out=``): a
    third less time than fresh arrays per step for 64k numbers, the same words.
    """
    c0, c1 = c0.copy(), c1.copy()  # written in place below
    c2, c3 = np.zeros_like(c0), np.zeros_like(c0)
    p0, p1 = np.empty_like(c0), np.empty_like(c0)
    for _ in range(rounds):
        np.multiply(c0, _M0, out=p0)
        np.multiply(c2, _M1, out=p1)
        np.right_shift(p1, _32, out=c0)  # c0 = hi(p1) ^ c1 ^ k0
        np.bitwise_xor(c0, c1, out=c0)
        np.bitwise_xor(c0, np.uint64(k0), out=c0)
        np.right_shift(p0, _32, out=c2)  # c2 = hi(p0) ^ c3 ^ k1
        np.bitwise_xor(c2, c3, out=c2)
        np.bitwise_xor(c2, np.uint64(k1), out=c2)
        np.bitwise_and(p1, _MASK, out=c1)  # c1 = lo(p1)
        np.bitwise_and(p0, _MASK, out=c3)  # c3 = lo(p0)
        k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
    return c0, c1, c2, c3


def philox_words(n: int, seed: int, offset: int) -> tuple[np.ndarray, ...]:
    """The four Philox words (uint32) for elements ``0..n-1`` (counters ``offset + i``)."""
    c = np.arange(offset, offset + n, dtype=np.uint64)
    words = _philox_rounds(c & _MASK, c >> _32, seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, 10)
    return tuple(w.astype(np.uint32) for w in words)


def uniform_from_words(words: tuple[np.ndarray, ...], np_dtype: np.dtype) -> np.ndarray:
    """U[0, 1) values from Philox words, as the spec defines them."""
    r0, r1 = words[0], words[1]
    if np.dtype(np_dtype) == np.float32:
        return ((r0 >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24))
    bits = (r0.astype(np.uint64) << np.uint64(32)) | r1.astype(np.uint64)
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def normal_from_words(words: tuple[np.ndarray, ...], np_dtype: np.dtype) -> np.ndarray:
    """N(0, 1) values from Philox words by Box-Muller, as the spec defines them."""
    r0, r1 = words[0], words[1]
    u1 = ((r0 >> np.uint32(8)).astype(np.float64) + 1.0) * 2.0 ** -24
    u2 = (r1 >> np.uint32(8)).astype(np.float64) * 2.0 ** -24
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).astype(np_dtype)


class Generator:
    """Seed plus counter offset; ``manual_seed`` resets both."""

    def __init__(self, seed: int = 67280421310721) -> None:
        self.seed = seed
        self.offset = 0

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if not -(2 ** 63) <= seed < 2 ** 64:
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} does not fit 64 bits")
        self.seed, self.offset = seed & 0xFFFFFFFFFFFFFFFF, 0
        return self

    def initial_seed(self) -> int:
        return self.seed

    def next_offset(self, n: int) -> int:
        """Reserve ``n`` counters; return the first."""
        start = self.offset
        self.offset += n
        return start

    def get_state(self) -> tuple[int, int]:
        return (self.seed, self.offset)

    def set_state(self, state: tuple[int, int]) -> None:
        self.seed, self.offset = int(state[0]), int(state[1])


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: the same seed gives the same random tensors."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> tuple[int, int]:
    return default_generator.get_state()


def set_rng_state(state: tuple[int, int]) -> None:
    default_generator.set_state(state)
