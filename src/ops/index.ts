export {
  full, zeros, ones, zerosLike, onesLike, affine, neg, addScalar, mulScalar, relu, exp, log, sqrt,
  powScalar, square, abs, sigmoid, tanh, sign, step, add, sub, mul, div, maximum, broadcastShapes,
} from './elementwise.ts';
export { sum, mean, sumToShape } from './reduce.ts';
export { reshape, expand, permute, transpose, slice, concat } from './shape.ts';
export { matmul } from './matmul.ts';
