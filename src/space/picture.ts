// The architecture as a Graphviz DOT graph (the paper's Fig. 9): per block, the normal cell as a DAG
// (the cell input, nodes 0-4, op names on the edges, the mean of the output states) and the
// reduction cell's four pooling branches, concatenation and fuse; the stem above, the classifier
// below. Zero-op edges and dead states are drawn dashed and grey. svg.ts lays it out as SVG.
import { architectureCost, type ArchitectureCost } from './costs.ts';
import { deadStates } from './dead.ts';
import { decodeGenotype, normalCellOutputs, resolveGenotype, type GenotypeInput } from './genotype.ts';
import { NORMAL_OP_NAMES, REDUCTION_OP_NAMES } from './op-names.ts';
import type { NetworkConfig } from './plan.ts';

export interface PictureOptions {
  /** When given, cluster titles carry channels, sizes and parameter counts for this network. */
  config?: NetworkConfig;
  /** A title above the picture. */
  title?: string;
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function attrs(a: Record<string, string | undefined>): string {
  const parts = Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quote(v!)}`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

const GREY = '#9a9a9a';
const FILL = { state: '#eef3fb', output: '#fdf1dc', pool: '#e8f5e9', fixed: '#f2f2f2' };

/** The DOT source of the architecture's picture. */
export function genotypeToDot(genotype: GenotypeInput, options: PictureOptions = {}): string {
  const g = resolveGenotype(genotype);
  const cost: ArchitectureCost | null = options.config ? architectureCost(g, options.config) : null;
  const lines: string[] = [];
  const emit = (s: string, depth = 1): void => {
    lines.push(`${'  '.repeat(depth)}${s}`);
  };
  lines.push('digraph mstf_nas {');
  emit(`graph${attrs({ rankdir: 'TB', fontname: 'Courier', fontsize: '12', nodesep: '0.25', ranksep: '0.3', labelloc: 't', label: options.title })};`);
  emit(`node${attrs({ shape: 'box', style: 'rounded,filled', fontname: 'Courier', fontsize: '11', fillcolor: FILL.fixed, height: '0.3' })};`);
  emit(`edge${attrs({ fontname: 'Courier', fontsize: '10', arrowsize: '0.6' })};`);
  const stemLabel = cost
    ? `stem: conv 3x3 ${cost.plan.inChannels} -> ${cost.plan.initChannels}, BN\n${count(cost.stem.params)} params`
    : 'stem: conv 3x3 -> C, BN';
  emit(`stem${attrs({ label: stemLabel })};`);
  let previous = 'stem';
  decodeGenotype(g).forEach((block, b) => {
    const id = `b${b + 1}`;
    const bc = cost?.blocks[b];
    const dead = deadStates(block.normal);
    const outputs = normalCellOutputs(block.normal);
    const stateId = (s: number): string => (s === 0 ? `${id}_in` : `${id}_n${s - 1}`);
    // Normal cell.
    emit(`subgraph cluster_${id}_normal {`);
    const normalTitle = bc
      ? `block ${b + 1} normal cell: ${bc.channels} ch, ${bc.height} x ${bc.width}, ${count(bc.normal.params)} params`
      : `block ${b + 1} normal cell`;
    const deadNote = outputs.every((s) => dead[s]) ? '\n(dead: every output descends from a zero op, so the output is 0)' : '';
    emit(`graph${attrs({ label: normalTitle + deadNote, style: 'rounded', color: '#7f9cc7' })};`, 2);
    emit(`${stateId(0)}${attrs({ label: 'in', shape: 'ellipse', fillcolor: FILL.state })};`, 2);
    block.normal.forEach((_, k) => {
      const off = dead[k + 1];
      emit(`${stateId(k + 1)}${attrs({ label: `node ${k}`, fillcolor: FILL.state, color: off ? GREY : undefined, fontcolor: off ? GREY : undefined, style: off ? 'rounded,filled,dashed' : undefined })};`, 2);
    });
    emit(`${id}_mean${attrs({ label: `mean of ${outputs.length}`, shape: 'ellipse', fillcolor: FILL.output })};`, 2);
    block.normal.forEach((n, k) => {
      const off = dead[k + 1]; // a zero op, or an op on a dead state
      emit(`${stateId(n.input)} -> ${stateId(k + 1)}${attrs({ label: NORMAL_OP_NAMES[n.op], style: off ? 'dashed' : undefined, color: off ? GREY : undefined, fontcolor: off ? GREY : undefined })};`, 2);
    });
    for (const s of outputs) emit(`${stateId(s)} -> ${id}_mean${attrs({ style: dead[s] ? 'dashed' : undefined, color: dead[s] ? GREY : undefined })};`, 2);
    emit('}');
    emit(`${previous} -> ${stateId(0)};`);
    // Reduction cell.
    emit(`subgraph cluster_${id}_reduction {`);
    const reductionTitle = bc
      ? `block ${b + 1} reduction cell: ${bc.channels} -> ${2 * bc.channels} ch, ${bc.height} x ${bc.width} -> ${Math.floor(bc.height / 2)} x ${Math.floor(bc.width / 2)}, ${count(bc.reduction.params)} params`
      : `block ${b + 1} reduction cell`;
    emit(`graph${attrs({ label: reductionTitle, labelloc: 'b', style: 'rounded', color: '#7fb38a' })};`, 2);
    block.pools.forEach((p, j) => emit(`${id}_p${j}${attrs({ label: `${REDUCTION_OP_NAMES[p]}\nReLU, conv 1x1, BN`, fillcolor: FILL.pool })};`, 2));
    emit(`${id}_cat${attrs({ label: 'concat', shape: 'ellipse' })};`, 2);
    emit(`${id}_fuse${attrs({ label: 'ReLU, conv 1x1 (x2 ch), BN' })};`, 2);
    block.pools.forEach((_, j) => {
      emit(`${id}_mean -> ${id}_p${j};`, 2);
      emit(`${id}_p${j} -> ${id}_cat;`, 2);
    });
    emit(`${id}_cat -> ${id}_fuse;`, 2);
    emit('}');
    previous = `${id}_fuse`;
  });
  const headLabel = cost
    ? `global average pool, linear ${cost.plan.features} -> ${cost.plan.numClasses}\n${count(cost.params)} params, ${count(cost.macs)} MACs in all`
    : 'global average pool, linear -> classes';
  emit(`head${attrs({ label: headLabel })};`);
  emit(`${previous} -> head;`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
