// The value-import graph of src/ has no circle inside src/ops. A circle there means a backward rule
// reached for a differentiable op where a tape-free primitive (src/ops/primitives) does the job, and
// module evaluation order then decides whether a binding exists yet. The one circle allowed in all of
// src/ is tensor.ts <-> tape.ts (tape.ts says why). Type-only imports are erased, so they do not count;
// nor do dynamic import() calls, which run after every module has been evaluated.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** True when an import or re-export brings no value: `import type`, or every named binding is `type`. */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false; // a side-effect import runs the module
    if (clause.isTypeOnly) return true;
    const named = clause.namedBindings;
    return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** The src/ files each src/ file imports for values (paths relative to src/). */
function valueImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    const targets: string[] = [];
    for (const node of sf.statements) {
      if (!ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) continue;
      const spec = node.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.') || !spec.text.endsWith('.ts')) continue;
      if (typeOnly(node)) continue;
      const target = resolve(dirname(file), spec.text);
      if (target.startsWith(src)) targets.push(relative(src, target));
    }
    graph.set(relative(src, file), targets);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const graph = valueImports();
const found = circles(graph);

test('the import walk sees the op families and their primitives', () => {
  assert.ok(graph.size > 150, `only ${graph.size} files under src/`);
  assert.ok(graph.get('ops/conv.ts')?.some((f) => f.startsWith('ops/')), 'ops/conv.ts imports nothing from src/ops');
});

test('no circle of value imports inside src/ops', () => {
  const inOps = found.filter((c) => c.some((f) => f.startsWith('ops/')));
  assert.equal(inOps, [], `circles through src/ops: ${inOps.map((c) => c.join(' <-> ')).join('; ')}`);
});

test('the only circle of value imports in src/ is tensor.ts <-> tape.ts', () => {
  assert.equal(found, [['tensor/tape.ts', 'tensor/tensor.ts']], `circles: ${found.map((c) => c.join(' <-> ')).join('; ')}`);
});

test.run();
