// reports/FASHION_MNIST.md from the example's results: the command, the machine, the wall time,
// every number with what it means, and the figures.
import { sig } from '../../experiments/paper/lib/stats.js';
import { FASHION_MNIST_CLASSES } from '../../src/data/mnist.js';
import { RADII, type ExampleResult } from './example.js';

type R = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);
const className = (label: number) => FASHION_MNIST_CLASSES[label] ?? String(label);

/** `figures` is the path of the figure folder relative to the report. */
export function renderReport({ meta, models, figures }: ExampleResult, command: string, figureDir: string): string {
  const o = meta.options as R;
  const m = meta.machine as R;
  const service = meta.service as R;
  const pca = meta.pca as R;
  const L: string[] = [];
  const p = (s = '') => L.push(s);
  const figure = (file: string) => {
    const f = figures.find((x) => x.file === file);
    if (f) p(`![${f.caption}](${figureDir}/${f.file})`);
  };

  p('# Fashion-MNIST through the hjnet service');
  p();
  p('A 10-class classifier trained, explained and certified through hjnet\'s HTTP API only: the example starts the built');
  p('server (`dist/src/service/server.js`, what `npm start` runs) on a free port with a temporary `HJNET_DATA_DIR`, sends the');
  p('data to `POST /v1/train`, and calls `evaluate`, `attribute` and `certify-radius` on the stored models. The code is in');
  p('[examples/fashion-mnist/](../examples/fashion-mnist/).');
  p();
  p(`- Command: \`${command}\``);
  p(`- Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.platform}, Node ${m.node}; hjnet ${service.version} on ${service.device} with ${service.threads} threads`);
  p(`- Wall time: ${(meta.wall_s as number).toFixed(1)} s for the whole run (reading, PCA, starting the server, training, every request; the \`npm run build:ts\` the npm script runs first comes on top), ${(meta.date as string).slice(0, 10)}`);
  p(`- Data: ${meta.dataset} (Debian package \`dataset-fashion-mnist\`), read by hjnet\'s IDX loader (\`src/data/mnist.ts\`); pixels / 255`);
  p(`- Training rows: the first ${o.trainRows} of the training split for the PCA-50 models${o.rawRows > 0 ? `, the first ${o.rawRows} for the raw-pixel model (a subset, to keep the run to a few minutes)` : ''}; test rows: the first ${o.testRows} of the test split`);
  p(
    `- PCA: ${pca.components} components fitted on the first ${pca.fitted_on} training images (${(100 * pca.explained_variance).toFixed(1)}% of the pixel variance), ` +
      'on the client, with hjnet\'s own eigen solver (`experiments/paper/lib/eigen.ts`: the covariance, Householder tridiagonalisation and ' +
      `implicit QL, the code the paper reproduction uses for Experiment E) [${sig(pca.seconds)} s]. Features and images travel as float32 base64 tensors.`,
  );
  p();
  p('## Models and test accuracy');
  p();
  p('| model | method | N per head | d | Adam steps | rows (train / validation) | eps | t | training | train accuracy | validation accuracy | **test accuracy** |');
  p('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of models) {
    p(`| ${r.title} | ${r.method} | ${r.N} | ${r.d} | ${r.steps} | ${r.n_train} / ${r.n_val} | ${sig(r.eps)} | ${sig(r.t)} | ${r.train_seconds.toFixed(1)} s | ${pct(r.train_accuracy)} | ${pct(r.val_accuracy)} | **${pct(r.test_accuracy)}** |`);
  }
  p();
  p(`Test accuracy is the share of the ${o.testRows} test images whose predicted class (argmin_k u_k, SPEC section 1) is their label.`);
  p('Validation accuracy is on the rows `POST /v1/train` held out (`validation_split`, default 0.1 for adam, 0 for closed-form).');
  p('eps and t are the gauge the service chose ("auto", Theorem 8.1\'s rule, in raw units); training is the job\'s time from');
  p('`started_at` to `finished_at`. adam optimises support points and initial data in HJ coordinates from a k-means++ start on');
  p('training rows; closed-form places the support points at training rows (k-means++) and only sets the initial data.');
  p();
  p('## Attribution: which training images a prediction rests on');
  p();
  p(`\`attribute\` on the first test image of each class returns the top support points of the predicted class\'s head by Gibbs`);
  p('weight pi_j. Each support point started at a training row, recorded in the model as `training.support_rows`, so the grid shows');
  p('the training images themselves. For closed-form the support points are those images (in PCA coordinates); for adam they');
  p('started there and moved. Frames: the test image\'s is green when it is classified right, a training image\'s green when its');
  p('label is the predicted class; the blue bar under a training image is its Gibbs weight (full width = 1).');
  for (const r of models) {
    p();
    p(`### ${r.title}`);
    p();
    figure(`attribution-${r.key}.png`);
    p();
    p('| test row | label | predicted | exp(H) | top support points: training row (label) pi |');
    p('|---|---|---|---|---|');
    for (const a of r.attribution) {
      const top = a.top.map((s) => `${s.training_row} (${className(s.training_label)}) ${sig(s.pi, 2)}`).join(', ');
      p(`| ${a.test_row} | ${className(a.label)} | ${className(a.predicted)} | ${sig(a.effective_n)} | ${top} |`);
    }
  }
  p();
  p('exp(H) is the effective number of support points, the exponential of the attribution entropy.');
  p();
  p('## Certified radii');
  p();
  p(`\`certify-radius\` on all ${o.testRows} test images returns, for each, a radius r such that every input within L2 distance r`);
  p('keeps the predicted class (SPEC section 2: the smallest over the rival classes of the best sound radius of the margin).');
  p('Radii are in the model\'s input units. For the PCA models that is PCA coordinates, but the projection has orthonormal rows,');
  p('so a pixel perturbation moves the features by no more than its own length: every radius below also certifies the ball of');
  p('that radius in pixel space (pixels in [0, 1]), the same space as the raw-pixel model. A ball of radius r holds, for example,');
  p('a change of r/28 on every one of the 784 pixels (r = 1: about 9 grey levels of 255 everywhere).');
  p();
  p(`| model | min | 10% | median | 90% | max | ${RADII.map((r) => `certified accuracy at r = ${r}`).join(' | ')} | attacks that beat a certificate |`);
  p(`|---|---|---|---|---|---|${RADII.map(() => '---|').join('')}---|`);
  for (const r of models) {
    const q = r.radii;
    p(
      `| ${r.title} | ${sig(q.min)} | ${sig(q.q10)} | ${sig(q.median)} | ${sig(q.q90)} | ${sig(q.max)} | ${RADII.map((x) => pct(q.certified_accuracy[String(x)])).join(' | ')} | ` +
        `${r.attack.unsound} of ${r.attack.test_images} |`,
    );
  }
  p();
  p('Certified accuracy at r is the share of all test images that are classified right and certified at radius r or more.');
  p(`The last column reruns \`certify-radius\` with \`attack: {steps: ${o.attackSteps}}\` on the first ${o.attackRows} test images: a`);
  p('projected-gradient attack inside each certified ball looks for a class change; it must never find one (smallest margin it');
  p(`reached: ${models.map((r) => `${r.title} ${sig(r.attack.min_margin)}`).join(', ')}; positive means the class held).`);
  p();
  figure('certified-accuracy.svg');
  for (const r of models) {
    p();
    figure(`radii-${r.key}.svg`);
  }
  p();
  p('## Time per request');
  p();
  p('| model | training job | evaluate | attribute | certify-radius | attack |');
  p('|---|---|---|---|---|---|');
  for (const r of models) {
    const s = r.seconds;
    p(`| ${r.title} | ${r.train_seconds.toFixed(1)} s | ${sig(s.evaluate)} s | ${sig(s.attribute)} s | ${sig(s.certify)} s | ${sig(s.attack)} s |`);
  }
  p();
  p('Each request time includes the HTTP round trip and the base64 tensors. The numbers are also in');
  p(`[${figureDir}/results.json](${figureDir}/results.json).`);
  p();
  return L.join('\n');
}
