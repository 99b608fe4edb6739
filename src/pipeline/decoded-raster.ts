import type { Pixels } from '../image/pixels.ts';

/**
 * What the PSD, GIF and BMP decoders give: RGBA8, straight alpha. With `cmyk`, `data` holds the four inks (255 full ink) as Isle's CMYK
 * pixels do and `alpha` the transparency, one byte a pixel, until the inks are colours. `wide`:
 * a 16-bit source's colours as RGBA16 (alpha scaled from 8 bits), when asked for.
 */
export interface DecodedRaster extends Pixels {
  wide?: Uint16Array;
  cmyk?: boolean;
  alpha?: Uint8Array;
}
