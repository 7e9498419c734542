// Training as a library: train(request, {signal, onProgress}) -> {spec, history}.
export { train, type TrainOptions, type TrainProgress, type TrainHistoryEntry, type TrainResult } from './train.js';
export { optimizerSteps, parseTrainRequest, type TrainRequest, type TrainMethod, type Parametrization } from './request.js';
export { GAUGE_RULE } from './gauge.js';
