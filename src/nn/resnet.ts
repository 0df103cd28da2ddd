// ResNet-18 as MedMNIST trains it at 28 x 28, built from the nn layers by its plan (resnet-plan.ts,
// which documents the structure and the names: they are MedMNIST2D/models.py's).
import type { Runtime } from '../gpu/runtime.ts';
import { add, relu } from '../ops/elementwise.ts';
import { ShapeError, type Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, Sequential, type InitOptions } from './layers.ts';
import { Module } from './module.ts';
import { planResNet18, type ResNetConfig, type ResNetConvPlan, type ResNetPlan } from './resnet-plan.ts';

function convOf(p: ResNetConvPlan, init: InitOptions): Conv2d {
  return new Conv2d(p.inChannels, p.outChannels, p.kernel, { ...init, stride: p.stride, padding: p.padding, bias: false });
}

/** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the shortcut is conv 1x1 + BN, or the identity (an empty Sequential, as in torch). */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: Sequential;

  constructor(plan: ResNetPlan['blocks'][number], init: InitOptions) {
    super();
    const rt = init.rt;
    this.conv1 = this.addChild('conv1', convOf(plan.first.conv, init));
    this.bn1 = this.addChild('bn1', new BatchNorm2d(plan.first.conv.outChannels, { rt }));
    this.conv2 = this.addChild('conv2', convOf(plan.second.conv, init));
    this.bn2 = this.addChild('bn2', new BatchNorm2d(plan.second.conv.outChannels, { rt }));
    const s = plan.shortcut;
    this.shortcut = this.addChild('shortcut', s ? new Sequential(convOf(s.conv, init), new BatchNorm2d(s.conv.outChannels, { rt })) : new Sequential());
  }

  forward(x: Tensor): Tensor {
    const h = this.bn1.forwardRelu(this.conv1.forward(x));
    return relu(add(this.bn2.forward(this.conv2.forward(h)), this.shortcut.forward(x)));
  }
}

export interface ResNetBuildOptions {
  /** Where the initial weights come from (PyTorch's default initialisations); default new Rng(seed). */
  readonly rng?: Rng;
  /** Seed for the default Rng; default 0. */
  readonly seed?: number;
  readonly rt?: Runtime;
}

export class ResNet18 extends Module {
  readonly plan: ResNetPlan;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  /** layer1..layer4, each a Sequential of BasicBlocks. */
  readonly layers: readonly Sequential[];
  readonly linear: Linear;
  private readonly avgpool: GlobalAvgPool2d;

  /** Use buildResNet18: it checks the configuration first. */
  constructor(plan: ResNetPlan, init: InitOptions) {
    super();
    this.plan = plan;
    this.conv1 = this.addChild('conv1', convOf(plan.stem.conv, init));
    this.bn1 = this.addChild('bn1', new BatchNorm2d(plan.width, { rt: init.rt }));
    const stages = new Map<string, BasicBlock[]>();
    for (const b of plan.blocks) {
      const stage = b.name.split('.')[0];
      stages.set(stage, [...(stages.get(stage) ?? []), new BasicBlock(b, init)]);
    }
    this.layers = [...stages].map(([name, blocks]) => this.addChild(name, new Sequential(...blocks)));
    this.avgpool = this.addChild('avgpool', new GlobalAvgPool2d());
    this.linear = this.addChild(plan.linear, new Linear(plan.features, plan.numClasses, init));
  }

  /** The linear head (the same module as `linear`; every network the trainer takes names it `classifier`). */
  get classifier(): Linear {
    return this.linear;
  }

  /** [N, inChannels, H, W] -> logits [N, numClasses]. A wrong channel count throws before any GPU work. */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.plan.inChannels) {
      throw new ShapeError(`ResNet-18 takes [N, ${this.plan.inChannels}, H, W] images, got [${x.shape.join(', ')}]: build it for the dataset's channels (inChannels)`);
    }
    let y = this.bn1.forwardRelu(this.conv1.forward(x));
    for (const stage of this.layers) y = stage.forward(y);
    return this.linear.forward(this.avgpool.forward(y));
  }
}

/** ResNet-18 for `config` (see resnet-plan.ts), with PyTorch's default initial weights drawn from the seed. */
export function buildResNet18(config: ResNetConfig, options: ResNetBuildOptions = {}): ResNet18 {
  const plan = planResNet18(config);
  return new ResNet18(plan, { rng: options.rng ?? new Rng(options.seed ?? 0), rt: options.rt });
}
