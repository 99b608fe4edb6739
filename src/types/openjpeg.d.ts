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
    setQuality(lossless: boolean, ratio: number): void;
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
