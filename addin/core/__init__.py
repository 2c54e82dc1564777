"""Layer 1, the kernels: numpy arrays in, values and a problem code per element out; no I/O.

:mod:`.indices` (T, I, Z), :mod:`.disparity` (weighted CV, Theil, Gini), :mod:`.growth`,
:mod:`.gaps`, :mod:`.problems` (the per-element reasons) and :mod:`.units`; beyond the
paper, :mod:`.convergence` (σ and β), :mod:`.inference` (bootstrap intervals, the Theil
between-share permutation test) and :mod:`.spatial` (Moran's I over sparse weights).
"""
