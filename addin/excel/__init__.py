"""Layer 3a, Excel's side of the worksheet functions.

:mod:`.args` converts what xlwings hands a worksheet function into arrays and problem
codes, and results back. :mod:`.registration` is a development-time tool (it regenerates
the VBA modules from xlwings' own registration code); nothing at run time imports it.
"""
