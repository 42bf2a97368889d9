"""The engine's operations, one class per op: forward on NumPy arrays, backward on Tensors.

Every op has its home here, the neural-network ones included (``nn.functional`` only checks
arguments and calls them):

* ``elementwise``   -- arithmetic and pointwise functions (``Add``, ``Mul``, ``Exp``, ``Sigmoid`` ...)
* ``reduction``     -- ``Sum``, ``Mean``, ``Max``, ``Norm`` ...
* ``shape``         -- views and joining (``View``, ``Permute``, ``Expand``, ``Cat`` ...)
* ``indexing``      -- ``x[key]`` and ``x[key] = value`` (``Select``, ``Slice``, ``Index``, ``CopySlices``)
* ``linalg``        -- matrix products (``Mm``, ``Mv``, ``Dot``, ``Bmm``, ``Addmm``) and ``matmul``
* ``activation``    -- ``LeakyRelu``, ``Hardtanh`` and their recorded backwards
* ``softmax``       -- ``Softmax``, ``LogSoftmax``
* ``convolution``   -- ``Convolution`` and the two ops of its backward
* ``pooling``       -- ``MaxPool2dWithIndices``, ``AdaptiveAvgPool2d``
* ``normalization`` -- ``BatchNorm``
* ``loss``          -- ``MseLoss``, ``NllLoss``

Each backward returns one gradient per input, shaped like the op's output where broadcasting
happened: the engine sums it back to the input's shape (``engine.validate_outputs``), in one place.
"""
