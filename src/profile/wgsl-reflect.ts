// What a WGSL module declares at module scope, read from its source: resource bindings (group,
// binding, address space, access, type), override constants, constants, structs, aliases and entry
// points with their workgroup sizes. Dawn's WebGPU API does not hand this reflection out, and the
// profiler needs it to check a user's buffers against the shader before any GPU work (a wrong
// binding, a buffer too small, an override that does not exist), with messages that name the
// binding. The source is compiled by Dawn first, so this reader only has to understand valid WGSL;
// function bodies are skipped.
import { isIdentifier, isNumber, literalValue, tokenize, type Token } from './wgsl-tokens.ts';
import { typeText, type ScalarName, type StructMember, type WgslType } from './wgsl-layout.ts';

export type AddressSpace = 'storage' | 'uniform' | 'handle' | 'other';

export interface WgslBinding {
  readonly group: number;
  readonly binding: number;
  readonly name: string;
  /** storage / uniform buffers; 'handle' for textures and samplers. */
  readonly space: AddressSpace;
  /** For storage buffers: 'read' (WGSL's default) or 'read_write'. */
  readonly access: 'read' | 'read_write' | null;
  readonly type: WgslType;
  /** The type as written in the source (for messages). */
  readonly typeText: string;
  readonly line: number;
}

export interface WgslOverride {
  readonly name: string;
  /** @id(n): the pipeline constant's key is then the number. */
  readonly id: number | null;
  readonly type: string | null;
  /** The default's value when it can be worked out; undefined when none is declared. */
  readonly defaultValue: number | undefined;
  readonly hasDefault: boolean;
  readonly line: number;
}

export interface WgslEntryPoint {
  readonly name: string;
  readonly stage: 'compute' | 'vertex' | 'fragment';
  /** @workgroup_size's expressions, to be evaluated with the pipeline's override values. */
  readonly workgroupSize: readonly (readonly Token[])[];
  readonly line: number;
}

export interface WgslReflection {
  readonly bindings: readonly WgslBinding[];
  readonly overrides: readonly WgslOverride[];
  readonly entryPoints: readonly WgslEntryPoint[];
  /** Evaluates a constant expression (literals, consts, overrides with `overrideValues` or their defaults). */
  evaluate(expr: readonly Token[], overrideValues?: Readonly<Record<string, number>>): number | undefined;
}

