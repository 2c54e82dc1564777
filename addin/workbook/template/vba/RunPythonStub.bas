' TEST BUILD ONLY: stands in for xlwings' RunPython so that LibreOffice can run the
' button's macro. It writes the Python command into Guide!A60 instead of running it.
Option Explicit

Public Function RunPython(PythonCommand As String)
    ThisWorkbook.Worksheets("Guide").Range("A60").Value = PythonCommand
End Function
