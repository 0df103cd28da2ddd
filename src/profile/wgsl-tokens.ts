// Tokens of a WGSL source for reading its module-scope declarations (src/profile/wgsl-reflect.ts).
// Comments become spaces so positions stay true; '<' and '>' are always single tokens, because in
// `array<vec4<f32>>` the '>>' closes two template lists.

export interface Token {
  readonly text: string;
  /** 1-based, as Dawn's messages count. */
  readonly line: number;
  readonly column: number;
}

/** Replaces comments (line, and nested block comments) with spaces, keeping newlines. */
export function blankComments(code: string): string {
  const out = code.split('');
  let i = 0;
  while (i < code.length) {
    if (code.startsWith('//', i)) {
      while (i < code.length && code[i] !== '\n' && code[i] !== '\r') out[i++] = ' ';
    } else if (code.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (code.startsWith('/*', i)) {
          depth++;
          out[i] = out[i + 1] = ' ';
          i += 2;
        } else if (code.startsWith('*/', i)) {
          depth--;
          out[i] = out[i + 1] = ' ';
          i += 2;
        } else {
          if (code[i] !== '\n' && code[i] !== '\r') out[i] = ' ';
          i++;
        }
      } while (depth > 0 && i < code.length);
    } else {
      i++;
    }
  }
  return out.join('');
}

const TOKEN = /([A-Za-z_][A-Za-z0-9_]*)|(0[xX][0-9a-fA-F]+[iu]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fhiu]?)|(->|==|!=|<=|>=|&&|\|\||\+\+|--|[-+*/%&|^!~<>=(){}[\],.:;@])|(\S)/g;

export function tokenize(code: string): Token[] {
  const text = blankComments(code);
  const tokens: Token[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  let line = 0;
  const re = new RegExp(TOKEN.source, 'g'); // a fresh lastIndex per call
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= m.index) line++;
    tokens.push({ text: m[0], line: line + 1, column: m.index - lineStarts[line] + 1 });
  }
  return tokens;
}

export const isIdentifier = (t: Token | undefined): boolean => t !== undefined && /^[A-Za-z_]/.test(t.text);
export const isNumber = (t: Token | undefined): boolean => t !== undefined && /^(\d|\.\d)/.test(t.text);

/** The value of a WGSL numeric literal (1u, 2i, 0x10, 1.5f, 3e2), or undefined for anything else. */
export function literalValue(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+[iu]?$/.test(text)) return parseInt(text.replace(/[iu]$/, ''), 16);
  const m = /^((?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)[fhiu]?$/.exec(text);
  return m ? Number(m[1]) : undefined;
}
