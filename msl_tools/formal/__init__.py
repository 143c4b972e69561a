"""Formal property sets of the gateware (``make formal``): small Amaranth harnesses
around the real blocks of ``hdl/``, with ``Assert``/``Assume``/``Cover``, proved with
SymbiYosys (``yowasp-sby``) by k-induction where it converges and by bounded model
checking to a stated depth where it does not (docs/formal.md).

One module per property set; :mod:`msl_tools.formal.catalogue` lists them,
:mod:`msl_tools.formal.sby` runs one, ``python -m msl_tools.formal`` runs them all.
"""
