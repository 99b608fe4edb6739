import type { Rgba } from '../../protocol/color.ts';
import type { Size } from '../../protocol/request.ts';
import { createPixels, type Pixels } from '../../image/pixels.ts';

/** Places the image on a canvas of the background colour (the fit padding and rect= tiles). */
export function extend(image: Pixels, canvas: Size, x: number, y: number, background: Rgba): Pixels {
  const out = createPixels(canvas.width, canvas.height, background);
  const rowBytes = image.width * 4;
  for (let row = 0; row < image.height; row++) {
    const from = row * rowBytes;
    out.data.set(image.data.subarray(from, from + rowBytes), ((y + row) * canvas.width + x) * 4);
  }
  return out;
}
