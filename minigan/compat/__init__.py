"""PyTorch parity a student need not read.

What lives here is still part of minigan (installed on ``Tensor`` and
exported as ``minigan.<name>``), but it is off the reading path: the legacy
tensor methods and the ops that exist so PyTorch code runs unchanged (sort,
topk, cumsum, einsum, tril, gather, ...). Each op here is an ordinary
:class:`minigan.Function` with one backward written with ops, checked by the
same op-spec table as the reference ops.
"""
