// utif2's own types are a CommonJS `export function` file; the suite reads TIFF replies with it, as the default export.
declare module 'utif2' {
  interface Ifd {
    width: number;
    height: number;
    data: Uint8Array;
    [tag: `t${number}`]: number[] | Uint8Array | undefined;
  }
  const UTIF: { decode(file: ArrayBuffer | Uint8Array): Ifd[]; decodeImage(file: ArrayBuffer | Uint8Array, ifd: Ifd): void };
  export default UTIF;
}