/** The source has a module-scope construct this reader does not follow. */
export class WgslReadError extends Error {
  override name = 'WgslReadError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

interface TypeAst {
  readonly name: string;
  readonly args: readonly (TypeAst | Token[])[];
  readonly text: string;
}

interface Attribute {
  readonly name: string;
  readonly args: Token[][];
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) {
      const last = this.tokens[this.tokens.length - 1];
      throw new WgslReadError('unexpected end of the source', last?.line ?? 1, last?.column ?? 1);
    }
    return t;
  }

  expect(text: string): Token {
    const t = this.next();
    if (t.text !== text) throw new WgslReadError(`expected '${text}', found '${t.text}'`, t.line, t.column);
    return t;
  }

  accept(text: string): boolean {
    if (this.peek()?.text !== text) return false;
    this.i++;
    return true;
  }

  identifier(): Token {
    const t = this.next();
    if (!isIdentifier(t)) throw new WgslReadError(`expected a name, found '${t.text}'`, t.line, t.column);
    return t;
  }

  /** Skips a balanced (...), {...} or [...] group whose opener is next. */
  skipGroup(): Token[] {
    const open = this.next();
    const close = { '(': ')', '{': '}', '[': ']' }[open.text];
    if (!close) throw new WgslReadError(`expected a bracket, found '${open.text}'`, open.line, open.column);
    const inside: Token[] = [];
    let depth = 1;
    for (;;) {
      const t = this.next();
      if (t.text === open.text) depth++;
      else if (t.text === close && --depth === 0) return inside;
      inside.push(t);
    }
  }

  /** Tokens up to (not including) the next `stop` at bracket depth 0. */
  until(...stops: string[]): Token[] {
    const out: Token[] = [];
    let depth = 0;
    while (!this.done) {
      const t = this.peek()!;
      if (depth === 0 && stops.includes(t.text)) return out;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      out.push(this.next());
    }
    return out;
  }

  attributes(): Attribute[] {
    const out: Attribute[] = [];
    while (this.accept('@')) {
      const name = this.identifier().text;
      const args: Token[][] = [];
      if (this.peek()?.text === '(') {
        const inside = this.skipGroup();
        let current: Token[] = [];
        let depth = 0;
        for (const t of inside) {
          if (t.text === '(') depth++;
          if (t.text === ')') depth--;
          if (t.text === ',' && depth === 0) {
            args.push(current);
            current = [];
          } else current.push(t);
        }
        if (current.length) args.push(current);
      }
      out.push({ name, args });
    }
    return out;
  }

  /** A type: name, optionally with a template list of types and expressions. */
  type(): TypeAst {
    const name = this.identifier();
    const args: (TypeAst | Token[])[] = [];
    const parts = [name.text];
    if (this.accept('<')) {
      for (;;) {
        // A template argument that starts like a type (a name followed by '<', ',' or '>') is one;
        // anything else (array counts) is an expression.
        const t = this.peek();
        const after = this.peek(1)?.text;
        if (isIdentifier(t) && (after === '<' || after === ',' || after === '>')) {
          const arg = this.type();
          args.push(arg);
          parts.push(arg.text);
        } else {
          const expr = this.until(',', '>');
          args.push(expr);
          parts.push(expr.map((e) => e.text).join(''));
        }
        if (this.accept('>')) break;
        this.expect(',');
      }
    }
    const text = args.length ? `${name.text}<${parts.slice(1).join(', ')}>` : name.text;
    return { name: name.text, args, text };
  }
}

interface RawVar {
  attrs: Attribute[];
  space: string | null;
  access: string | null;
  name: Token;
  type: TypeAst | null;
}

interface RawStruct {
  members: { name: string; type: TypeAst; attrs: Attribute[] }[];
}

const SCALARS: readonly string[] = ['f32', 'f16', 'i32', 'u32', 'bool'];
const SHORT_SCALAR: Record<string, ScalarName> = { f: 'f32', h: 'f16', i: 'i32', u: 'u32' };

