// Same request, seed and thread count: the same model bit for bit.
import t from 'tap';
import { train, type TrainRequest } from '../../../src/engine/training/index.js';
import { absData, blobs } from './fixtures/data.js';

function bits(result: Awaited<ReturnType<typeof train>>): string {
  const s = result.spec.support as { y: { data: Float64Array }; g: { data: Float64Array } };
  return Buffer.from(s.y.data.buffer).toString('hex') + Buffer.from(s.g.data.buffer).toString('hex') + String(result.spec.t) + String(result.spec.eps);
}

const requests: [string, TrainRequest][] = [
  ['adam regression', { task: 'regression', data: absData(300, 1), N: 20, steps: 300, seed: 11 }],
  ['lbfgs with warm start', { task: 'regression', data: absData(300, 2), method: 'lbfgs', N: 20, steps: 30, warm_start_steps: 50, seed: 12 }],
  ['adam classification', { task: 'classification', data: blobs(300, 3), N: 16, steps: 200, seed: 13 }],
];

for (const [name, request] of requests) {
  t.test(name, async (t) => {
    for (const threads of [1, 2, 3]) {
      const a = await train(request, { threads });
      const b = await train(request, { threads });
      t.equal(bits(a), bits(b), `identical with ${threads} thread(s)`);
      t.same(a.history, b.history);
    }
    const other = await train({ ...request, seed: (request.seed as number) + 1 }, { threads: 2 });
    const base = await train(request, { threads: 2 });
    t.not(bits(other), bits(base), 'another seed gives another model');
  });
}
