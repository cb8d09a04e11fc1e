import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** An edge between two folders, with one import that makes it (for the failure message). */
export interface FolderEdge {
  from: string;
  to: string;
  example: string;
}

/**
 * Builds the graph of imports between the layers under `root` (e.g. `server/`): each top-level
 * folder (with its sub-folders: `store/sqlite` is part of `store`) is a node, and so is each file
 * at the root (`app.ts`, `domain.ts`: the composition root and the leaves every layer shares). An
 * import from a file in node A of a file in node B (A ≠ B) is an edge A → B. Imports are read
 * with the TypeScript parser, so comments and strings never count; `import type` counts too: a
 * cycle of types is still a cycle between layers.
 */
export function folderImportGraph(root: string): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
    for (const specifier of importSpecifiers(source)) {
      if (!specifier.startsWith(".")) continue;
      const target = resolve(dirname(file), specifier);
      if (relative(root, target).startsWith("..")) continue;
      const to = folderOf(root, target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${relative(root, file)} imports ${specifier}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every cycle's folders, found by depth-first search; each cycle listed once, as a path of edges. */
export function folderCycles(graph: Map<string, Map<string, string>>): FolderEdge[][] {
  const cycles: FolderEdge[][] = [];
  const seen = new Set<string>();
  const visit = (node: string, path: string[]): void => {
    for (const [next] of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const loop = [...path.slice(at), next];
        const key = canonical(loop.slice(0, -1));
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(loop.slice(0, -1).map((from, i) => edge(graph, from, loop[i + 1]!)));
        }
        continue;
      }
      visit(next, [...path, next]);
    }
  };
  for (const node of [...graph.keys()].sort()) visit(node, [node]);
  return cycles;
}

function edge(graph: Map<string, Map<string, string>>, from: string, to: string): FolderEdge {
  return { from, to, example: graph.get(from)?.get(to) ?? "" };
}

/** The same cycle found from another start is the same cycle: rotate it to its smallest name. */
function canonical(loop: string[]): string {
  const start = loop.indexOf([...loop].sort()[0]!);
  return [...loop.slice(start), ...loop.slice(0, start)].join(" → ");
}

function folderOf(root: string, file: string): string {
  const parts = relative(root, file).split(sep);
  // An import names `x.js` for the source `x.ts`: the node is named for the source.
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.js$/, ".ts");
}

function importSpecifiers(source: ts.SourceFile): string[] {
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  // Dynamic `import("./x.js")` is an import too.
  const walk = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, walk);
  };
  walk(source);
  return specifiers;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}
