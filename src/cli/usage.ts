// The command's help texts and its usage error (exit code 2, a message naming the option).

/** A wrong command line: the message names the option; the command exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, error: 1, usage: 2, cancelled: 130 } as const;

export const MAIN_HELP = `hjnet: log-sum-exp layers read as Hamilton–Jacobi solutions

Usage:
  hjnet serve [options]           start the REST service (see hjnet serve --help)
  hjnet train <file> [options]    train a model from CSV, .npy or IDX data (see hjnet train --help)
  hjnet help [command]            this text, or a command's
  hjnet --version                 the package version

Exit codes: 0 done, 1 failed, 2 bad command line, 130 cancelled (Ctrl-C).
`;

export const SERVE_HELP = `Usage: hjnet serve [--host HOST] [--port PORT] [--data-dir DIR]

Starts the REST service (the same as npm start). Every setting comes from the environment
(HOST, PORT, HJNET_DATA_DIR, HJNET_TRAIN_CONCURRENCY, ...: see the README); the options set
the first three for this run.

Options:
  --host HOST         interface to listen on (HOST, default 127.0.0.1)
  --port PORT         port, 0 for any free one (PORT, default 8080)
  --data-dir DIR      where models and jobs are kept (HJNET_DATA_DIR, default ./data)
  -h, --help          this text
`;

export const TRAIN_HELP = `Usage: hjnet train <file> [options] (--out FILE | --server URL)

Trains a model on <file> in this process and writes it as safetensors (--out) or registers it
with a running hjnet service (--server). The format is read from the file's first bytes:
  CSV          one row per example; the target is the column --target NAME (default: the last
               column), or the whole of --labels FILE
  .npy         inputs [n, d] (or [n, ...], flattened); targets from --labels FILE (or --y FILE)
  IDX          MNIST-style images [n, rows, cols] (gzipped or not), flattened to rows, uint8
               pixels scaled to [0, 1]; labels from --labels FILE; the task defaults to classification
--labels/--y takes a .npy, IDX or one-column CSV file with one target row per example.

Data:
  --target NAME             CSV target column (header name or 0-based index; default the last)
  --labels FILE, --y FILE   targets or class labels from another file
  --limit N                 use the first N rows only

Training (the fields of POST /v1/train):
  --task regression|classification   default: classification for IDX, else regression
  --method adam|lbfgs|closed-form|fixed-support   default adam
  --N N                     support points per head
  --eps EPS|auto            viscosity in raw units (default auto)
  --t T|auto                gauge time in raw units (default auto)
  --steps N                 Adam steps or L-BFGS iterations
  --lr LR                   learning rate
  --batch-size N            rows per Adam step
  --seed N                  seed (same seed, same model)
  --validation-split F      share of rows held out, 0..0.5
  --name NAME               the model's name

Output:
  --out FILE                write the model as safetensors (tensors W, b, y, g; metadata format, form, task, eps, t, classes, name, training)
  --server URL              register the model with the service at URL (POST /v1/models); prints its id
  --api-key KEY             bearer key for --server (default: $HJNET_API_KEY)
  --json                    print a JSON summary on stdout instead of the path or id
  -h, --help                this text

Progress goes to stderr: a bar on a terminal, otherwise a line about every second.
Ctrl-C cancels the training cleanly (exit 130, nothing written).
`;
