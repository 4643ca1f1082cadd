"""``GraphPool``: device memory private to one captured graph.

A captured graph replays kernel launches whose pointers were packed during the capture, so
the memory behind those pointers must stay the graph's: if a buffer freed during the capture
went back to the allocator's shared cache, the next eager op could be handed it, and every
replay would then overwrite that op's tensor. So while a graph is captured, the caching
allocator takes every block from the graph's pool (``CachingAllocator.capture_pool``), and a
freed block of the pool goes back to the pool, never to the shared cache.

Within the capture, a block freed by one op is handed to a later op of the same capture, as
PyTorch's private pools do: the replay runs the launches in the capture's order, so the
first op's last use of the memory always comes before the second op's first one. The pool
stops handing out blocks when the capture ends. ``release`` (``Graph.reset()``) gives its
free blocks to the shared cache; blocks still held by tensors (a graph's output the user
kept) go there when those tensors are freed.
"""

from __future__ import annotations

from typing import Any

from .allocator import Block, size_class


class GraphPool:
    """The blocks of one graph: those in use, and a free list per size class."""

    def __init__(self, allocator: Any) -> None:
        self.allocator = allocator
        self.free: dict[int, list[Block]] = {}
        self.num_blocks = 0  # blocks taken from the allocator for this graph
        self.nbytes = 0  # their size
        self.released = False

    def allocate(self, nbytes: int) -> Block:
        """A block for ``nbytes`` from the pool, or a new one the pool takes from the
        allocator (from its cache or the driver)."""
        free = self.free.get(size_class(nbytes))
        if free:
            return free.pop()
        block = self.allocator._take_block(nbytes)
        block.pool = self
        self.num_blocks += 1
        self.nbytes += block.size
        return block

    def keep(self, block: Block) -> bool:
        """A block of the pool was freed: True when the pool takes it back (the graph is
        alive); False once released, and the block is the allocator's again."""
        if self.released:
            block.pool = None
            return False
        self.free.setdefault(block.size, []).append(block)
        return True

    def release(self) -> None:
        """The graph is gone: give the free blocks to the allocator's cache."""
        if self.released:
            return
        self.released = True
        blocks = [b for free in self.free.values() for b in free]
        self.free.clear()
        for block in blocks:
            block.pool = None
            self.allocator._free(block, block.size)
