// Fully connected layer, torch.nn.functional.linear: y = x W^T + b with W stored [out, in] as
// PyTorch does. W^T and the transposes in backward are strided layouts of the matmul kernel, not
// copies; the bias is a broadcast add, its gradient a column sum.
import type { Runtime } from '../gpu/runtime.ts';
import { assertSameRuntime, ShapeError, Tensor } from '../tensor/tensor.ts';
import { recordOp } from '../tensor/tape.ts';
import { binary } from './primitives/elementwise.ts';
import { matmulInto, rowMajor, transposed } from './matmul.ts';
import { sum } from './reduce.ts';

/** x W^T for x [rows, in] and W [out, in], without recording a tape. */
function matmulWT(rt: Runtime, x: Tensor, w: Tensor, rows: number, inF: number, outF: number): Tensor {
  return matmulInto(rt, rowMajor(x, rows, inF, false), transposed(w, inF, outF, false), rows, outF, inF, 1, [rows, outF]);
}

/**
 * x [..., in] -> [..., out] with weight [out, in] and an optional bias [out]. Leading dimensions of
 * x are flattened into rows (a view), so [N, in] and [N, T, in] both work.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const rt = assertSameRuntime('linear', x, weight, ...(bias ? [bias] : []));
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be [out, in], got [${weight.shape.join(', ')}]`);
  const [outF, inF] = weight.shape;
  if (x.rank < 1 || x.shape[x.rank - 1] !== inF) {
    throw new ShapeError(`linear: input [${x.shape.join(', ')}] does not end in ${inF} features (weight [${weight.shape.join(', ')}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(`linear: bias must be [${outF}], got [${bias.shape.join(', ')}]`);
  }
  const rows = x.size / inF;
  const outShape = [...x.shape.slice(0, -1), outF];
  const product = matmulWT(rt, x, weight, rows, inF, outF);
  let out: Tensor;
  if (bias) {
    const withBias = binary(product, bias, 'add');
    product.dispose();
    out = withBias.alias(outShape);
    withBias.dispose();
  } else {
    out = product.alias(outShape);
    product.dispose();
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordOp(out, 'linear', inputs, [x, weight], (g, [xs, ws]) => {
    // dx = g W ([rows, out] . [out, in]); dW = g^T x ([out, rows] . [rows, in]); db = sum_rows g.
    const gx = x.requiresGrad
      ? matmulInto(rt, rowMajor(g, rows, outF, false), rowMajor(ws, outF, inF, false), rows, inF, outF, 1, x.shape)
      : null;
    const gw = weight.requiresGrad
      ? matmulInto(rt, transposed(g, outF, rows, false), rowMajor(xs, rows, inF, false), outF, inF, rows, 1, [outF, inF])
      : null;
    const gb = bias?.requiresGrad ? sum(g.alias([rows, outF]), 0) : null;
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
