// The attribution grid as a PNG (pngjs): one row per test image, the test image first, then the
// training images its top support points stand for, in the order of their Gibbs weights. Frames
// and bars carry what text would: the test image's frame is green when the class is right, a
// training image's frame green when its label is the predicted class (the head explained), and the
// bar under it is as long as its Gibbs weight pi_j.
import { PNG } from 'pngjs';

export interface GridRow {
  /** The test image, side x side pixels 0..255 (0 = background). */
  query: Uint8Array;
  correct: boolean;
  support: { pixels: Uint8Array; sameClass: boolean; pi: number }[];
}

const ZOOM = 2;
const FRAME = 3;
const GAP = 4;
/** Between the test image and its support points. */
const SEPARATOR = 16;
const BAR = 5;
const WHITE = [255, 255, 255] as const;
const GREEN = [30, 150, 60] as const;
const RED = [210, 40, 40] as const;
const BLUE = [31, 119, 180] as const;

type Rgb = readonly [number, number, number];

export function attributionGrid(rows: GridRow[], k: number, side: number): Buffer {
  if (rows.length === 0 || k < 1) throw new RangeError('the grid needs at least one row and one support column');
  const framed = side * ZOOM + 2 * FRAME;
  const cellH = framed + 2 + BAR;
  const width = GAP + framed + SEPARATOR + k * (framed + GAP);
  const height = GAP + rows.length * (cellH + GAP);
  const png = new PNG({ width, height });
  const fill = (x0: number, y0: number, w: number, h: number, [r, g, b]: Rgb) => {
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const o = 4 * (y * width + x);
        png.data[o] = r;
        png.data[o + 1] = g;
        png.data[o + 2] = b;
        png.data[o + 3] = 255;
      }
    }
  };
  const image = (x0: number, y0: number, pixels: Uint8Array, frame: Rgb) => {
    if (pixels.length !== side * side) throw new RangeError(`an image of ${pixels.length} pixels in a ${side} x ${side} grid`);
    fill(x0, y0, framed, framed, frame);
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const v = pixels[r * side + c];
        fill(x0 + FRAME + c * ZOOM, y0 + FRAME + r * ZOOM, ZOOM, ZOOM, [v, v, v]);
      }
    }
  };
  fill(0, 0, width, height, WHITE);
  rows.forEach((row, i) => {
    const y0 = GAP + i * (cellH + GAP);
    image(GAP, y0, row.query, row.correct ? GREEN : RED);
    row.support.slice(0, k).forEach((s, j) => {
      const x0 = GAP + framed + SEPARATOR + j * (framed + GAP);
      image(x0, y0, s.pixels, s.sameClass ? GREEN : RED);
      fill(x0, y0 + framed + 2, Math.max(1, Math.round(Math.min(1, s.pi) * framed)), BAR, BLUE);
    });
  });
  return PNG.sync.write(png);
}