/** Reads the module-scope declarations of `code` (valid WGSL: compile it first). */
export function reflectWgsl(code: string): WgslReflection {
  const p = new Parser(tokenize(code));
  const vars: RawVar[] = [];
  const structs = new Map<string, RawStruct>();
  const aliases = new Map<string, TypeAst>();
  const consts = new Map<string, Token[]>();
  const rawOverrides: { attrs: Attribute[]; name: Token; type: TypeAst | null; init: Token[] | null }[] = [];
  const entryPoints: WgslEntryPoint[] = [];

  while (!p.done) {
    const attrs = p.attributes();
    if (p.done) break;
    const keyword = p.next();
    switch (keyword.text) {
      case ';':
        break;
      case 'enable':
      case 'requires':
      case 'const_assert':
        p.until(';');
        p.expect(';');
        break;
      case 'diagnostic':
        p.skipGroup();
        p.accept(';');
        break;
      case 'struct': {
        const name = p.identifier().text;
        p.expect('{');
        const members: RawStruct['members'] = [];
        while (!p.accept('}')) {
          const memberAttrs = p.attributes();
          const member = p.identifier().text;
          p.expect(':');
          members.push({ name: member, type: p.type(), attrs: memberAttrs });
          if (!p.accept(',')) {
            p.expect('}');
            break;
          }
        }
        structs.set(name, { members });
        p.accept(';');
        break;
      }
      case 'alias': {
        const name = p.identifier().text;
        p.expect('=');
        aliases.set(name, p.type());
        p.expect(';');
        break;
      }
      case 'const': {
        const name = p.identifier().text;
        if (p.accept(':')) p.type();
        p.expect('=');
        consts.set(name, p.until(';'));
        p.expect(';');
        break;
      }
      case 'override': {
        const name = p.identifier();
        const type = p.accept(':') ? p.type() : null;
        const init = p.accept('=') ? p.until(';') : null;
        p.expect(';');
        rawOverrides.push({ attrs, name, type, init });
        break;
      }
      case 'var': {
        let space: string | null = null;
        let access: string | null = null;
        if (p.accept('<')) {
          space = p.identifier().text;
          if (p.accept(',')) access = p.identifier().text;
          p.expect('>');
        }
        const name = p.identifier();
        const type = p.accept(':') ? p.type() : null;
        p.until(';');
        p.expect(';');
        vars.push({ attrs, space, access, name, type });
        break;
      }
      case 'fn': {
        const name = p.identifier();
        p.skipGroup(); // parameters
        if (p.accept('->')) {
          p.attributes();
          p.type();
        }
        p.skipGroup(); // body
        const stage = attrs.find((a) => a.name === 'compute' || a.name === 'vertex' || a.name === 'fragment');
        if (stage) {
          entryPoints.push({
            name: name.text,
            stage: stage.name as WgslEntryPoint['stage'],
            workgroupSize: attrs.find((a) => a.name === 'workgroup_size')?.args ?? [],
            line: name.line,
          });
        }
        break;
      }
      default:
        throw new WgslReadError(`mednas does not follow the module-scope token '${keyword.text}'`, keyword.line, keyword.column);
    }
  }

  const overrideDefaults = new Map<string, Token[] | null>(rawOverrides.map((o) => [o.name.text, o.init]));

  function evaluate(expr: readonly Token[], overrideValues: Readonly<Record<string, number>> = {}, seen = new Set<string>()): number | undefined {
    let k = 0;
    const peek = (): string | undefined => expr[k]?.text;
    const primary = (): number | undefined => {
      const t = expr[k++];
      if (!t) return undefined;
      if (t.text === '(') {
        const v = sum();
        return expr[k++]?.text === ')' ? v : undefined;
      }
      if (t.text === '-') {
        const v = primary();
        return v === undefined ? undefined : -v;
      }
      if (isNumber(t)) return literalValue(t.text);
      if (isIdentifier(t)) {
        if (peek() === '(' || peek() === '<') {
          // A conversion such as u32(4) or i32(x): its single argument's value.
          if (peek() === '<') return undefined;
          k++;
          const v = sum();
          return expr[k++]?.text === ')' ? v : undefined;
        }
        if (seen.has(t.text)) return undefined;
        if (t.text in overrideValues) return overrideValues[t.text];
        const source = consts.get(t.text) ?? overrideDefaults.get(t.text);
        if (!source) return undefined;
        return evaluate(source, overrideValues, new Set([...seen, t.text]));
      }
      return undefined;
    };
    const product = (): number | undefined => {
      let v = primary();
      while (peek() === '*' || peek() === '/' || peek() === '%') {
        const op = expr[k++].text;
        const r = primary();
        if (v === undefined || r === undefined) return undefined;
        v = op === '*' ? v * r : op === '/' ? (Number.isInteger(v) && Number.isInteger(r) ? Math.trunc(v / r) : v / r) : v % r;
      }
      return v;
    };
    const sum = (): number | undefined => {
      let v = product();
      while (peek() === '+' || peek() === '-') {
        const op = expr[k++].text;
        const r = product();
        if (v === undefined || r === undefined) return undefined;
        v = op === '+' ? v + r : v - r;
      }
      return v;
    };
    const value = sum();
    return k === expr.length ? value : undefined;
  }

  function resolveType(ast: TypeAst, seen = new Set<string>()): WgslType {
    const { name, args } = ast;
    const opaque = (why: string): WgslType => ({ kind: 'opaque', text: ast.text, why });
    const scalarArg = (i: number): ScalarName | null => {
      const a = args[i];
      if (!a || Array.isArray(a)) return null;
      const t = resolveType(a, seen);
      return t.kind === 'scalar' ? t.scalar : null;
    };
    if (SCALARS.includes(name)) return { kind: 'scalar', scalar: name as ScalarName };
    let m = /^vec([234])([fhiu])?$/.exec(name);
    if (m) {
      const scalar = m[2] ? SHORT_SCALAR[m[2]] : scalarArg(0);
      return scalar ? { kind: 'vector', size: Number(m[1]) as 2 | 3 | 4, scalar } : opaque('its component type is not a scalar');
    }
    m = /^mat([234])x([234])([fh])?$/.exec(name);
    if (m) {
      const scalar = m[3] ? SHORT_SCALAR[m[3]] : scalarArg(0);
      return scalar
        ? { kind: 'matrix', columns: Number(m[1]) as 2 | 3 | 4, rows: Number(m[2]) as 2 | 3 | 4, scalar }
        : opaque('its component type is not a scalar');
    }
    if (name === 'atomic') {
      const scalar = scalarArg(0);
      return scalar ? { kind: 'atomic', scalar } : opaque('not an atomic of a scalar');
    }
    if (name === 'array') {
      const element = args[0];
      if (!element || Array.isArray(element)) return opaque('no element type');
      const elementType = resolveType(element, seen);
      const countExpr = args[1];
      if (countExpr === undefined) return { kind: 'array', element: elementType, count: null };
      // A bare name as the count (array<f32, N>) was read as a type: it is a constant's name.
      const count = evaluate(Array.isArray(countExpr) ? countExpr : [{ text: countExpr.name, line: 0, column: 0 }]);
      if (count === undefined || !Number.isInteger(count) || count <= 0) return opaque('its element count is not a constant mednas can evaluate');
      return { kind: 'array', element: elementType, count };
    }
    if (seen.has(name)) return opaque('it refers to itself');
    const alias = aliases.get(name);
    if (alias) return resolveType(alias, new Set([...seen, name]));
    const struct = structs.get(name);
    if (struct) {
      const inner = new Set([...seen, name]);
      const members: StructMember[] = struct.members.map((mb) => {
        const align = mb.attrs.find((a) => a.name === 'align')?.args[0];
        const size = mb.attrs.find((a) => a.name === 'size')?.args[0];
        return {
          name: mb.name,
          type: resolveType(mb.type, inner),
          ...(align ? { align: evaluate(align) } : {}),
          ...(size ? { size: evaluate(size) } : {}),
        };
      });
      return { kind: 'struct', name, members };
    }
    return opaque(/^(texture|sampler)/.test(name) ? 'a texture or sampler' : 'not a type of data mednas knows');
  }

  const intAttr = (attrs: Attribute[], name: string, where: Token): number | null => {
    const a = attrs.find((x) => x.name === name);
    if (!a) return null;
    const v = a.args[0] ? evaluate(a.args[0]) : undefined;
    if (v === undefined || !Number.isInteger(v) || v < 0) {
      throw new WgslReadError(`@${name}(...) of '${where.text}' is not a constant mednas can evaluate: write a plain number`, where.line, where.column);
    }
    return v;
  };

  const bindings: WgslBinding[] = [];
  for (const v of vars) {
    const binding = intAttr(v.attrs, 'binding', v.name);
    const group = intAttr(v.attrs, 'group', v.name);
    if (binding === null || group === null) continue; // private / workgroup variables
    const type = v.type ? resolveType(v.type) : ({ kind: 'opaque', text: '?', why: 'no type given' } as WgslType);
    const space: AddressSpace = v.space === 'storage' ? 'storage' : v.space === 'uniform' ? 'uniform' : v.space === null ? 'handle' : 'other';
    bindings.push({
      group,
      binding,
      name: v.name.text,
      space,
      access: space === 'storage' ? (v.access === 'read_write' ? 'read_write' : 'read') : null,
      type,
      typeText: v.type?.text ?? typeText(type),
      line: v.name.line,
    });
  }

  const overrides: WgslOverride[] = rawOverrides.map((o) => ({
    name: o.name.text,
    id: intAttr(o.attrs, 'id', o.name),
    type: o.type?.text ?? null,
    defaultValue: o.init ? evaluate(o.init) : undefined,
    hasDefault: o.init !== null,
    line: o.name.line,
  }));

  return { bindings, overrides, entryPoints, evaluate: (expr, values) => evaluate(expr, values) };
}
