' Yangtze opening-up add-in: the macro behind the "Regenerate tables" button.
' It hands the work to Python through xlwings' RunPython (module xlwings, embedded).
Option Explicit

Sub RegenerateTables()
    RunPython "import yangtze_udf; yangtze_udf.regenerate_tables()"
End Sub
