// Run the one cell rule (addin/core/cells.py, pure Python) inside real Pyodide under Node.
// Usage: node tests/pyodide_cells.mjs PYODIDE_DIR CELLS_PY; prints one JSON line.
// Pyodide's numpy (and xlwings) come from a CDN, not reachable offline: only pure-Python
// modules run here. tests/test_pyodide_node.py runs this and checks the answer.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pyodideDir, cellsPath] = process.argv.slice(2);
const require = createRequire(pathToFileURL(pyodideDir + "/").href);
const { loadPyodide } = await import(pathToFileURL(require.resolve("pyodide/pyodide.mjs")).href);
const pyodide = await loadPyodide();
pyodide.FS.writeFile("/home/pyodide/cells.py", readFileSync(cellsPath, "utf8"));
// what Office.js hands a custom function: a blank as null, an error cell as an object
const officeJs = JSON.stringify([[null, 12, 2.5, "1,234.5", "—", true],
  [{ type: "Error", basicValue: "#N/A", errorType: "NotAvailable" },
   { type: "Error", errorType: "Div0" }, "", "abc", -3, 0]]);
const answer = pyodide.runPython(`
import doctest, json, sys
import js
import cells
failed, attempted = doctest.testmod(cells)
rows = js.JSON.parse(${JSON.stringify(officeJs)}).to_py()
json.dumps({
    "platform": sys.platform,
    "python": sys.version.split()[0],
    "doctests": [failed, attempted],
    "null_type": type(rows[0][0]).__module__ + "." + type(rows[0][0]).__name__,
    "kinds": [[cells.classify_cell(v)[1] for v in row] for row in rows],
    "numbers": [[None if v != v else v for v, _ in map(cells.classify_cell, row)] for row in rows],
    "errors": [[cells.error_of(v) for v in row] for row in rows],
})
`);
console.log(JSON.stringify({ pyodide: pyodide.version, ...JSON.parse(answer) }));
