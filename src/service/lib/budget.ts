// Per-request budgets: compute B·N·K·passes against HJNET_MAX_WORK and output values against
// HJNET_MAX_OUTPUT, checked from the request's shapes before the engine reads any tensor.
import { HttpProblem } from './problem.js';

export interface Budgets {
  maxWork: number;
  maxOutput: number;
}

/** `setup`: work before the queries, e.g. K·N² to build an inline model. */
export function checkWork(budgets: Budgets, B: number, N: number, K: number, passes = 1, setup = 0): void {
  const work = B * N * K * passes + setup;
  if (work > budgets.maxWork) {
    let what = passes === 1 ? `B·N·K = ${B}·${N}·${K}` : `B·N·K·passes = ${B}·${N}·${K}·${passes}`;
    if (setup > 0) what += ` plus ${setup} to build the inline model (K·N²)`;
    throw new HttpProblem(422, `This request needs ${what} = ${work}, above HJNET_MAX_WORK = ${budgets.maxWork}; split the batch`, {
      limit: 'HJNET_MAX_WORK',
      field: 'X',
      expected: `B·N·K <= ${budgets.maxWork}`,
      received: String(work),
    });
  }
}

export function checkOutput(budgets: Budgets, values: number): void {
  if (values > budgets.maxOutput) {
    throw new HttpProblem(422, `The response would hold ${values} values, above HJNET_MAX_OUTPUT = ${budgets.maxOutput}; ask for fewer outputs or split the batch`, {
      limit: 'HJNET_MAX_OUTPUT',
      field: 'X',
      expected: `at most ${budgets.maxOutput} output values`,
      received: String(values),
    });
  }
}
