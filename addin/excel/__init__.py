"""Layer 3a, Excel's side of the worksheet functions.

:mod:`.args` converts what xlwings hands a worksheet function into arrays and problem
codes, and results back, on both of xlwings' routes (classic COM and Office.js);
:mod:`.accessor` is the xlwings converter that hands them over. :mod:`.registration` is a
development-time tool (it regenerates the VBA modules from xlwings' own registration
code) and :mod:`.lite` writes what xlwings Lite needs (``yangtze lite``); the worksheet
functions never import either.
"""
