// ONNX export, written by mednas itself (protobuf.ts; no onnx or protobuf library): the network of a
// model file in eval mode as an ONNX ModelProto (https://onnx.ai/onnx/repo-docs/IR.html, field
// numbers from onnx/onnx.proto), opset 13, IR version 7.
//
// Graph: input `images` float32 [N, C, H, W] (N symbolic; H, W the model's input size, since the
// halving pools' padding depends on it), output `logits` float32 [N, classes]. The input is
// normalised as mednas's loader normalises (the default, `input: 'normalized'`), or pixel values
// 0-255 (`input: 'pixels'`): then the graph starts with Mul by 1 / (255 std) and Add of -mean / std
// per channel (initializers `input_normalization.scale` / `.shift`, [1, C, 1, 1]). Every layer becomes
// one standard op and keeps its module's dotted name (node and output), every tensor is an
// initializer under its PyTorch state_dict name:
//   conv                 Conv (kernel_shape, strides, pads [top, left, bottom, right], dilations, group)
//   BatchNorm (eval)     BatchNormalization on the running statistics, epsilon 1e-5: emitted, not
//                        folded into the conv before it, so the graph holds the trained tensors as
//                        they are (ONNX Runtime folds Conv + BatchNormalization itself when it optimises)
//   ReLU                 Relu
//   halving pools        MaxPool / AveragePool (count_include_pad 0), stride 2, symmetric pads from
//                        halvingPadding (each space pool's padding is the same on both sides, so no Pad op)
//   zero op              Mul by a scalar 0 (NaN and Inf stay NaN, as x.mul(0.))
//   identity op          no node: the state is the input's value
//   cell mean            Mean of the unread states (one state: no node)
//   reduction cell       Concat (axis 1) of the four branches, then the fuse layers
//   head                 GlobalAveragePool, Flatten (axis 1), Gemm (transB = 1) with the classifier
// ResNet-18 (src/nn/resnet-plan.ts): Conv, BatchNormalization and Relu as above (the stem's ReLU is
// node `relu`); each BasicBlock's residual is Add (`layerL.b.add`) then Relu (`layerL.b.relu`), its
// inner ReLU `layerL.b.relu1`, a projection shortcut Conv + BatchNormalization; then
// GlobalAveragePool (`avgpool`), Flatten and Gemm (`linear`).
import type { ResNetConvBn, ResNetPlan } from '../nn/resnet-plan.ts';
import type { ModelFile } from '../train/model-file.ts';
import { MEDNAS_VERSION } from '../version.ts';
import { modelState, PIXEL_INPUT_NOTE, type ModelState, type ModelStateOptions, type NamedTensor } from './model-state.ts';
import { BATCH_NORM_EPS, type LayerSpec, type NetworkSpec } from './network-spec.ts';
import { ProtoWriter } from './protobuf.ts';

export const ONNX_OPSET = 13;
/** The IR version that goes with opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'images';
export const ONNX_OUTPUT = 'logits';
/** What the graph's input holds: images normalised as mednas trains (the network's own input), or pixel values 0-255. */
export const ONNX_INPUT_KINDS = ['normalized', 'pixels'] as const;
export type OnnxInputKind = (typeof ONNX_INPUT_KINDS)[number];

/** `input: 'pixels'` for a model file that records no normalisation (one from before version 3). */
export class OnnxInputError extends Error {
  override name = 'OnnxInputError';
}

// onnx.proto's enum values.
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

type Attribute = { readonly type: 'int'; readonly value: number } | { readonly type: 'ints'; readonly value: readonly number[] } | { readonly type: 'float'; readonly value: number };

const int = (value: number): Attribute => ({ type: 'int', value });
const ints = (...value: number[]): Attribute => ({ type: 'ints', value });
const float = (value: number): Attribute => ({ type: 'float', value });

interface OnnxNode {
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly attributes: Readonly<Record<string, Attribute>>;
}

interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly values: Float32Array;
}

