// Request validation: each bad field is named, with what was expected and what came.
import t from 'tap';
import { isFieldError } from '../../../src/engine/index.js';
import { train, type TrainRequest } from '../../../src/engine/training/index.js';

const X = [[0], [1], [2], [3], [4], [5]];
const y = [0, 1, 0, 1, 2, 1];
const base = { task: 'regression', data: { X, y } } as TrainRequest;

const cases: [string, Record<string, unknown>, string, 'TypeError' | 'RangeError' | 'TensorError'][] = [
  ['no task', { task: undefined }, 'task', 'TypeError'],
  ['unknown task', { task: 'ranking' }, 'task', 'RangeError'],
  ['unknown method', { method: 'sgd' }, 'method', 'RangeError'],
  ['no data', { data: undefined }, 'data', 'TypeError'],
  // Tensors are read by src/data (TensorError: `field` names the tensor, `path` the entry).
  ['ragged X', { data: { X: [[0], [1, 2]], y: [0, 1] } }, 'data.X', 'TensorError'],
  ['X with NaN', { data: { X: [[0], [NaN]], y: [0, 1] } }, 'data.X', 'TensorError'],
  ['one row', { data: { X: [[0]], y: [0] } }, 'data.X', 'RangeError'],
  ['y rows', { data: { X, y: [1, 2] } }, 'data.y', 'RangeError'],
  ['N too large', { N: 99 }, 'N', 'RangeError'],
  ['N not an integer', { N: 2.5 }, 'N', 'RangeError'],
  ['eps string', { eps: 'small' }, 'eps', 'RangeError'],
  ['eps negative', { eps: -1 }, 'eps', 'RangeError'],
  ['t zero', { t: 0 }, 't', 'RangeError'],
  ['steps zero', { steps: 0 }, 'steps', 'RangeError'],
  ['lr type', { lr: '0.1' }, 'lr', 'TypeError'],
  ['lr negative', { lr: -0.1 }, 'lr', 'RangeError'],
  ['batch_size zero', { batch_size: 0 }, 'batch_size', 'RangeError'],
  ['seed negative', { seed: -1 }, 'seed', 'RangeError'],
  ['validation_split too large', { validation_split: 0.9 }, 'validation_split', 'RangeError'],
  ['parametrization', { parametrization: 'logits' }, 'parametrization', 'RangeError'],
  ['weights with closed-form', { parametrization: 'weights', method: 'closed-form' }, 'parametrization', 'RangeError'],
  ['early_stopping type', { early_stopping: 'yes' }, 'early_stopping', 'TypeError'],
  ['patience zero', { early_stopping: { patience: 0 } }, 'early_stopping.patience', 'RangeError'],
  ['warm start without lbfgs', { warm_start_steps: 10 }, 'warm_start_steps', 'RangeError'],
  ['fractional label', { task: 'classification', data: { X, y: [0, 1, 0.5, 1, 0, 1] } }, 'data.y[2]', 'RangeError'],
  ['one class', { task: 'classification', data: { X, y: [0, 0, 0, 0, 0, 0] } }, 'data.y', 'RangeError'],
  ['targets of rank 3', { data: { X, y: [[[1]], [[1]], [[1]], [[1]], [[1]], [[1]]] } }, 'data.y', 'TensorError'],
  ['name type', { name: 7 }, 'name', 'TypeError'],
];

for (const [what, patch, field, kind] of cases) {
  t.test(what, async (t) => {
    const err = await train({ ...base, ...patch } as TrainRequest).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(isFieldError(err), 'a field error');
    t.equal((err as Error).name, kind);
    t.equal((err as { field: string }).field, field);
    t.ok((err as { expected: string }).expected.length > 0 && typeof (err as { received: string }).received === 'string');
  });
}

t.test('typed-array inputs are accepted', async (t) => {
  const result = await train({
    task: 'regression',
    data: { X: { data: Float32Array.from([0, 1, 2, 3, 4, 5]), shape: [6, 1] }, y: { data: Float64Array.from(y), shape: [6] } },
    method: 'closed-form',
  });
  t.equal((result.spec.training as Record<string, unknown>).N, 6, 'closed-form uses every row by default');
});
