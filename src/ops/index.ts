export {
  full, zeros, ones, zerosLike, onesLike, affine, neg, addScalar, mulScalar, relu, exp, log, sqrt,
  powScalar, square, abs, sigmoid, tanh, sign, step, add, sub, mul, div, maximum, meanOf,
  broadcastShapes,
} from './elementwise.ts';
export { sum, mean, sumToShape } from './reduce.ts';
export { reshape, expand, permute, transpose, slice, concat } from './shape.ts';
export { matmul } from './matmul.ts';
export { conv2d, reluConv2d, type Conv2dOptions } from './conv.ts';
export { maxPool2d, avgPool2d, globalAvgPool2d, type Pool2dOptions } from './pool.ts';
export { batchNorm2d, type BatchNormOptions } from './norm.ts';
export { crossEntropy, bceWithLogits, softmax } from './loss.ts';
export { linear } from './linear.ts';