/** An ONNX graph being put together: nodes in topological order, initializers, one input, one output. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly state: ReadonlyMap<string, NamedTensor>) {}

  /** Adds a node whose output is the value `output`; returns that name. */
  node(op: string, name: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, output = name): string {
    if (this.names.has(output)) throw new Error(`ONNX export: value '${output}' is produced twice (a bug in the exporter)`);
    this.names.add(output);
    this.nodes.push({ op, name, inputs, output, attributes });
    return output;
  }

  /** The model's tensor `name` as an initializer (once); returns its name. */
  weight(name: string): string {
    const t = this.state.get(name);
    if (!t) throw new Error(`ONNX export: no tensor '${name}' (a bug in the exporter: modelState checks every name)`);
    return this.constant(name, t.shape, t.values);
  }

  /** An initializer holding `values` (once per name); returns its name. */
  constant(name: string, dims: readonly number[], values: Float32Array): string {
    if (!this.initializers.some((i) => i.name === name)) this.initializers.push({ name, dims, values });
    return name;
  }

  layer(layer: LayerSpec, x: string): string {
    switch (layer.kind) {
      case 'relu':
        return this.node('Relu', layer.name, [x]);
      case 'conv': {
        const [top, bottom, left, right] = layer.padding;
        const inputs = [x, this.weight(`${layer.name}.weight`)];
        if (layer.bias) inputs.push(this.weight(`${layer.name}.bias`));
        return this.node('Conv', layer.name, inputs, {
          kernel_shape: ints(...layer.kernel),
          strides: ints(...layer.stride),
          pads: ints(top, left, bottom, right),
          dilations: ints(...layer.dilation),
          group: int(layer.groups),
        });
      }
      case 'batchnorm': {
        const c = layer.channels;
        const scale = layer.affine ? this.weight(`${layer.name}.weight`) : this.constant(`${layer.name}.ones`, [c], new Float32Array(c).fill(1));
        const shift = layer.affine ? this.weight(`${layer.name}.bias`) : this.constant(`${layer.name}.zeros`, [c], new Float32Array(c));
        const stats = [this.weight(`${layer.name}.running_mean`), this.weight(`${layer.name}.running_var`)];
        return this.node('BatchNormalization', layer.name, [x, scale, shift, ...stats], { epsilon: float(layer.eps) });
      }
      case 'pool': {
        const [ph, pw] = layer.padding;
        const attributes: Record<string, Attribute> = {
          kernel_shape: ints(layer.kernel, layer.kernel),
          strides: ints(layer.stride, layer.stride),
          pads: ints(ph, pw, ph, pw),
        };
        if (layer.pool === 'avg') attributes.count_include_pad = int(layer.countIncludePad ? 1 : 0);
        return this.node(layer.pool === 'max' ? 'MaxPool' : 'AveragePool', layer.name, [x], attributes);
      }
    }
  }

  layers(layers: readonly LayerSpec[], x: string): string {
    return layers.reduce((v, l) => this.layer(l, v), x);
  }
}

/** The graph of a model state: (the input's normalisation,) stem, blocks, head. */
function buildGraph(state: ModelState, input: OnnxInputKind): GraphBuilder {
  const g = new GraphBuilder(new Map(state.tensors.map((t) => [t.name, t])));
  const x = input === 'pixels' ? normalizePixels(g, state) : ONNX_INPUT;
  if (state.network.kind === 'mstf') buildMstfGraph(g, state.network.spec, x);
  else buildResNetGraph(g, state.network.plan, x);
  return g;
}

