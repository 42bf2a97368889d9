"""The engine's operations, one class per op: forward on NumPy arrays, backward on Tensors.

* ``elementwise`` -- arithmetic and pointwise functions (``Add``, ``Mul``, ``Exp``, ``Sigmoid`` ...)
* ``reduction``   -- ``Sum``, ``Mean``, ``Max``, ``Norm`` ...
* ``shape``       -- views, indexing, concatenation (``View``, ``Select``, ``Slice``, ``Cat`` ...)
* ``linalg``      -- matrix products (``Mm``, ``Mv``, ``Dot``, ``Bmm``)

Each backward returns one gradient per input, shaped like the op's output where broadcasting
happened: the engine sums it back to the input's shape (``engine.sum_to_shape``), in one place.
"""
