"""TensorBoard logging, as ``torch.utils.tensorboard``: ``SummaryWriter`` writes scalars
(losses, learning rates...) to event files that ``tensorboard --logdir runs`` plots.

=================  ==========================================================
``writer.py``      ``SummaryWriter``: the user-facing logger
``event_file.py``  the file format: TFRecord framing, CRC-32C, the Event protobuf
=================  ==========================================================

PyTorch's needs the ``tensorboard`` package to write; this one writes the format itself
(a few protobuf fields), so it needs nothing beyond the standard library. Scalars only:
images, histograms, graphs and the rest of PyTorch's ``add_*`` methods are not here.
"""

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