/** (pixel / 255 - mean) / std per channel as pixel * scale + shift: the loader's normalisation, in the graph. */
function normalizePixels(g: GraphBuilder, state: ModelState): string {
  const stats = state.normalization;
  if (!stats) {
    throw new OnnxInputError(
      'the model file records no input normalisation (it is from before model file version 3), so a graph that takes pixel values cannot be made: export with the normalised input and normalise with the training split\'s mean and std (docs/export.md), or train the model again',
    );
  }
  const c = state.shape.inChannels;
  const scale = Float32Array.from(stats.std.slice(0, c), (s) => 1 / (255 * s));
  const shift = Float32Array.from(stats.mean.slice(0, c), (m, i) => -m / stats.std[i]);
  const scaled = g.node('Mul', 'input_normalization.mul', [ONNX_INPUT, g.constant('input_normalization.scale', [1, c, 1, 1], scale)]);
  return g.node('Add', 'input_normalization.add', [scaled, g.constant('input_normalization.shift', [1, c, 1, 1], shift)]);
}

/** A ResNet conv + BN as layer specs (bias-free square conv, affine BN with PyTorch's eps). */
function convBnLayers({ conv: c, bn }: ResNetConvBn): LayerSpec[] {
  const p = c.padding;
  return [
    {
      kind: 'conv', name: c.name, inChannels: c.inChannels, outChannels: c.outChannels, kernel: [c.kernel, c.kernel], stride: [c.stride, c.stride],
      padding: [p, p, p, p], dilation: [1, 1], groups: 1, bias: false,
    },
    { kind: 'batchnorm', name: bn, channels: c.outChannels, affine: true, eps: BATCH_NORM_EPS },
  ];
}

function buildResNetGraph(g: GraphBuilder, plan: ResNetPlan, input: string): void {
  let x = g.node('Relu', 'relu', [g.layers(convBnLayers(plan.stem), input)]);
  for (const b of plan.blocks) {
    const h = g.node('Relu', `${b.name}.relu1`, [g.layers(convBnLayers(b.first), x)]);
    const main = g.layers(convBnLayers(b.second), h);
    const shortcut = b.shortcut ? g.layers(convBnLayers(b.shortcut), x) : x;
    x = g.node('Relu', `${b.name}.relu`, [g.node('Add', `${b.name}.add`, [main, shortcut])]);
  }
  const pooled = g.node('GlobalAveragePool', 'avgpool', [x]);
  const flat = g.node('Flatten', 'flatten', [pooled], { axis: int(1) });
  g.node('Gemm', plan.linear, [flat, g.weight(`${plan.linear}.weight`), g.weight(`${plan.linear}.bias`)], { transB: int(1) }, ONNX_OUTPUT);
}

function buildMstfGraph(g: GraphBuilder, spec: NetworkSpec, input: string): void {
  let x = g.layers(spec.stem, input);
  for (const block of spec.blocks) {
    const states = [x];
    for (const node of block.normal.nodes) {
      const input = states[node.input];
      if (node.op === 'identity') states.push(input);
      else if (node.op === 'zero') states.push(g.node('Mul', node.name, [input, g.constant('zero', [], new Float32Array(1))]));
      else states.push(g.layers(node.layers, input));
    }
    const outs = block.normal.outputs.map((s) => states[s]);
    x = outs.length === 1 ? outs[0] : g.node('Mean', block.normal.name, outs);
    const branches = block.reduction.branches.map((b) => g.layers(b.layers, x));
    x = g.layers(block.reduction.fuse, g.node('Concat', `${block.reduction.name}.cat`, branches, { axis: int(1) }));
  }
  const pooled = g.node('GlobalAveragePool', 'global_pool', [x]);
  const flat = g.node('Flatten', 'flatten', [pooled], { axis: int(1) });
  const { name } = spec.classifier;
  g.node('Gemm', name, [flat, g.weight(`${name}.weight`), g.weight(`${name}.bias`)], { transB: int(1) }, ONNX_OUTPUT);
}

function writeAttribute(w: ProtoWriter, name: string, a: Attribute): void {
  w.string(1, name); // AttributeProto.name
  if (a.type === 'float') w.int(20, ATTR_FLOAT).float(2, a.value); // type, f
  else if (a.type === 'int') w.int(20, ATTR_INT).int(3, a.value); // type, i
  else {
    w.int(20, ATTR_INTS);
    for (const v of a.value) w.int(8, v); // ints (proto2, unpacked)
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i); // NodeProto.input
  w.string(2, n.output); // output
  w.string(3, n.name); // name
  w.string(4, n.op); // op_type
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, (m) => writeAttribute(m, name, a)); // attribute
}

