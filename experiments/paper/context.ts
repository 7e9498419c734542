// What every experiment receives and returns.

export interface Context {
  /** The CI-sized run: fewer trials, smaller N, the same keys. */
  quick: boolean;
  seed: number;
  log: (message: string) => void;
}

export interface Figure {
  /** File name under reports/figures/. */
  file: string;
  caption: string;
  svg: string;
}

export interface Outcome<T extends object = Record<string, unknown>> {
  /** The key in reports/reproduction.json. */
  key: string;
  /** The fields first, then this run's extras. */
  result: T;
  figures: Figure[];
  seconds?: number;
}

export type Experiment = (ctx: Context) => Promise<Outcome>;
