// @cornerstonejs/codec-openjpeg ships an Emscripten factory without types for the /wasmjs entry.
declare module '@cornerstonejs/codec-openjpeg/wasmjs' {
  interface FrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
    isUsingColorTransform: boolean;
  }
  export interface J2KEncoder {
    getDecodedBuffer(info: FrameInfo): Uint8Array;
    /** The wavelet (5/3 reversible when lossless, else 9/7) and how many quality layers. */
    setQuality(lossless: boolean, layers: number): void;
    /** A layer's target: raw bytes over coded bytes (0: all of it). */
    setCompressionRatio(layer: number, ratio: number): void;
    /** Wavelet levels (5 by default): each halves the image, which must keep a pixel. */
    setDecompositions(levels: number): void;
    encode(): void;
    getEncodedBuffer(): Uint8Array;
    delete(): void;
  }
  export interface OpenJpegModule {
    J2KEncoder: new () => J2KEncoder;
  }
  const factory: (options?: object) => Promise<OpenJpegModule>;
  export default factory;
}
