// utif2's own types are a CommonJS `export function` file; Isle uses one function as the default export.
declare module 'utif2' {
  const UTIF: { encodeImage(rgba: Uint8Array, width: number, height: number): ArrayBuffer };
  export default UTIF;
}
