' Yangtze opening-up add-in: the macro behind the "Regenerate tables" button.
' It registers the worksheet functions' help (module FunctionHelp) and hands the work
' to Python through xlwings' RunPython (module xlwings, embedded).
Option Explicit

Sub RegenerateTables()
    RegisterFunctionHelp
    RunPython "import yangtze_udf; yangtze_udf.regenerate_tables()"
End Sub