function writeTensor(w: ProtoWriter, t: Initializer): void {
  for (const d of t.dims) w.int(1, d); // TensorProto.dims
  w.int(2, FLOAT); // data_type
  if (t.values.length > 0) w.packedFloats(4, t.values); // float_data ([packed = true] in onnx.proto)
  w.string(8, t.name); // name
}

/** ValueInfoProto of a float tensor whose dims are numbers or symbolic names. */
function writeValueInfo(w: ProtoWriter, name: string, dims: readonly (number | string)[]): void {
  w.string(1, name);
  w.message(2, (type) => // TypeProto
    type.message(1, (tensor) => { // TypeProto.tensor_type
      tensor.int(1, FLOAT); // elem_type
      tensor.message(2, (shape) => { // TensorShapeProto
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))); // dim_value / dim_param
      });
    }),
  );
}

export interface OnnxEncodeOptions {
  /** The graph's name; default 'mstf_nas' ('resnet18' for ResNet-18). */
  readonly graphName?: string;
  /** What the input holds (default 'normalized'; 'pixels' needs a model file with its normalisation: OnnxInputError). */
  readonly input?: OnnxInputKind;
}

export interface OnnxExportOptions extends ModelStateOptions, OnnxEncodeOptions {}

/** The ONNX ModelProto bytes of a model state (see the header for the graph). */
export function encodeOnnx(state: ModelState, options: OnnxEncodeOptions = {}): Uint8Array {
  const input = options.input ?? 'normalized';
  const g = buildGraph(state, input);
  const metadata = input === 'pixels' ? { ...state.metadata, input: `${PIXEL_INPUT_NOTE} (metadata keys mean and std)` } : state.metadata;
  const io = state.shape;
  const what = state.network.kind === 'mstf' ? `MSTF-NAS network (genotype ${state.metadata.genotype})` : "ResNet-18 (MedMNIST's 28 px form: 3x3 stem, no max pool)";
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION); // ModelProto.ir_version
  w.string(2, 'mednas'); // producer_name
  w.string(3, MEDNAS_VERSION); // producer_version
  w.string(4, 'org.mednas'); // domain
  w.int(5, 1); // model_version
  w.string(6, `${what}, ${metadata.weights} weights of a model trained on ${metadata.dataset}. Input ${ONNX_INPUT}: ${metadata.input}. Output ${ONNX_OUTPUT}: [N, ${io.numClasses}] (softmax for class scores; sigmoid per label for multi-label tasks).`);
  w.message(7, (graph) => {
    for (const n of g.nodes) graph.message(1, (m) => writeNode(m, n)); // GraphProto.node
    graph.string(2, options.graphName ?? (state.network.kind === 'mstf' ? 'mstf_nas' : 'resnet18')); // name
    for (const t of g.initializers) graph.message(5, (m) => writeTensor(m, t)); // initializer
    graph.message(11, (m) => writeValueInfo(m, ONNX_INPUT, ['N', io.inChannels, io.inputHeight, io.inputWidth])); // input
    graph.message(12, (m) => writeValueInfo(m, ONNX_OUTPUT, ['N', io.numClasses])); // output
  });
  w.message(8, (op) => op.string(1, '').int(2, ONNX_OPSET)); // opset_import: the default domain
  for (const [key, value] of Object.entries(metadata)) w.message(14, (m) => m.string(1, key).string(2, value)); // metadata_props
  return w.finish();
}

/** A model file's network (its best weights unless options.weights says 'last') as ONNX bytes. */
export function modelToOnnx(model: ModelFile, options: OnnxExportOptions = {}): Uint8Array {
  return encodeOnnx(modelState(model, options), options);
}
